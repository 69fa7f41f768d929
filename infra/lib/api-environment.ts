import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { DatabaseEngine } from './constructs/database.js';
import type { Preset } from './presets.js';

/** Inputs of {@link apiEnvironment}. */
export interface ApiEnvironmentInput {
  readonly preset: Preset;
  /** Region of the stack; SES and S3 are called there. */
  readonly region: string;
  /** `API_PREFIX`: empty, or `/api` behind the ec2-alb path rules. */
  readonly apiPrefix?: string;
  /** `PORT` for servers (Fargate, EC2); Lambda ignores it. */
  readonly port?: number;
  /** Secret in the RDS JSON shape of the API's database user, passed as `DATABASE_SECRET_ARN`. */
  readonly databaseSecret: secretsmanager.ISecret;
  /** `DATABASE_ENGINE`: must match the secret's `engine`. */
  readonly databaseEngine: DatabaseEngine;
  /**
   * Passed as `JWT_SECRET_ARN`; the API reads the secret itself, whichever shape it holds.
   * @default - no JWT_SECRET_ARN
   */
  readonly jwtSecret?: secretsmanager.ISecret;
  /** Passed as `MFA_ENCRYPTION_KEY_SECRET_ARN` (the API requires a key in production). */
  readonly mfaEncryptionKeySecret: secretsmanager.ISecret;
  readonly corsAllowedOrigins: readonly string[];
  /** `MAIL_FROM`; mail goes through SES when set, to the outbox otherwise. */
  readonly mailFrom?: string;
  /** `S3_BUCKET`. */
  readonly uploadsBucketName: string;
  /** `S3_PUBLIC_BASE_URL`: where public objects are linked directly (the bucket's regional URL). */
  readonly uploadsPublicBaseUrl: string;
  /** `PUBLIC_BASE_URL`. */
  readonly publicBaseUrl?: string;
  /** `REQUIRE_API_KEY`. */
  readonly requireApiKey: boolean;
  /** `TRUSTED_PROXIES`: CIDRs of the load balancer in front of a server. */
  readonly trustedProxies?: readonly string[];
  /**
   * `DATABASE_POOL_MAX` of each server process (`serverPoolSize`).
   * @default - the API's default (10; a Lambda environment uses 1 whatever this says)
   */
  readonly databasePoolMax?: number;
}

/**
 * TLS to RDS on every topology: the certificate must chain to an RDS root CA (or, through RDS
 * Proxy, an Amazon root) and name the host. The API carries those CAs (`DATABASE_SSL_CA=rds`), so
 * neither the Lambda runtime's bundle (NODE_EXTRA_CA_CERTS) nor a bundle in an image is needed.
 */
const DATABASE_TLS = { DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: 'rds' } as const;

/** JWT issuer and audience shared by every topology, so tokens mean the same everywhere. */
export const JWT_ISSUER = 'cloudnest';
/** See {@link JWT_ISSUER}. */
export const JWT_AUDIENCE = 'cloudnest-api';

/**
 * The API's non-secret configuration, as the API's config schema reads it. Secrets appear only as
 * ARNs; unset optional values are left out rather than passed empty.
 */
export function apiEnvironment(input: ApiEnvironmentInput): Record<string, string> {
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'production',
    PORT: input.port === undefined ? undefined : String(input.port),
    API_PREFIX: input.apiPrefix || undefined,
    LOG_LEVEL: input.preset.logLevel,
    DATABASE_SECRET_ARN: input.databaseSecret.secretArn,
    DATABASE_ENGINE: input.databaseEngine,
    DATABASE_POOL_MAX: input.databasePoolMax === undefined ? undefined : String(input.databasePoolMax),
    ...DATABASE_TLS,
    JWT_SECRET_ARN: input.jwtSecret?.secretArn,
    MFA_ENCRYPTION_KEY_SECRET_ARN: input.mfaEncryptionKeySecret.secretArn,
    JWT_ISSUER,
    JWT_AUDIENCE,
    CORS_ALLOWED_ORIGINS: input.corsAllowedOrigins.join(',') || undefined,
    MAIL_DRIVER: input.mailFrom ? 'ses' : 'outbox',
    MAIL_FROM: input.mailFrom,
    SES_REGION: input.mailFrom ? input.region : undefined,
    S3_BUCKET: input.uploadsBucketName,
    S3_REGION: input.region,
    S3_PUBLIC_BASE_URL: input.uploadsPublicBaseUrl,
    PUBLIC_BASE_URL: input.publicBaseUrl,
    REQUIRE_API_KEY: String(input.requireApiKey),
    AUTH_REQUIRE_EMAIL_VERIFICATION: String(input.preset.requireEmailVerification),
    TRUSTED_PROXIES: input.trustedProxies?.join(',') || undefined,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * What the migration function reads: the database secret (the tables' owner) and engine, the log
 * level, and the secret of the API's own user when it has one (the function creates that user and
 * grants its rights).
 */
export function migrationEnvironment(
  preset: Preset,
  database: {
    readonly secret: secretsmanager.ISecret;
    readonly apiSecret: secretsmanager.ISecret;
    readonly engine: DatabaseEngine;
  },
): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: preset.logLevel,
    DATABASE_SECRET_ARN: database.secret.secretArn,
    ...(database.apiSecret === database.secret
      ? {}
      : { DATABASE_API_USER_SECRET_ARN: database.apiSecret.secretArn }),
    DATABASE_ENGINE: database.engine,
    ...DATABASE_TLS,
  };
}
