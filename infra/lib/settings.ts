import { defaultReservedConcurrency } from './concurrency.js';
import type { ExistingDatabaseAttributes } from './constructs/database.js';
import type { ExistingNetworkAttributes } from './constructs/network.js';
import type { Preset, Topology } from './presets.js';
import { isEmail } from './validation.js';

/** A public DNS name for the entry point. */
export interface DomainSettings {
  /** Zone apex, e.g. `example.com`. */
  readonly zoneName: string;
  /**
   * Hosted zone id; when set, a DNS-validated certificate and an alias record are created.
   * @default - no DNS records; `certificateArn` must then be given where HTTPS is needed
   */
  readonly hostedZoneId?: string;
  /**
   * Label under the zone (`api` → `api.example.com`).
   * @default - the apex
   */
  readonly recordName?: string;
  /**
   * Existing ACM certificate for the name (used when there is no hosted zone).
   * @default - created from the hosted zone
   */
  readonly certificateArn?: string;
}

/**
 * Everything one deployment needs besides the preset: resolved by `infra/bin/` from CLI context
 * and environment, and validated here so the stacks receive a consistent picture.
 */
export interface DeploymentSettings {
  readonly topology: Topology;
  /**
   * Name of the application stack.
   * @default `CloudNest-<preset>-<topology>`
   */
  readonly stackName?: string;
  readonly preset: Preset;
  /**
   * Account to deploy to.
   * @default - environment-agnostic
   */
  readonly account?: string;
  /** Directory holding the API Lambda bundle (`index.mjs`). */
  readonly apiCodePath: string;
  /** Directory holding the migration Lambda bundle (`index.mjs`). */
  readonly migrateCodePath: string;
  /**
   * Directory of the server build run under PM2 on EC2 (ec2-alb).
   * @default - required for ec2-alb
   */
  readonly backendCodePath?: string;
  /**
   * Packages the server build leaves external, installed on the instances (ec2-alb).
   * @default - none
   */
  readonly backendRuntimeDependencies?: Record<string, string>;
  /**
   * Directory of the frontend build (ec2-alb).
   * @default - a placeholder server
   */
  readonly frontendCodePath?: string;
  /**
   * Image tag for lambda-image and fargate (the commit SHA).
   * @default - required for those topologies
   */
  readonly imageTag?: string;
  /**
   * ECR repository name for image topologies.
   * @default `cloudnest-api-<preset>-<topology>`
   */
  readonly repositoryName?: string;
  /**
   * Browser origins allowed by CORS (API and uploads bucket).
   * @default - none
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * Email subscribed to the alarm topic.
   * @default - none
   */
  readonly alarmEmail?: string;
  /**
   * Verified SES sender; without it the API writes mail to its outbox (readable only in
   * development). Required by presets that require email verification.
   * @default - outbox driver
   */
  readonly mailFrom?: string;
  /**
   * @default - no custom domain
   */
  readonly domain?: DomainSettings;
  /**
   * The https origin users open: the web app whose `/verify-email` and `/reset-password` pages
   * mail links point at (`PUBLIC_BASE_URL`). Also allowed by CORS on the API and the uploads
   * bucket, since the site calls the API and uploads to the bucket from there.
   * @default - ec2-alb: the domain's URL (its ALB serves the web app); elsewhere required outside
   * dev (the domain names the API, not the site), unset in dev
   */
  readonly siteUrl?: string;
  /**
   * lambda-vpc import mode: deploy into this VPC instead of creating one.
   * @default - a new VPC from the preset
   */
  readonly existingNetwork?: ExistingNetworkAttributes;
  /**
   * Import mode: the existing database (required with `existingNetwork`).
   * @default - a new RDS instance
   */
  readonly existingDatabase?: ExistingDatabaseAttributes;
  /**
   * RDS Proxy in front of the database (Lambda topologies).
   * @default false
   */
  readonly rdsProxy?: boolean;
  /**
   * Lambda topologies: reserved concurrency of the API function, i.e. the most database
   * connections it can hold (one per environment).
   * @default - from the preset's database instance class: its estimated `max_connections` minus
   * 20 % (at least 10) for migrations and admin sessions, at most 500 (t4g.micro: 62). `'none'`
   * reserves nothing: Lambda keeps 100 of an account's concurrency unreserved, so an account whose
   * quota is lower (new accounts can start at 10) cannot reserve any.
   */
  readonly reservedConcurrency?: number | 'none';
  /**
   * Memory of the API function in MB, 256–10240 (Lambda gives CPU in proportion: more memory is a
   * faster cold start and argon2; below 256 the app and argon2's 19 MiB do not fit). Lambda
   * topologies only.
   * @default the preset's (1024 MB; dev 512)
   */
  readonly lambdaMemoryMiB?: number;
  /**
   * Timeout of the API function in seconds, 10–30: API Gateway's HTTP API gives up after 30 s, so
   * a longer function would keep working for a client that has its 504; the scheduled maintenance
   * and mail runs keep a 3 s margin of it, so much less would leave them no time. Lambda
   * topologies only.
   * @default the preset's (30)
   */
  readonly lambdaTimeoutSeconds?: number;
  /**
   * fargate: seed 002's public-IP form (no ALB). Forces `REQUIRE_API_KEY=true`.
   * @default false
   */
  readonly fargatePublicIp?: boolean;
  /**
   * `REQUIRE_API_KEY` for the API. Not on ec2-alb, whose web app calls the API from browsers.
   * @default false, true when `fargatePublicIp`
   */
  readonly requireApiKey?: boolean;
  /**
   * Existing secret with the JWT signing key.
   * @default - generated
   */
  readonly jwtSecretArn?: string;
  /**
   * Unique per deploy; makes the migration trigger run on every deploy.
   * @default - runs when the migration bundle changes
   */
  readonly deploymentId?: string;
}

/** Image topologies: they need an ECR repository and an image tag. */
export const IMAGE_TOPOLOGIES: readonly Topology[] = ['lambda-image', 'fargate'];

/** Topologies whose API is a Lambda function. */
export const LAMBDA_TOPOLOGIES: readonly Topology[] = ['lambda-vpc', 'lambda-image'];

/**
 * Reserved concurrency of the API function: `reservedConcurrency`, else derived from the
 * preset's database instance class (in import mode the existing database may differ: set it).
 */
export function reservedConcurrency(settings: DeploymentSettings): number | undefined {
  if (settings.reservedConcurrency === 'none') return undefined;
  return settings.reservedConcurrency ?? defaultReservedConcurrency(settings.preset.database.instanceType);
}

/** Returns every inconsistency of the settings (empty when valid). */
export function settingsProblems(settings: DeploymentSettings): string[] {
  const problems: string[] = [];
  const { topology, preset } = settings;
  if (!preset.topologies.includes(topology)) {
    problems.push(
      `preset "${preset.name}" is not designed for topology "${topology}" (it supports ${preset.topologies.join(', ')})`,
    );
  }
  if (IMAGE_TOPOLOGIES.includes(topology) && !settings.imageTag) {
    problems.push(`topology "${topology}" needs an imageTag (the commit SHA of the pushed image)`);
  }
  if (topology === 'ec2-alb') {
    if (!settings.backendCodePath)
      problems.push('topology "ec2-alb" needs backendCodePath (the server build)');
    if (!settings.domain?.hostedZoneId && !settings.domain?.certificateArn) {
      problems.push('topology "ec2-alb" serves HTTPS: give domain.hostedZoneId or domain.certificateArn');
    }
  }
  // Only dev may serve the API over plain HTTP: without a certificate the ALB listens on 80 only.
  if (
    topology === 'fargate' &&
    preset.name !== 'dev' &&
    !settings.fargatePublicIp &&
    !settings.domain?.hostedZoneId &&
    !settings.domain?.certificateArn
  ) {
    problems.push(
      `topology "fargate" on preset "${preset.name}" serves HTTPS: give domain.hostedZoneId or domain.certificateArn (zoneName with hostedZoneId or certificateArn); only dev may serve plain HTTP`,
    );
  }
  if (settings.fargatePublicIp) {
    if (topology !== 'fargate') problems.push('fargatePublicIp only applies to the fargate topology');
    // The tasks answer on their public IPs over plain HTTP (no load balancer, no certificate):
    // passwords, tokens and the API key itself in clear text. Until 2026-12-07 (found in review)
    // every preset accepted it, and a domain's certificate was silently dropped.
    if (preset.name !== 'dev') {
      problems.push(
        `fargatePublicIp serves the API over plain HTTP from the tasks' public IPs: only preset "dev" may use it (preset "${preset.name}" serves HTTPS behind the ALB)`,
      );
    }
    if (settings.domain) {
      problems.push(
        'fargatePublicIp has no load balancer to serve the domain with its certificate: drop domain or fargatePublicIp',
      );
    }
    if (settings.requireApiKey === false) {
      problems.push(
        'fargatePublicIp exposes tasks to the internet and requires requireApiKey (it cannot be false)',
      );
    }
  }
  // The web app sends no X-API-KEY (a key in browser code would be no secret), so with it required
  // every call of the frontend this topology deploys failed (found in review, 2026-12-07).
  if (topology === 'ec2-alb' && settings.requireApiKey === true) {
    problems.push(
      'requireApiKey cannot be true on ec2-alb: every call of the web app it deploys would be refused (browsers hold no API key)',
    );
  }
  for (const [key, value, min, max] of [
    ['lambdaMemoryMiB', settings.lambdaMemoryMiB, 256, 10_240],
    ['lambdaTimeoutSeconds', settings.lambdaTimeoutSeconds, 10, 30],
  ] as const) {
    if (value === undefined) continue;
    if (!LAMBDA_TOPOLOGIES.includes(topology)) {
      problems.push(`${key} only applies to the Lambda topologies (lambda-vpc, lambda-image)`);
    } else if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} must be a whole number from ${min} to ${max}, got ${value}`);
    }
  }
  if (settings.reservedConcurrency !== undefined) {
    if (!LAMBDA_TOPOLOGIES.includes(topology)) {
      problems.push('reservedConcurrency only applies to the Lambda topologies (lambda-vpc, lambda-image)');
    } else if (
      settings.reservedConcurrency !== 'none' &&
      (!Number.isInteger(settings.reservedConcurrency) || settings.reservedConcurrency < 1)
    ) {
      problems.push(`reservedConcurrency must be a positive integer, got ${settings.reservedConcurrency}`);
    }
  } else if (LAMBDA_TOPOLOGIES.includes(topology) && reservedConcurrency(settings) === undefined) {
    problems.push(
      `reservedConcurrency cannot be derived from database instance class "${preset.database.instanceType}": set it`,
    );
  }
  if (settings.existingNetwork && topology !== 'lambda-vpc' && topology !== 'lambda-image') {
    problems.push('import mode (existingNetwork) is available for the Lambda topologies only');
  }
  if (settings.existingDatabase && !settings.existingNetwork) {
    problems.push('existingDatabase requires existingNetwork (the database lives in that VPC)');
  }
  if (settings.existingNetwork && !settings.existingDatabase) {
    problems.push(
      'import mode (existingNetwork) also needs existingDatabase: the security group and secret of its database',
    );
  }
  if (settings.existingDatabase && settings.rdsProxy) {
    problems.push('rdsProxy is only available for a database CloudNest creates');
  }
  if (settings.domain?.certificateArn && !/^arn:aws[a-z-]*:acm:/.test(settings.domain.certificateArn)) {
    problems.push(`domain.certificateArn "${settings.domain.certificateArn}" is not an ACM certificate ARN`);
  }
  if (settings.stackName !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(settings.stackName)) {
    problems.push(`stackName "${settings.stackName}" is not a valid CloudFormation stack name`);
  }
  // Without a sender the API writes mail to its outbox, which only development can read: no
  // account could ever confirm its address, and outside dev no password reset, emailed sign-in
  // code or address change would arrive either, while the API answered as if it had sent them
  // (autonote deployed that way until the seed-coverage review of 2026-12-07).
  // Every preset but dev requires email verification (2026-12-07: autonote did not, and had its
  // own message for the resets and codes that would not arrive).
  if (preset.requireEmailVerification && !settings.mailFrom) {
    problems.push(
      `preset "${preset.name}" requires email verification (AUTH_REQUIRE_EMAIL_VERIFICATION=true): give mailFrom, a verified SES sender; without it mail only reaches the outbox and no account can be confirmed`,
    );
  }
  if (settings.siteUrl !== undefined && !HTTPS_ORIGIN.test(settings.siteUrl)) {
    problems.push(
      `siteUrl "${settings.siteUrl}" must be an https origin like https://app.example.com (no path or trailing slash)`,
    );
  } else if ((preset.name !== 'dev' || settings.mailFrom) && siteUrl(settings) === undefined) {
    // The API refuses to start in production with SES mail and no PUBLIC_BASE_URL (its links
    // would point at localhost), so even the dev preset needs a site once it sends mail.
    problems.push(
      `preset "${preset.name}" needs siteUrl, the https origin of the web app (mail links go to its /verify-email and /reset-password pages)${topology === 'ec2-alb' ? '' : '; the domain names the API, not the site'}`,
    );
  }
  if (settings.mailFrom && !isEmail(settings.mailFrom)) {
    problems.push(`mailFrom "${settings.mailFrom}" is not an email address`);
  }
  return problems;
}

const HTTPS_ORIGIN = /^https:\/\/[^/\s*?#]+$/;

/** `https://<recordName>.<zoneName>` (or the apex): where the custom domain answers. */
export function domainUrl(domain: DomainSettings): string {
  return `https://${domain.recordName ? `${domain.recordName}.` : ''}${domain.zoneName}`;
}

/**
 * Origin of the web app (`PUBLIC_BASE_URL`): `siteUrl`, else on ec2-alb the domain's URL (the same
 * ALB serves the web app); undefined when neither applies (dev only, after validation).
 */
export function siteUrl(settings: DeploymentSettings): string | undefined {
  if (settings.siteUrl !== undefined) return settings.siteUrl;
  return settings.topology === 'ec2-alb' && settings.domain ? domainUrl(settings.domain) : undefined;
}

/** Throws one error listing every problem of the settings. */
export function validateSettings(settings: DeploymentSettings): void {
  const problems = settingsProblems(settings);
  if (problems.length > 0) throw new Error(`Invalid deployment settings:\n  - ${problems.join('\n  - ')}`);
}

/** `CloudNest-<preset>-<topology>`: the stack name and construct id of the application stack. */
export function stackName(settings: Pick<DeploymentSettings, 'preset' | 'topology' | 'stackName'>): string {
  return settings.stackName ?? `CloudNest-${settings.preset.name}-${settings.topology}`;
}

/** Name of the ECR repository of an image topology. */
export function repositoryName(settings: DeploymentSettings): string {
  return settings.repositoryName ?? `cloudnest-api-${settings.preset.name}-${settings.topology}`;
}
