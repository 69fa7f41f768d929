import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseEngine } from '../lib/constructs/database.js';
import { isTopology, resolvePreset, TOPOLOGIES } from '../lib/presets.js';
import type { DeploymentSettings } from '../lib/settings.js';

/** Root of the monorepo (this file is infra/bin/context.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where `npm run build -w api` writes the bundles the stacks deploy. */
export const API_ARTIFACTS = {
  api: join(REPO_ROOT, 'api/dist/lambda/api'),
  migrate: join(REPO_ROOT, 'api/dist/lambda/migrate'),
  server: join(REPO_ROOT, 'api/dist/server'),
} as const;

/** The web app's standalone build for the ec2-alb frontend (`npm run build:ec2 -w @cloudnest/web`). */
export const WEB_ARTIFACT = join(REPO_ROOT, 'web/dist/ec2');

/**
 * Packages api/scripts/build.ts leaves out of the server bundle that the server loads at runtime
 * (a native module, and Swagger UI's static files); the instances install them from npm.
 */
const SERVER_RUNTIME_PACKAGES = ['@node-rs/argon2', 'swagger-ui-dist'];

/** Versions of {@link SERVER_RUNTIME_PACKAGES} as api/package.json pins them. */
export function serverRuntimeDependencies(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'api/package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.fromEntries(
    SERVER_RUNTIME_PACKAGES.flatMap((name) => {
      const range = manifest.dependencies?.[name];
      return range ? [[name, range]] : [];
    }),
  );
}

/** Reads one setting: CDK context (`-c key=value`) first, then `CLOUDNEST_<KEY>` from the environment. */
export type Lookup = (key: string) => string | undefined;

const list = (value: string | undefined): string[] | undefined =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const flag = (key: string, value: string | undefined): boolean | undefined => {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`${key} must be true or false, got "${value}"`);
};

const integer = (key: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`${key} must be a whole number, got "${value}"`);
  return Number(value);
};

/** `reservedConcurrency`: a whole number, or `none` for no reservation. */
const reservation = (value: string | undefined): number | 'none' | undefined =>
  value === 'none' ? 'none' : integer('reservedConcurrency', value);

/**
 * Builds deployment settings from `-c` context and `CLOUDNEST_*` variables. Every key is listed
 * in infra/README.md. Throws on unknown topology or preset, or a half-given import mode.
 */
export function settingsFromLookup(
  lookup: Lookup,
  defaults: { account?: string; region?: string } = {},
): DeploymentSettings {
  const topology = lookup('topology');
  if (!topology || !isTopology(topology)) {
    throw new Error(
      `Set -c topology=<${TOPOLOGIES.join('|')}> (got ${topology ? `"${topology}"` : 'nothing'})`,
    );
  }
  const presetName = lookup('preset');
  if (!presetName) throw new Error('Set -c preset=<name> (nest-vpc, autonote, seoul, dev, prod)');
  const preset = resolvePreset(presetName, { region: lookup('region') ?? defaults.region });

  const vpcId = lookup('vpcId');
  const dbSecurityGroupId = lookup('dbSecurityGroupId');
  const zoneName = lookup('zoneName');
  return {
    topology,
    preset,
    account: lookup('account') ?? defaults.account,
    stackName: lookup('stackName'),
    apiCodePath: lookup('apiCodePath') ?? API_ARTIFACTS.api,
    migrateCodePath: lookup('migrateCodePath') ?? API_ARTIFACTS.migrate,
    backendCodePath: topology === 'ec2-alb' ? (lookup('backendCodePath') ?? API_ARTIFACTS.server) : undefined,
    backendRuntimeDependencies: topology === 'ec2-alb' ? serverRuntimeDependencies() : undefined,
    // The web build, which must exist (missingArtifacts): a deploy without it used to serve a
    // placeholder page where the web app belongs. Templates without builds: `npm run synth -- --placeholder`.
    frontendCodePath: topology === 'ec2-alb' ? (lookup('frontendCodePath') ?? WEB_ARTIFACT) : undefined,
    imageTag: lookup('imageTag'),
    repositoryName: lookup('repositoryName'),
    deploymentId: lookup('deploymentId'),
    corsAllowedOrigins: list(lookup('corsOrigins')),
    alarmEmail: lookup('alarmEmail'),
    mailFrom: lookup('mailFrom'),
    siteUrl: lookup('siteUrl'),
    jwtSecretArn: lookup('jwtSecretArn'),
    rdsProxy: flag('rdsProxy', lookup('rdsProxy')),
    reservedConcurrency: reservation(lookup('reservedConcurrency')),
    lambdaMemoryMiB: integer('lambdaMemoryMiB', lookup('lambdaMemoryMiB')),
    lambdaTimeoutSeconds: integer('lambdaTimeoutSeconds', lookup('lambdaTimeoutSeconds')),
    fargatePublicIp: flag('fargatePublicIp', lookup('fargatePublicIp')),
    requireApiKey: flag('requireApiKey', lookup('requireApiKey')),
    domain: zoneName
      ? {
          zoneName,
          hostedZoneId: lookup('hostedZoneId'),
          recordName: lookup('recordName'),
          certificateArn: lookup('certificateArn'),
        }
      : undefined,
    existingNetwork: vpcId
      ? {
          vpcId,
          privateSubnetIds: list(lookup('privateSubnetIds')) ?? [],
          publicSubnetIds: list(lookup('publicSubnetIds')),
          availabilityZones: list(lookup('availabilityZones')) ?? [],
        }
      : undefined,
    existingDatabase: dbSecurityGroupId
      ? {
          securityGroupId: dbSecurityGroupId,
          secretArn: lookup('dbSecretArn') ?? '',
          engine: (lookup('dbEngine') ?? 'postgres') as DatabaseEngine,
        }
      : undefined,
  };
}

/** Code directories the settings point at that do not exist (each with a fix). */
export function missingArtifacts(settings: DeploymentSettings): string[] {
  const apiBuild = '`npm run build -w @cloudnest/api`';
  const artifacts: [string | undefined, string][] = [
    [settings.apiCodePath, apiBuild],
    [settings.migrateCodePath, apiBuild],
    [settings.backendCodePath, apiBuild],
    [settings.frontendCodePath, '`npm run build:ec2 -w @cloudnest/web`'],
  ];
  return artifacts
    .filter((artifact): artifact is [string, string] => artifact[0] !== undefined && !existsSync(artifact[0]))
    .map(([path, build]) => `${path} does not exist: run ${build} first`);
}
