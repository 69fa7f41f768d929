/**
 * Every environment variable the API reads, with its rule and default (documented in
 * `.env.example`); `loadConfig` is the only consumer.
 *
 * Plain checks rather than a zod schema: the configuration is parsed once per process, at
 * startup, and on Lambda that is inside every cold start. Building a zod schema of ~60 fields
 * and running its first parse cost every cold start ~6 ms (paired runs; ~11 ms measured alone,
 * see docs/lambda.md), against well under 1 ms for these functions. Request bodies keep their
 * zod DTOs.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type { RateLimitRule } from './app-config.js';
import { previousKeyList, privateKeyText } from './jwt-key-text.js';

/** The raw variables, as the process sees them. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

const INTEGER = /^-?\d+$/;
const RATE_LIMIT = /^(\d+)\/(\d+)s$/;
/** Empty, or a path like `/api` or `/api/v1`: leading slash, no trailing slash. */
const API_PREFIX = /^$|^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A sender SES accepts: `address` or `Name <address>`, the name printable ASCII. */
const MAIL_SENDER = /^(?:[\x20-\x7e]*<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/;

const ORIGIN = /^https?:\/\/[^/\s]+$/;

/**
 * `scheme://host[:port]` that the URL parser also accepts: the pattern alone let through a port
 * past 65535 or a broken IPv6 literal, which then crashed `new URL()` later with no variable named
 * (found in review, 2026-12-07).
 */
function isOrigin(value: string): boolean {
  return ORIGIN.test(value) && URL.canParse(value);
}

/**
 * Reads variables one at a time and collects a problem (`NAME message`) for each bad one instead
 * of stopping, so one error can name every bad variable. A bad variable reads as `undefined`
 * (or its fallback), which the cross-variable checks then treat as unset.
 */
class VariableReader {
  readonly problems: string[] = [];

  constructor(private readonly env: EnvironmentVariables) {}

  problem(name: string, message: string): undefined {
    this.problems.push(`${name} ${message}`);
    return undefined;
  }

  /** The value as set, `''` included; `undefined` when unset. */
  optional(name: string, minLength = 0) {
    const value = this.env[name];
    if (value === undefined) return undefined;
    if (value.length < minLength) {
      return this.problem(
        name,
        minLength === 1 ? 'must not be empty' : `must be at least ${minLength} characters`,
      );
    }
    return value;
  }

  /** The value, or `fallback` when unset (an empty value is checked, not replaced). */
  text(name: string, fallback: string, minLength = 0) {
    return this.optional(name, minLength) ?? fallback;
  }

  oneOf<const T extends string>(name: string, values: readonly T[], fallback: T, message: string): T {
    return this.optionalOneOf(name, values, message) ?? fallback;
  }

  optionalOneOf<const T extends string>(name: string, values: readonly T[], message: string): T | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    return (values as readonly string[]).includes(value) ? (value as T) : this.problem(name, message);
  }

  /** An integer within `min`–`max`; `fallback` when unset or empty. */
  integer(name: string, min: number, max: number, fallback: number): number {
    const value = this.env[name];
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!INTEGER.test(value) || parsed < min || parsed > max) {
      this.problem(name, `must be an integer ${min}-${max}`);
      return fallback;
    }
    return parsed;
  }

  /** `true`/`1` or `false`/`0`; `fallback` when unset. */
  flag(name: string, fallback: boolean): boolean {
    const value = this.optionalOneOf(name, ['true', 'false', '1', '0'], 'must be true or false');
    return value === undefined ? fallback : value === 'true' || value === '1';
  }

  /**
   * An http(s) URL, trimmed; `undefined` when unset. Only those: the WHATWG parser also accepts
   * `localhost:3000` (scheme `localhost:`), whose origin is "null", and using it crashed later
   * without naming the variable (found in review, 2026-12-07), as a value with a trailing space
   * became a signed URL's base with the space in it.
   */
  url(name: string, message: string): string | undefined {
    const value = this.env[name]?.trim();
    if (value === undefined) return undefined;
    const url = URL.canParse(value) ? new URL(value) : undefined;
    return url && (url.protocol === 'https:' || url.protocol === 'http:') && url.host !== ''
      ? value
      : this.problem(name, message);
  }

  /** A comma-separated list of trimmed, non-empty items; `[]` when unset. */
  list(name: string): string[] {
    return (this.env[name] ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }

  /**
   * An Ed25519 private key: a PKCS#8 PEM (line breaks may be written `\n`) or a private JWK. Parsed
   * here so a bad key stops the boot naming the variable; the token code parses it again with jose
   * on first use, and until this check a bad key started a ready-looking server whose every token
   * route answered 500 (parsing one key costs microseconds at a cold start).
   */
  ed25519PrivateKey(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    const key = parsedKey(() => {
      const text = privateKeyText(value);
      return 'jwk' in text
        ? createPrivateKey({ key: text.jwk as JsonWebKey, format: 'jwk' })
        : createPrivateKey(text.pem);
    });
    return key?.asymmetricKeyType === 'ed25519'
      ? value
      : this.problem(
          name,
          'must be an Ed25519 private key: a PKCS#8 PEM or a private JWK (kty OKP, crv Ed25519, d)',
        );
  }

  /** Ed25519 public JWKs: one JWK, an array of them or a JWK Set (`{"keys": […]}`), as JSON. */
  ed25519PublicJwks(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    const problem = () =>
      this.problem(name, 'must be JSON: an Ed25519 public JWK, an array of them or {"keys": [...]}');
    let list: unknown[] | undefined;
    try {
      list = previousKeyList(JSON.parse(value));
    } catch {
      return problem();
    }
    if (!list) return problem();
    const valid = list.every((jwk) => {
      if (typeof jwk !== 'object' || jwk === null) return false;
      const { d: _private, ...publicJwk } = jwk as Record<string, unknown>;
      return (
        parsedKey(() => createPublicKey({ key: publicJwk, format: 'jwk' }))?.asymmetricKeyType === 'ed25519'
      );
    });
    return valid ? value : problem();
  }

  /**
   * A comma-separated list of what proxy-addr (Fastify's `trustProxy`) takes: IP addresses, CIDR
   * ranges, and its names for the loopback, link-local and unique-local ranges. Checked here
   * because for anything else (a `/0` range included) proxy-addr threw its own bare error from
   * `createApp`. Its netmask notation (`10.0.0.0/255.0.0.0`) is not accepted: a prefix says the same.
   */
  proxyList(name: string): string[] {
    const entries = this.list(name);
    for (const entry of entries.filter((item) => !isProxyEntry(item))) {
      this.problem(
        name,
        `has "${entry}", which is not an IP address, a CIDR range like 10.0.0.0/8, loopback, linklocal or uniquelocal`,
      );
    }
    return entries;
  }

  /** A comma-separated list of keys of at least `minLength` characters each; `[]` when unset. */
  keyList(name: string, minLength: number): string[] {
    const keys = this.list(name);
    if (keys.some((key) => key.length < minLength)) {
      this.problem(name, `must list keys of at least ${minLength} characters each, separated by commas`);
      return [];
    }
    return keys;
  }

  /** `N/Ts` (at most N requests per T seconds), `fallback` when unset. */
  rateLimit(name: string, fallback: RateLimitRule): RateLimitRule {
    const value = this.env[name];
    if (value === undefined) return fallback;
    const match = RATE_LIMIT.exec(value.trim());
    if (match && Number(match[1]) >= 1 && Number(match[2]) >= 1) {
      return { limit: Number(match[1]), windowSeconds: Number(match[2]) };
    }
    this.problem(name, 'must look like 5/10s (N requests per T seconds)');
    return fallback;
  }

  /** A `postgres://`, `postgresql://` or `mysql://` URL naming a database; empty reads as unset. */
  databaseUrl(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined || value === '') return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return this.problem(name, 'must be a URL like postgres://user:pass@host:5432/db');
    }
    // On the text as written, not on the parsed URL: the parser lower-cases the scheme and trims
    // spaces, so ` mysql://…` or `MYSQL://…` passed here and then ran as PostgreSQL, whose choice
    // reads the text (found in review, 2026-12-07).
    if (!/^(postgres|postgresql|mysql):\/\//.test(value)) {
      return this.problem(name, 'must start with postgres://, postgresql:// or mysql://');
    }
    if (url.pathname.length <= 1) return this.problem(name, 'must name a database (the path after the host)');
    // Both drivers let TLS settings in the URL's query override the ones they are given, so
    // `?sslmode=disable` silently undid DATABASE_SSL=verify-full; TLS has one place to be set.
    const tlsParameter = [...url.searchParams.keys()].find((key) => TLS_URL_PARAMETER.test(key));
    if (tlsParameter !== undefined) {
      return this.problem(
        name,
        `must not set TLS in its query (${tlsParameter}); use DATABASE_SSL and DATABASE_SSL_CA`,
      );
    }
    return value;
  }

  /** A Secrets Manager secret ARN; empty reads as unset. */
  secretArn(name: string): string | undefined {
    if (this.env[name] === '') return undefined;
    return this.matching(
      name,
      SECRET_ARN,
      'must be a Secrets Manager ARN like arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME',
    );
  }

  /** A value matching `pattern`; `undefined` when unset. */
  matching(name: string, pattern: RegExp, message: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    return pattern.test(value) ? value : this.problem(name, message);
  }
}

/** Query parameters pg (`sslmode`, `sslrootcert`, …, `uselibpqcompat`) or mysql2 (`ssl`) read as TLS settings. */
const TLS_URL_PARAMETER = /^(ssl|uselibpqcompat$)/i;
const PROXY_RANGE_NAMES: readonly string[] = ['loopback', 'linklocal', 'uniquelocal'];
const PREFIX_LENGTH = /^\d{1,3}$/;

/** An address, `address/prefix` (1-32 for IPv4, 1-128 for IPv6), or one of proxy-addr's range names. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const slash = entry.indexOf('/');
  if (slash === -1) return isIP(entry) !== 0;
  const version = isIP(entry.slice(0, slash));
  const prefix = entry.slice(slash + 1);
  const bits = Number(prefix);
  return version !== 0 && PREFIX_LENGTH.test(prefix) && bits >= 1 && bits <= (version === 4 ? 32 : 128);
}

/** The key `parse` makes, or undefined when it throws (a malformed PEM, JWK or JSON). */
function parsedKey(parse: () => KeyObject): KeyObject | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

/**
 * API_PREFIX: empty, or a path of segments. `.` and `..` segments are refused: clients resolve them
 * away (`/api/../v1` is requested as `/v1`), so the API would never be reached at its prefix.
 */
function apiPrefix(read: VariableReader): string {
  const message = 'must be empty or a path like /api (leading slash, no trailing slash)';
  const prefix = read.matching('API_PREFIX', API_PREFIX, message);
  if (prefix?.split('/').some((segment) => segment === '.' || segment === '..')) {
    return read.problem('API_PREFIX', 'must not contain . or .. segments (clients resolve them away)') ?? '';
  }
  return prefix ?? '';
}

/** Reads every variable; the result is only meaningful when `problems` is empty. */
function readVariables(read: VariableReader) {
  const nodeEnv = read.oneOf(
    'NODE_ENV',
    ['development', 'production', 'test'],
    'development',
    'must be development, production or test',
  );
  return {
    NODE_ENV: nodeEnv,
    PORT: read.integer('PORT', 1, 65535, 3000),
    // Empty is refused, not read as unset: Fastify listens on every interface for '' (found in
    // review, 2026-12-07), where the development default is loopback only.
    HOST: read.optional('HOST', 1),
    API_PREFIX: apiPrefix(read),
    LOG_LEVEL: read.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
      'must be one of fatal, error, warn, info, debug, trace, silent',
    ),
    LOG_PRETTY: read.optionalOneOf('LOG_PRETTY', ['true', 'false'], 'must be true or false'),
    DATA_DIR: read.text('DATA_DIR', '.data', 1),
    DATABASE_URL: read.databaseUrl('DATABASE_URL'),
    DATABASE_SECRET_ARN: read.secretArn('DATABASE_SECRET_ARN'),
    DATABASE_API_USER_SECRET_ARN: read.secretArn('DATABASE_API_USER_SECRET_ARN'),
    DATABASE_ENGINE: read.oneOf(
      'DATABASE_ENGINE',
      ['postgres', 'mysql'],
      'postgres',
      'must be postgres or mysql',
    ),
    JWT_SECRET_ARN: read.secretArn('JWT_SECRET_ARN'),
    MFA_ENCRYPTION_KEY_SECRET_ARN: read.secretArn('MFA_ENCRYPTION_KEY_SECRET_ARN'),
    DATABASE_POOL_MAX: read.integer('DATABASE_POOL_MAX', 1, 1000, 10),
    DATABASE_SSL: read.oneOf(
      'DATABASE_SSL',
      ['disable', 'require', 'verify-full'],
      'disable',
      'must be disable, require or verify-full',
    ),
    DATABASE_SSL_CA: read.optional('DATABASE_SSL_CA', 1),
    DATABASE_HOST: read.optional('DATABASE_HOST', 1),
    DATABASE_STATEMENT_TIMEOUT_MS: read.integer('DATABASE_STATEMENT_TIMEOUT_MS', 100, 600_000, 10_000),
    CORS_ALLOWED_ORIGINS: read.list('CORS_ALLOWED_ORIGINS'),
    TRUSTED_PROXIES: read.proxyList('TRUSTED_PROXIES'),
    BODY_LIMIT_BYTES: read.integer('BODY_LIMIT_BYTES', 1024, 100 * 1024 * 1024, 1024 * 1024),
    REQUEST_TIMEOUT_MS: read.integer('REQUEST_TIMEOUT_MS', 1000, 600_000, 30_000),
    SHUTDOWN_TIMEOUT_MS: read.integer('SHUTDOWN_TIMEOUT_MS', 0, 600_000, 10_000),
    DOCS_ENABLED: read.flag('DOCS_ENABLED', true),
    PUBLIC_BASE_URL: read.url('PUBLIC_BASE_URL', 'must be a URL like https://api.example.com'),
    // --- Auth
    JWT_PRIVATE_KEY: read.ed25519PrivateKey('JWT_PRIVATE_KEY'),
    JWT_PREVIOUS_PUBLIC_KEYS: read.ed25519PublicJwks('JWT_PREVIOUS_PUBLIC_KEYS'),
    JWT_SECRET: read.optional('JWT_SECRET', 32),
    MFA_ENCRYPTION_KEY: read.optional('MFA_ENCRYPTION_KEY', 32),
    MFA_ENCRYPTION_PREVIOUS_KEYS: read.keyList('MFA_ENCRYPTION_PREVIOUS_KEYS', 32),
    WEBAUTHN_RP_ID: read.optional('WEBAUTHN_RP_ID', 1),
    WEBAUTHN_ORIGINS: read.list('WEBAUTHN_ORIGINS'),
    JWT_ISSUER: read.text('JWT_ISSUER', 'cloudnest', 1),
    JWT_AUDIENCE: read.text('JWT_AUDIENCE', 'cloudnest-api', 1),
    JWT_ACCESS_TTL_SECONDS: read.integer('JWT_ACCESS_TTL_SECONDS', 60, 86_400, 900),
    AUTH_REFRESH_TTL_DAYS: read.integer('AUTH_REFRESH_TTL_DAYS', 1, 365, 30),
    AUTH_REFRESH_REUSE_GRACE_SECONDS: read.integer('AUTH_REFRESH_REUSE_GRACE_SECONDS', 0, 300, 10),
    AUTH_SESSION_CACHE_SECONDS: read.integer('AUTH_SESSION_CACHE_SECONDS', 0, 300, 5),
    SECURITY_EVENT_RETENTION_DAYS: read.integer('SECURITY_EVENT_RETENTION_DAYS', 1, 3650, 180),
    // On in production: without it registration answers EMAIL_TAKEN, which tells anyone whether an
    // address has an account. Off elsewhere so `npm start` signs a new account straight in.
    AUTH_REQUIRE_EMAIL_VERIFICATION: read.flag('AUTH_REQUIRE_EMAIL_VERIFICATION', nodeEnv === 'production'),
    AUTH_EMAIL_CODE_SIGNUP: read.flag('AUTH_EMAIL_CODE_SIGNUP', false),
    AUTH_LOCKOUT_THRESHOLD: read.integer('AUTH_LOCKOUT_THRESHOLD', 1, 1000, 10),
    AUTH_LOCKOUT_MINUTES: read.integer('AUTH_LOCKOUT_MINUTES', 1, 10_080, 15),
    AUTH_UNIFORM_RESPONSE_MS: read.integer('AUTH_UNIFORM_RESPONSE_MS', 0, 10_000, 500),
    RATE_LIMIT_ENABLED: read.flag('RATE_LIMIT_ENABLED', true),
    RATE_LIMIT_SIGN_IN: read.rateLimit('RATE_LIMIT_SIGN_IN', { limit: 5, windowSeconds: 10 }),
    RATE_LIMIT_EMAIL: read.rateLimit('RATE_LIMIT_EMAIL', { limit: 3, windowSeconds: 60 }),
    RATE_LIMIT_REFRESH: read.rateLimit('RATE_LIMIT_REFRESH', { limit: 30, windowSeconds: 60 }),
    REQUIRE_API_KEY: read.flag('REQUIRE_API_KEY', false),
    API_KEYS: staticApiKeys(read),
    // --- Mail
    MAIL_DRIVER: read.optionalOneOf('MAIL_DRIVER', ['outbox', 'ses'], 'must be outbox or ses'),
    MAIL_FROM: read.text('MAIL_FROM', 'CloudNest <no-reply@cloudnest.local>', 3),
    SES_REGION: read.optional('SES_REGION'),
    SES_ENDPOINT: read.url('SES_ENDPOINT', 'must be a URL'),
    // At most 10 s: a Lambda delivery pass (30 s) must fit an attempt, and the first attempt runs
    // while a request waits.
    MAIL_SEND_TIMEOUT_MS: read.integer('MAIL_SEND_TIMEOUT_MS', 500, 10_000, 5000),
    // Not 0: mail whose first attempt failed (and its links and codes) would stay queued for ever.
    MAIL_RETRY_INTERVAL_SECONDS: read.integer('MAIL_RETRY_INTERVAL_SECONDS', 5, 3600, 30),
    // --- Users and files
    API_BASE_URL: read.url('API_BASE_URL', 'must be a URL like https://api.example.com'),
    S3_BUCKET: read.matching('S3_BUCKET', S3_BUCKET, 'must be an S3 bucket name'),
    S3_REGION: read.optional('S3_REGION', 1),
    S3_ENDPOINT: read.url('S3_ENDPOINT', 'must be a URL'),
    S3_PUBLIC_BASE_URL: read.url('S3_PUBLIC_BASE_URL', 'must be a URL like https://cdn.example.com'),
    STORAGE_SIGNING_SECRET: read.optional('STORAGE_SIGNING_SECRET', 32),
    UPLOAD_URL_TTL_SECONDS: read.integer('UPLOAD_URL_TTL_SECONDS', 60, 3600, 900),
    // At least twice the 60 s the download redirects may be cached, so a cached redirect never
    // leads to an expired URL.
    DOWNLOAD_URL_TTL_SECONDS: read.integer('DOWNLOAD_URL_TTL_SECONDS', 120, 86_400, 300),
    MAINTENANCE_INTERVAL_MINUTES: read.integer('MAINTENANCE_INTERVAL_MINUTES', 0, 1440, 60),
    // --- The AWS SDK's own variables. Not checked here (the SDK reads and checks them itself);
    // read so `SecretsRepository` can sign its one request without loading the SDK, as the SDK
    // would (`aws/signed-secrets-manager.ts`). Lambda's runtime sets the region and the function
    // role's temporary credentials.
    AWS_REGION: read.optional('AWS_REGION'),
    AWS_ACCESS_KEY_ID: read.optional('AWS_ACCESS_KEY_ID'),
    AWS_SECRET_ACCESS_KEY: read.optional('AWS_SECRET_ACCESS_KEY'),
    AWS_SESSION_TOKEN: read.optional('AWS_SESSION_TOKEN'),
    AWS_PROFILE: read.optional('AWS_PROFILE'),
    AWS_ENDPOINT_URL: read.optional('AWS_ENDPOINT_URL'),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: read.optional('AWS_ENDPOINT_URL_SECRETS_MANAGER'),
    AWS_USE_FIPS_ENDPOINT: read.optional('AWS_USE_FIPS_ENDPOINT'),
    AWS_USE_DUALSTACK_ENDPOINT: read.optional('AWS_USE_DUALSTACK_ENDPOINT'),
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: read.optional('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'),
    AWS_CONFIG_FILE: read.optional('AWS_CONFIG_FILE'),
    // Set by Lambda's runtime: the signed path is for Lambda only (see awsSigning).
    AWS_LAMBDA_FUNCTION_NAME: read.optional('AWS_LAMBDA_FUNCTION_NAME'),
  };
}

function staticApiKeys(read: VariableReader): string[] {
  const keys = read.list('API_KEYS');
  if (keys.every((key) => key.length >= 32)) return keys;
  read.problem('API_KEYS', 'must be a comma-separated list of keys of at least 32 characters each');
  return [];
}

/** The variables, typed and defaulted (see {@link parseEnvironment}). */
export type ParsedEnvironment = ReturnType<typeof readVariables>;

/** What the process does, where the rules depend on it. */
export interface ProcessRole {
  /**
   * Whether it serves the API: signs and verifies tokens, seals sign-in secrets and hands out file
   * URLs. The migration function and the database command-line tasks do none of that, so
   * production does not ask them for JWT and MFA keys or for `API_BASE_URL`.
   * @default true
   */
  readonly servesApi?: boolean;
}

/** Rules that involve more than one variable; bad variables read as unset here. */
function checkCombinations(env: ParsedEnvironment, read: VariableReader, role: ProcessRole): void {
  // What only a production process that serves the API must have (see ProcessRole).
  const productionApi = role.servesApi !== false && env.NODE_ENV === 'production';
  // An embedded database is a development convenience; production must name its database.
  if (
    env.NODE_ENV === 'production' &&
    env.DATABASE_URL === undefined &&
    env.DATABASE_SECRET_ARN === undefined
  ) {
    read.problem('DATABASE_URL', 'is required in production (or DATABASE_SECRET_ARN)');
  }
  if (env.DATABASE_URL !== undefined && env.DATABASE_SECRET_ARN !== undefined) {
    read.problem('DATABASE_SECRET_ARN', 'and DATABASE_URL are mutually exclusive (set one)');
  }
  // The API itself connects as that user through DATABASE_SECRET_ARN; given this, it would
  // ignore it without a word.
  if (env.DATABASE_API_USER_SECRET_ARN !== undefined && role.servesApi !== false) {
    read.problem(
      'DATABASE_API_USER_SECRET_ARN',
      'is for the migrations, which create that user; the API connects as it through DATABASE_SECRET_ARN',
    );
  }
  // Found in review (2026-12-07): beside DATABASE_URL it was ignored without a word.
  if (env.DATABASE_HOST !== undefined && env.DATABASE_SECRET_ARN === undefined) {
    read.problem(
      'DATABASE_HOST',
      'needs DATABASE_SECRET_ARN (it replaces that secret’s host; DATABASE_URL names its own)',
    );
  }
  if (env.DATABASE_SSL_CA !== undefined && env.DATABASE_SSL !== 'verify-full') {
    read.problem('DATABASE_SSL_CA', 'needs DATABASE_SSL=verify-full (only then is the certificate checked)');
  }
  if (env.JWT_SECRET !== undefined && env.JWT_PRIVATE_KEY !== undefined) {
    read.problem('JWT_SECRET', 'and JWT_PRIVATE_KEY are mutually exclusive (HS256 or EdDSA, not both)');
  }
  if (
    env.JWT_SECRET_ARN !== undefined &&
    (env.JWT_SECRET !== undefined || env.JWT_PRIVATE_KEY !== undefined)
  ) {
    read.problem('JWT_SECRET_ARN', 'replaces JWT_SECRET and JWT_PRIVATE_KEY; set only one of them');
  }
  if (
    productionApi &&
    env.JWT_SECRET === undefined &&
    env.JWT_PRIVATE_KEY === undefined &&
    env.JWT_SECRET_ARN === undefined
  ) {
    read.problem(
      'JWT_PRIVATE_KEY',
      'is required in production (or JWT_SECRET for HS256); keys are generated only in development',
    );
  }
  if (env.MFA_ENCRYPTION_KEY !== undefined && env.MFA_ENCRYPTION_KEY_SECRET_ARN !== undefined) {
    read.problem('MFA_ENCRYPTION_KEY_SECRET_ARN', 'replaces MFA_ENCRYPTION_KEY; set only one of them');
  }
  if (env.MFA_ENCRYPTION_PREVIOUS_KEYS.length > 0 && env.MFA_ENCRYPTION_KEY === undefined) {
    read.problem(
      'MFA_ENCRYPTION_PREVIOUS_KEYS',
      env.MFA_ENCRYPTION_KEY_SECRET_ARN === undefined
        ? 'needs MFA_ENCRYPTION_KEY (the key that replaced them)'
        : 'belong in the previousKeys field of the MFA_ENCRYPTION_KEY_SECRET_ARN secret',
    );
  }
  if (
    productionApi &&
    env.MFA_ENCRYPTION_KEY === undefined &&
    env.MFA_ENCRYPTION_KEY_SECRET_ARN === undefined
  ) {
    read.problem(
      'MFA_ENCRYPTION_KEY',
      'is required in production (or MFA_ENCRYPTION_KEY_SECRET_ARN); a key is generated only in development',
    );
  }
  checkPasskeySite(read, env.WEBAUTHN_RP_ID, env.WEBAUTHN_ORIGINS, env.PUBLIC_BASE_URL);
  if (env.NODE_ENV === 'production' && env.CORS_ALLOWED_ORIGINS.includes('*')) {
    read.problem('CORS_ALLOWED_ORIGINS', 'must list explicit origins in production ("*" is refused)');
  }
  // Public files link to S3_PUBLIC_BASE_URL where it is set and to this API otherwise (the local
  // driver's signed URLs do too), so without either every such link pointed at localhost.
  if (
    productionApi &&
    env.API_BASE_URL === undefined &&
    (env.S3_BUCKET === undefined || env.S3_PUBLIC_BASE_URL === undefined)
  ) {
    read.problem(
      'API_BASE_URL',
      'is required in production unless S3_BUCKET and S3_PUBLIC_BASE_URL are set (file URLs point at it)',
    );
  }
  // Mail that leaves the system (SES) carries links to the web app: without PUBLIC_BASE_URL every
  // verification, reset and sign-in link pointed at http://localhost:PORT (found in review).
  const sendsMail = mailDriver(env) === 'ses';
  if (productionApi && sendsMail && env.PUBLIC_BASE_URL === undefined) {
    read.problem(
      'PUBLIC_BASE_URL',
      'is required in production when mail goes out through SES (its links point at it)',
    );
  }
  // SES refuses a sender it cannot parse, and a display name outside ASCII unless RFC 2047-encoded:
  // every send would fail, and a failed send is only logged.
  if (sendsMail && !MAIL_SENDER.test(env.MAIL_FROM)) {
    read.problem(
      'MAIL_FROM',
      'must be an address or "Name <address>", the name in ASCII (or RFC 2047-encoded)',
    );
  }
  if (env.S3_BUCKET === undefined) {
    for (const variable of ['S3_REGION', 'S3_ENDPOINT', 'S3_PUBLIC_BASE_URL'] as const) {
      if (env[variable] !== undefined) {
        read.problem(variable, 'needs S3_BUCKET (without it files are stored on local disk)');
      }
    }
  }
  for (const origin of env.CORS_ALLOWED_ORIGINS) {
    if (origin !== '*' && !isOrigin(origin)) {
      read.problem(
        'CORS_ALLOWED_ORIGINS',
        `has "${origin}", which is not an origin like https://app.example.com`,
      );
    }
  }
}

/** The mail driver in effect: MAIL_DRIVER, or SES in production and the outbox elsewhere. */
export function mailDriver(env: Pick<ParsedEnvironment, 'MAIL_DRIVER' | 'NODE_ENV'>): 'ses' | 'outbox' {
  return env.MAIL_DRIVER ?? (env.NODE_ENV === 'production' ? 'ses' : 'outbox');
}

/**
 * Checks every variable and their combinations. Either the typed variables, or one problem per
 * bad variable (`NAME message`), in the order the variables are listed above.
 */
export function parseEnvironment(
  env: EnvironmentVariables,
  role: ProcessRole = {},
):
  | { readonly ok: true; readonly env: ParsedEnvironment }
  | { readonly ok: false; readonly problems: string[] } {
  const read = new VariableReader(env);
  const parsed = readVariables(read);
  checkCombinations(parsed, read, role);
  return read.problems.length === 0 ? { ok: true, env: parsed } : { ok: false, problems: read.problems };
}

/**
 * Passkeys are bound to a site (the relying party id, a domain) and accepted only from the web
 * origins on it; a browser refuses an id that is not the origin's host or a parent domain of it,
 * so a mismatch here would only surface as every passkey ceremony failing.
 */
function checkPasskeySite(
  read: VariableReader,
  rpId: string | undefined,
  origins: readonly string[],
  publicBaseUrl: string | undefined,
): void {
  for (const origin of origins) {
    if (!isOrigin(origin))
      read.problem('WEBAUTHN_ORIGINS', `has ${origin}, not an origin like https://app.example.com`);
  }
  if (rpId === undefined) {
    // The passkeys' domain then defaults to the first origin's host, which every other origin
    // must be that host or under: a parent's origin beside it failed every ceremony there, with
    // nothing said at startup (found in review, 2026-12-07).
    const hosts = origins.filter(isOrigin).map((origin) => new URL(origin).hostname);
    const first = hosts[0];
    for (const host of hosts.slice(1)) {
      if (first !== undefined && host !== first && !host.endsWith(`.${first}`))
        read.problem(
          'WEBAUTHN_ORIGINS',
          `has ${host}, which is not ${first} (the first origin's host, the passkeys' domain by default) or under it: set WEBAUTHN_RP_ID to a domain both share`,
        );
    }
    return;
  }
  if (!/^[a-z0-9.-]+$/.test(rpId) || /^[\d.]+$/.test(rpId) || rpId.startsWith('.') || rpId.endsWith('.')) {
    read.problem('WEBAUTHN_RP_ID', 'must be a domain like example.com (not a URL or an IP address)');
    return;
  }
  const hosts =
    origins.length > 0
      ? origins.filter(isOrigin).map((origin) => new URL(origin).hostname)
      : publicBaseUrl !== undefined && URL.canParse(publicBaseUrl.trim())
        ? [new URL(publicBaseUrl.trim()).hostname]
        : [];
  for (const host of hosts) {
    if (host !== rpId && !host.endsWith(`.${rpId}`))
      read.problem('WEBAUTHN_RP_ID', `must be ${host} or a parent domain of it (the web origin's host)`);
  }
}
