import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { addDeployment, type Deployment } from '../lib/deployment.js';
import { applyAwsSolutionsChecks } from '../lib/nag.js';
import { type PresetName, resolvePreset, type Topology } from '../lib/presets.js';
import type { DeploymentSettings } from '../lib/settings.js';

/** Seed 000's import mode: its existing VPC, subnets and database security group (SAM parameters). */
export const SEED_000_IMPORT: Partial<DeploymentSettings> = {
  existingNetwork: {
    vpcId: 'vpc-00b91951c36f803c6',
    availabilityZones: ['ap-southeast-2a', 'ap-southeast-2b', 'ap-southeast-2c'],
    privateSubnetIds: ['subnet-0252fa717f4638268', 'subnet-05b32a038870ee48f', 'subnet-0479d42241a7eae8f'],
  },
  existingDatabase: {
    securityGroupId: 'sg-0fc391d30ffe29141',
    secretArn: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:nest-db-AbCdEf',
    engine: 'postgres',
  },
};

/** Directories with a tiny `index.mjs`, standing in for the API's esbuild bundles. */
export function placeholderCode(): { api: string; migrate: string; backend: string } {
  const root = mkdtempSync(join(tmpdir(), 'cloudnest-infra-'));
  const dirs = { api: join(root, 'api'), migrate: join(root, 'migrate'), backend: join(root, 'backend') };
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'index.mjs'),
      'export const handler = async () => ({ applied: [], pending: [] });\n',
    );
  }
  writeFileSync(join(dirs.backend, 'main.mjs'), 'console.log("backend");\n');
  return dirs;
}

const CODE = placeholderCode();

/** An existing ACM certificate, as `-c certificateArn=…` passes it. */
export const SAMPLE_CERTIFICATE_ARN =
  'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

/** The domain a real deploy gives: a hosted zone for ec2-alb, a certificate for fargate outside dev. */
function sampleDomain(topology: Topology, preset: PresetName): DeploymentSettings['domain'] {
  if (topology === 'ec2-alb') {
    return { zoneName: 'example.com', hostedZoneId: 'Z0123456789EXAMPLE', recordName: 'www' };
  }
  if (topology === 'fargate' && preset !== 'dev') {
    return { zoneName: 'example.com', recordName: 'api', certificateArn: SAMPLE_CERTIFICATE_ARN };
  }
  return undefined;
}

/** Settings for a topology × preset with the values a real deploy would pass. */
export function sampleSettings(
  topology: Topology,
  preset: PresetName,
  overrides: Partial<DeploymentSettings> = {},
): DeploymentSettings {
  return {
    topology,
    preset: resolvePreset(preset),
    apiCodePath: CODE.api,
    migrateCodePath: CODE.migrate,
    backendCodePath: topology === 'ec2-alb' ? CODE.backend : undefined,
    backendRuntimeDependencies: topology === 'ec2-alb' ? { '@node-rs/argon2': '^2.2.1' } : undefined,
    imageTag:
      topology === 'lambda-image' || topology === 'fargate'
        ? '0123456789abcdef0123456789abcdef01234567'
        : undefined,
    corsAllowedOrigins: ['https://app.example.com'],
    alarmEmail: 'ops@example.com',
    mailFrom: 'no-reply@example.com',
    domain: sampleDomain(topology, preset),
    // The web app's origin: derived from the domain on ec2-alb; given elsewhere, dev included, since
    // these settings send mail (mailFrom) and mail links must point at the site.
    siteUrl: topology === 'ec2-alb' ? undefined : 'https://app.example.com',
    ...overrides,
  };
}

/**
 * Synthesizes one deployment and returns its stacks and templates. cdk-nag runs unless `nag` is
 * false (tests that only read templates skip it to save time).
 */
export function synthesize(
  settings: DeploymentSettings,
  { nag = true }: { nag?: boolean } = {},
): Deployment & { template: Template; cdkApp: App } {
  const cdkApp = new App();
  if (nag) applyAwsSolutionsChecks(cdkApp);
  const deployment = addDeployment(cdkApp, settings);
  return { ...deployment, cdkApp, template: Template.fromStack(deployment.app) };
}

/** Error annotations (cdk-nag findings that were not acknowledged) of a stack. */
export function nagErrors(deployment: Deployment): string[] {
  return deployment.stacks.flatMap((stack) =>
    Annotations.fromStack(stack)
      .findError('*', Match.stringLikeRegexp('.*'))
      .map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`),
  );
}

/** Logical ids of the subnets with these CIDRs, in the given order. */
export function subnetIds(template: Template, cidrs: readonly string[]): string[] {
  return cidrs.map((cidr) => {
    const found = Object.keys(
      template.findResources('AWS::EC2::Subnet', { Properties: { CidrBlock: cidr } }),
    );
    if (found.length !== 1) throw new Error(`expected one subnet ${cidr}, found ${found.length}`);
    return found[0] as string;
  });
}

/** `{ Ref: id }` for each logical id. */
export const refs = (ids: readonly string[]) => ids.map((id) => ({ Ref: id }));

/** The one resource of a type matching `props`; fails when there is not exactly one. */
export function onlyResource(
  template: Template,
  type: string,
  props: object = {},
): [string, Record<string, unknown>] {
  const found = Object.entries(template.findResources(type, props));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, Record<string, unknown>];
}

/** The namespace and name of the metric a metric filter (a template resource) publishes. */
export function filterMetric(filter: Record<string, unknown>): { Namespace: string; MetricName: string } {
  const transformation = (
    filter.Properties as { MetricTransformations: { MetricNamespace: string; MetricName: string }[] }
  ).MetricTransformations[0];
  if (!transformation) throw new Error('metric filter without a metric transformation');
  return { Namespace: transformation.MetricNamespace, MetricName: transformation.MetricName };
}

/** Asserts an alarm fires on the first line the metric filter `filter` (a template resource) counts. */
export function expectAlarmOnFilter(template: Template, filter: Record<string, unknown>): void {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    ...filterMetric(filter),
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
  });
}

/** The log group (`{ Ref }`) the API function (`CloudNest API`) writes to. */
export function apiLogGroup(template: Template): unknown {
  const [, fn] = onlyResource(template, 'AWS::Lambda::Function', {
    Properties: { Description: 'CloudNest API' },
  });
  return (fn.Properties as { LoggingConfig: { LogGroup: unknown } }).LoggingConfig.LogGroup;
}

/**
 * Asserts the API's "mail not delivered" line in `logGroupName` (a template `{ Ref }`) is counted
 * and raises an alarm on the first one in 5 minutes, to the alarm topic and back.
 */
export function expectMailNotDeliveredAlarm(template: Template, logGroupName: unknown): void {
  const [, filter] = onlyResource(template, 'AWS::Logs::MetricFilter', {
    // The literal the API logs, so a changed constant fails here too.
    Properties: { LogGroupName: logGroupName, FilterPattern: '{ $.msg = "mail not delivered" }' },
  });
  expectAlarmOnFilter(template, filter);
  const [topicId] = onlyResource(template, 'AWS::SNS::Topic', {
    Properties: { KmsMasterKeyId: Match.anyValue() },
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    ...filterMetric(filter),
    Period: 300,
    Statistic: 'Sum',
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
    AlarmActions: [{ Ref: topicId }],
    OKActions: [{ Ref: topicId }],
  });
}

/** The route table (`{ Ref }`) associated with a subnet. */
export function routeTableOf(template: Template, subnetLogicalId: string): unknown {
  const [, association] = onlyResource(template, 'AWS::EC2::SubnetRouteTableAssociation', {
    Properties: { SubnetId: { Ref: subnetLogicalId } },
  });
  return (association.Properties as { RouteTableId: unknown }).RouteTableId;
}

/**
 * The logical ids `logicalIdPrefix`'s one resource waits for (DependsOn), with the prefix of each
 * id kept to what a test names (`MigrationRunnerTrigger…`).
 */
export function dependenciesOf(template: Template, logicalIdPrefix: string): string[] {
  const resources = template.toJSON().Resources as Record<string, { DependsOn?: string[] }>;
  const ids = Object.keys(resources).filter((id) => id.startsWith(logicalIdPrefix));
  if (ids.length !== 1)
    throw new Error(`expected one resource named ${logicalIdPrefix}…, found ${ids.length}`);
  return resources[ids[0] ?? '']?.DependsOn ?? [];
}

/**
 * Asserts the upgrade order of the switch from the master user's secret to the API user's: the
 * role's policy (which drops the master secret's read) changes only after the migrations ran, and
 * what runs the new version waits for that policy.
 */
export function expectSecretSwitchAfterMigrations(
  template: Template,
  policy: string,
  consumer: string,
): void {
  const policyDependencies = dependenciesOf(template, policy);
  if (!policyDependencies.some((id) => id.startsWith('MigrationRunnerTrigger')))
    throw new Error(`${policy} does not wait for the migration trigger: ${policyDependencies.join(', ')}`);
  const consumerDependencies = dependenciesOf(template, consumer);
  if (!consumerDependencies.some((id) => id.startsWith(policy)))
    throw new Error(`${consumer} does not wait for ${policy}: ${consumerDependencies.join(', ')}`);
}
