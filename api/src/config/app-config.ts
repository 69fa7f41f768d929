import { isAbsolute, resolve } from 'node:path';
import type { DatabaseCa, DatabaseTls } from '../database/database-tls.js';
import { mailDriver, type ParsedEnvironment, type ProcessRole, parseEnvironment } from './config.schema.js';

/** The database the API talks to. `embedded` means: start a local PostgreSQL under DATA_DIR. */
export type DatabaseSettings =
  | { readonly kind: 'url'; readonly url: string; readonly dialect: 'postgres' | 'mysql' }
  | { readonly kind: 'embedded'; readonly dialect: 'postgres' }
  /** DATABASE_SECRET_ARN: an RDS-style JSON secret, fetched on the first query (see `aws/`). */
  | { readonly kind: 'secret'; readonly secretArn: string; readonly dialect: 'postgres' | 'mysql' };

/** The typed, validated configuration. Built once at boot by {@link loadConfig}. */
export interface AppConfig {
  readonly env: 'development' | 'production' | 'test';
  readonly http: {
    readonly port: number;
    readonly host: string;
    readonly prefix: string;
    readonly corsOrigins: readonly string[];
    readonly trustedProxies: readonly string[];
    readonly bodyLimitBytes: number;
    readonly requestTimeoutMs: number;
    readonly shutdownTimeoutMs: number;
    readonly docsEnabled: boolean;
  };
  readonly log: { readonly level: string; readonly pretty: boolean };
  readonly dataDir: string;
  /** Base URL for links in emails. @default http://localhost:PORT */
  readonly publicBaseUrl: string;
  /** Absolute base URL of this API as clients reach it, API_PREFIX included (signed file URLs). */
  readonly apiBaseUrl: string;
  readonly auth: AuthSettings;
  readonly mail: MailSettings;
  readonly storage: StorageSettings;
  /** Minutes between in-process maintenance runs of the HTTP server (0: never); Lambda runs it on a scheduled event. */
  readonly maintenanceIntervalMinutes: number;
  /** How to sign an AWS request without the SDK, when the environment allows it (see {@link AwsSigning}). */
  readonly awsSigning: AwsSigning | undefined;
  readonly database: DatabaseSettings & {
    readonly poolMax: number;
    readonly statementTimeoutMs: number;
    /** TLS to the database server (DATABASE_SSL, and DATABASE_SSL_CA for `verify-full`). */
    readonly tls: DatabaseTls;
    /** Host that replaces the secret's (an RDS Proxy endpoint), from DATABASE_HOST. */
    readonly hostOverride: string | undefined;
    /**
     * DATABASE_API_USER_SECRET_ARN: the secret (RDS shape) of the user the API connects as, which
     * the migrations create and grant row rights to (`database/api-user.ts`). Migrations only.
     */
    readonly apiUserSecretArn: string | undefined;
  };
}

/** Credentials as the AWS SDK's environment provider reads them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * What signing a Secrets Manager request without the SDK needs (`aws/signed-secrets-manager.ts`),
 * taken from the SDK's own variables the way the SDK takes them. Present only on Lambda
 * (`AWS_LAMBDA_FUNCTION_NAME`), where the SDK's default chain takes the function role's temporary
 * credentials from the environment and no shared config file exists (elsewhere `~/.aws/config`
 * could name endpoints or FIPS for the SDK, found in review), and only when nothing asks for what
 * only the SDK implements (a profile, `AWS_CONFIG_FILE`, FIPS or dual-stack endpoints, a partition
 * other than the commercial, China and GovCloud ones, an endpoint URL with a path, a flag that is
 * not exactly `true` or `false`, which the SDK refuses); otherwise every read goes through the SDK.
 */
export interface AwsSigning {
  readonly region: string;
  /** AWS_ENDPOINT_URL_SECRETS_MANAGER, else AWS_ENDPOINT_URL, else the region's public endpoint. */
  readonly secretsManagerEndpoint: string;
  /** A function, so that logging or serialising the configuration never writes them out. */
  readonly credentials: () => AwsCredentials;
}

/** A fixed-window rate limit: at most `limit` requests per `windowSeconds`. */
export interface RateLimitRule {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** How access tokens are signed: EdDSA with a key pair (default) or HS256 with a shared secret. */
export type JwtSigning =
  | {
      readonly algorithm: 'EdDSA';
      /** PKCS8 PEM or JWK JSON; unset → generated once and kept under DATA_DIR (development). */
      readonly privateKey: string | undefined;
      /** Public JWKs of retired keys, still served by JWKS and accepted while tokens signed by them live. */
      readonly previousPublicKeys: string | undefined;
    }
  | { readonly algorithm: 'HS256'; readonly secret: string };

export interface AuthSettings {
  /**
   * The key two-step sign-in secrets are encrypted with: MFA_ENCRYPTION_KEY, or the `key` field of
   * the secret MFA_ENCRYPTION_KEY_SECRET_ARN names (read on first use); neither → generated once
   * and kept under DATA_DIR (development only; production requires one). `previousKeys`
   * (MFA_ENCRYPTION_PREVIOUS_KEYS, or the secret's `previousKeys`) still open what they sealed
   * until it is re-sealed under the current key (docs/auth.md, "Rotating the key").
   */
  readonly mfaEncryptionKey: {
    readonly key: string | undefined;
    readonly previousKeys: readonly string[];
    readonly secretArn: string | undefined;
  };
  readonly jwt: JwtSigning & {
    /** JWT_SECRET_ARN: signing keys read from Secrets Manager on first use (overrides the fields above). */
    readonly secretArn: string | undefined;
    readonly issuer: string;
    readonly audience: string;
    readonly accessTtlSeconds: number;
  };
  readonly refreshTtlDays: number;
  readonly refreshReuseGraceSeconds: number;
  readonly sessionCacheSeconds: number;
  /** How long an account's security activity (`GET /auth/activity`) is kept, in days. */
  readonly securityEventRetentionDays: number;
  readonly requireEmailVerification: boolean;
  readonly emailCodeSignup: boolean;
  /**
   * Passkeys (WebAuthn): the relying party id (WEBAUTHN_RP_ID, default the host of the first
   * origin) and the web origins a ceremony may come from (WEBAUTHN_ORIGINS, default
   * PUBLIC_BASE_URL's origin: the web app, which serves the API under /api on its own origin).
   */
  readonly passkeys: { readonly rpId: string; readonly origins: readonly string[] };
  readonly lockoutThreshold: number;
  readonly lockoutMinutes: number;
  /**
   * Answers that must not tell whether an account exists (forgot-password, verification and code
   * requests, failed sign-ins, registration with verification) take at least this long.
   */
  readonly uniformResponseMs: number;
  readonly rateLimits: {
    readonly enabled: boolean;
    readonly signIn: RateLimitRule;
    readonly email: RateLimitRule;
    readonly refresh: RateLimitRule;
  };
  readonly requireApiKey: boolean;
  /** Static keys accepted in X-API-KEY (seed 002's shared secret), compared in constant time. */
  readonly staticApiKeys: readonly string[];
}

export interface MailSettings {
  /** `outbox` stores mail in the database (development); `ses` sends with Amazon SES. */
  readonly driver: 'outbox' | 'ses';
  readonly from: string;
  readonly sesRegion: string | undefined;
  /** Endpoint override for a local SES emulator; production uses the SDK's default. */
  readonly sesEndpoint: string | undefined;
  /** The longest one SES attempt may take (the first runs while a request waits). */
  readonly sendTimeoutMs: number;
  /** How often the HTTP server retries queued mail that failed (at least 5 s; Lambda: infra's per-minute event). */
  readonly retryIntervalSeconds: number;
}

/** Where uploaded files live: an S3 bucket (S3_BUCKET set) or DATA_DIR/uploads. */
export type StorageSettings = (
  | {
      readonly driver: 's3';
      readonly bucket: string;
      /** Unset: the SDK's default region chain (AWS_REGION on Lambda, ECS and EC2). */
      readonly region: string | undefined;
      /** An S3-compatible endpoint (path-style addressing); unset on AWS. */
      readonly endpoint: string | undefined;
      /** Where public purposes (avatars, stories, channels) are readable without signing, e.g. CloudFront. */
      readonly publicBaseUrl: string | undefined;
    }
  | {
      readonly driver: 'local';
      /** HMAC key for the app's own signed URLs; unset: generated once under DATA_DIR. */
      readonly signingSecret: string | undefined;
    }
) & {
  readonly uploadUrlTtlSeconds: number;
  readonly downloadUrlTtlSeconds: number;
};

/** Thrown when the environment is invalid; the message lists every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates an environment record and returns the typed configuration.
 * Pure: the caller decides where the variables come from (see `environment.ts`).
 * @param baseDir directory that relative paths such as DATA_DIR resolve against
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
  role: ProcessRole = {},
): AppConfig {
  const parsed = parseEnvironment(env, role);
  if (!parsed.ok) throw new ConfigError(parsed.problems);
  const e = parsed.env;
  const databaseUrl = e.DATABASE_URL;
  const database: DatabaseSettings =
    e.DATABASE_SECRET_ARN !== undefined
      ? { kind: 'secret', secretArn: e.DATABASE_SECRET_ARN, dialect: e.DATABASE_ENGINE }
      : databaseUrl === undefined
        ? { kind: 'embedded', dialect: 'postgres' }
        : { kind: 'url', url: databaseUrl, dialect: databaseUrl.startsWith('mysql:') ? 'mysql' : 'postgres' };
  const publicBaseUrl = (e.PUBLIC_BASE_URL?.trim() ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    env: e.NODE_ENV,
    http: {
      port: e.PORT,
      // Loopback by default outside production so a laptop never exposes the dev server.
      host: e.HOST ?? (e.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
      prefix: e.API_PREFIX,
      corsOrigins: e.CORS_ALLOWED_ORIGINS,
      trustedProxies: e.TRUSTED_PROXIES,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      docsEnabled: e.DOCS_ENABLED,
    },
    log: {
      level: e.LOG_LEVEL,
      pretty: e.LOG_PRETTY === undefined ? e.NODE_ENV === 'development' : e.LOG_PRETTY === 'true',
    },
    publicBaseUrl,
    apiBaseUrl: `${(e.API_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '')}${e.API_PREFIX}`,
    auth: {
      mfaEncryptionKey: {
        key: e.MFA_ENCRYPTION_KEY,
        previousKeys: e.MFA_ENCRYPTION_PREVIOUS_KEYS,
        secretArn: e.MFA_ENCRYPTION_KEY_SECRET_ARN,
      },
      jwt: {
        ...(e.JWT_SECRET !== undefined
          ? { algorithm: 'HS256' as const, secret: e.JWT_SECRET }
          : {
              algorithm: 'EdDSA' as const,
              privateKey: e.JWT_PRIVATE_KEY,
              previousPublicKeys: e.JWT_PREVIOUS_PUBLIC_KEYS,
            }),
        secretArn: e.JWT_SECRET_ARN,
        issuer: e.JWT_ISSUER,
        audience: e.JWT_AUDIENCE,
        accessTtlSeconds: e.JWT_ACCESS_TTL_SECONDS,
      },
      refreshTtlDays: e.AUTH_REFRESH_TTL_DAYS,
      refreshReuseGraceSeconds: e.AUTH_REFRESH_REUSE_GRACE_SECONDS,
      sessionCacheSeconds: e.AUTH_SESSION_CACHE_SECONDS,
      securityEventRetentionDays: e.SECURITY_EVENT_RETENTION_DAYS,
      requireEmailVerification: e.AUTH_REQUIRE_EMAIL_VERIFICATION,
      emailCodeSignup: e.AUTH_EMAIL_CODE_SIGNUP,
      passkeys: passkeySite(e.WEBAUTHN_RP_ID, e.WEBAUTHN_ORIGINS, publicBaseUrl),
      lockoutThreshold: e.AUTH_LOCKOUT_THRESHOLD,
      lockoutMinutes: e.AUTH_LOCKOUT_MINUTES,
      uniformResponseMs: e.AUTH_UNIFORM_RESPONSE_MS,
      rateLimits: {
        enabled: e.RATE_LIMIT_ENABLED,
        signIn: e.RATE_LIMIT_SIGN_IN,
        email: e.RATE_LIMIT_EMAIL,
        refresh: e.RATE_LIMIT_REFRESH,
      },
      requireApiKey: e.REQUIRE_API_KEY,
      staticApiKeys: e.API_KEYS,
    },
    mail: {
      driver: mailDriver(e),
      from: e.MAIL_FROM,
      sesRegion: e.SES_REGION,
      sesEndpoint: e.SES_ENDPOINT,
      sendTimeoutMs: e.MAIL_SEND_TIMEOUT_MS,
      retryIntervalSeconds: e.MAIL_RETRY_INTERVAL_SECONDS,
    },
    storage: {
      ...(e.S3_BUCKET !== undefined
        ? {
            driver: 's3' as const,
            bucket: e.S3_BUCKET,
            region: e.S3_REGION,
            endpoint: e.S3_ENDPOINT,
            publicBaseUrl: e.S3_PUBLIC_BASE_URL?.replace(/\/$/, ''),
          }
        : { driver: 'local' as const, signingSecret: e.STORAGE_SIGNING_SECRET }),
      uploadUrlTtlSeconds: e.UPLOAD_URL_TTL_SECONDS,
      downloadUrlTtlSeconds: e.DOWNLOAD_URL_TTL_SECONDS,
    },
    maintenanceIntervalMinutes: e.MAINTENANCE_INTERVAL_MINUTES,
    awsSigning: awsSigning(e),
    dataDir: isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(baseDir, e.DATA_DIR),
    database: {
      ...database,
      poolMax: e.DATABASE_POOL_MAX,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      tls: databaseTls(e.DATABASE_SSL, e.DATABASE_SSL_CA, baseDir),
      hostOverride: e.DATABASE_HOST,
      apiUserSecretArn: e.DATABASE_API_USER_SECRET_ARN,
    },
  };
}

/** Regions of the partitions whose endpoints follow `secretsmanager.<region>.amazonaws.com[.cn]`. */
const STANDARD_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d+$/;

/** See {@link AwsSigning}; the SDK's rules for the same variables, narrowed to what it covers. */
function awsSigning(e: ParsedEnvironment): AwsSigning | undefined {
  const { AWS_REGION: region, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = e;
  if (e.AWS_LAMBDA_FUNCTION_NAME === undefined || e.AWS_CONFIG_FILE !== undefined) return undefined;
  if (region === undefined || !STANDARD_REGION.test(region)) return undefined;
  // With a profile set, the SDK's chain skips the environment's keys.
  if (!accessKeyId || !secretAccessKey || e.AWS_PROFILE !== undefined) return undefined;
  const flags = [
    e.AWS_USE_FIPS_ENDPOINT,
    e.AWS_USE_DUALSTACK_ENDPOINT,
    e.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
  ];
  if (flags.some((flag) => flag !== undefined && flag !== 'true' && flag !== 'false')) return undefined;
  if (e.AWS_USE_FIPS_ENDPOINT === 'true' || e.AWS_USE_DUALSTACK_ENDPOINT === 'true') return undefined;
  const configured =
    e.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true'
      ? undefined
      : (e.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? e.AWS_ENDPOINT_URL);
  // An endpoint with a path or query is left to the SDK: CloudNest's signer signs requests to `/`.
  const endpoint = configured !== undefined && URL.canParse(configured) ? new URL(configured) : undefined;
  if (
    configured !== undefined &&
    !(endpoint && /^https?:$/.test(endpoint.protocol) && endpoint.pathname === '/' && endpoint.search === '')
  )
    return undefined;
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  const sessionToken = e.AWS_SESSION_TOKEN || undefined;
  const credentials: AwsCredentials = {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
  };
  return {
    region,
    secretsManagerEndpoint: configured ?? `https://secretsmanager.${region}.${domain}`,
    credentials: () => credentials,
  };
}

/** DATABASE_SSL and DATABASE_SSL_CA (`system` by default, `rds`, or a PEM file's path). */
function databaseTls(
  mode: 'disable' | 'require' | 'verify-full',
  ca: string | undefined,
  baseDir: string,
): DatabaseTls {
  if (mode !== 'verify-full') return { mode };
  const trusted: DatabaseCa =
    ca === undefined || ca === 'system'
      ? { kind: 'system' }
      : ca === 'rds'
        ? { kind: 'rds' }
        : { kind: 'file', path: isAbsolute(ca) ? ca : resolve(baseDir, ca) };
  return { mode, ca: trusted };
}

/** The passkey site: the origins ceremonies come from and the domain passkeys are bound to. */
function passkeySite(
  rpId: string | undefined,
  origins: readonly string[],
  publicBaseUrl: string,
): AuthSettings['passkeys'] {
  const accepted = origins.length > 0 ? origins : [new URL(publicBaseUrl).origin];
  return { rpId: rpId ?? new URL(accepted[0] as string).hostname, origins: accepted };
}
