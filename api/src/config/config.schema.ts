import * as z from 'zod';

/** Splits a comma-separated variable into trimmed, non-empty items. */
const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .optional()
    .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1'));

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const parsed = Number(value);
      if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer ${min}-${max}` });
        return z.NEVER;
      }
      return parsed;
    });

/** `N/Ts`: at most N requests per T seconds, e.g. `5/10s`. */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+)\/(\d+)s$/.exec(value.trim());
      if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
        ctx.addIssue({ code: 'custom', message: 'must look like 5/10s (N requests per T seconds)' });
        return z.NEVER;
      }
      return { limit: Number(match[1]), windowSeconds: Number(match[2]) };
    });

const databaseUrl = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === '') return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a URL like postgres://user:pass@host:5432/db' });
      return z.NEVER;
    }
    if (!['postgres:', 'postgresql:', 'mysql:'].includes(url.protocol)) {
      ctx.addIssue({ code: 'custom', message: 'must start with postgres://, postgresql:// or mysql://' });
      return z.NEVER;
    }
    if (url.pathname.length <= 1) {
      ctx.addIssue({ code: 'custom', message: 'must name a database (the path after the host)' });
      return z.NEVER;
    }
    return value;
  });

/** An AWS Secrets Manager secret ARN, e.g. arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf. */
const secretArn = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value))
  .refine(
    (value) =>
      value === undefined || /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(value),
    {
      message: 'must be a Secrets Manager ARN like arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME',
    },
  );

const apiPrefix = z
  .string()
  .default('')
  .refine((value) => value === '' || /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(value), {
    message: 'must be empty or a path like /api (leading slash, no trailing slash)',
  });

/**
 * Every environment variable the API reads. Names and defaults are documented in `.env.example`;
 * `loadConfig` is the only consumer.
 */
export const environmentSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'production', 'test'], { message: 'must be development, production or test' })
      .default('development'),
    PORT: integer(1, 65535, 3000),
    HOST: z.string().optional(),
    API_PREFIX: apiPrefix,
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        message: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
    LOG_PRETTY: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
    DATA_DIR: z.string().min(1, 'must not be empty').default('.data'),
    DATABASE_URL: databaseUrl,
    DATABASE_SECRET_ARN: secretArn,
    DATABASE_ENGINE: z
      .enum(['postgres', 'mysql'], { message: 'must be postgres or mysql' })
      .default('postgres'),
    JWT_SECRET_ARN: secretArn,
    DATABASE_POOL_MAX: integer(1, 1000, 10),
    DATABASE_SSL: z
      .enum(['disable', 'require', 'verify-full'], { message: 'must be disable, require or verify-full' })
      .default('disable'),
    DATABASE_HOST: z.string().min(1).optional(),
    DATABASE_STATEMENT_TIMEOUT_MS: integer(100, 600_000, 10_000),
    CORS_ALLOWED_ORIGINS: commaList,
    TRUSTED_PROXIES: commaList,
    BODY_LIMIT_BYTES: integer(1024, 100 * 1024 * 1024, 1024 * 1024),
    REQUEST_TIMEOUT_MS: integer(1000, 600_000, 30_000),
    SHUTDOWN_TIMEOUT_MS: integer(0, 600_000, 10_000),
    DOCS_ENABLED: booleanFlag(true),
    PUBLIC_BASE_URL: z.url({ message: 'must be a URL like https://api.example.com' }).optional(),
    // --- Auth
    JWT_PRIVATE_KEY: z.string().optional(),
    JWT_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_ISSUER: z.string().min(1).default('cloudnest'),
    JWT_AUDIENCE: z.string().min(1).default('cloudnest-api'),
    JWT_ACCESS_TTL_SECONDS: integer(60, 86_400, 900),
    AUTH_REFRESH_TTL_DAYS: integer(1, 365, 30),
    AUTH_REFRESH_REUSE_GRACE_SECONDS: integer(0, 300, 10),
    AUTH_SESSION_CACHE_SECONDS: integer(0, 300, 5),
    AUTH_REQUIRE_EMAIL_VERIFICATION: booleanFlag(false),
    AUTH_EMAIL_CODE_SIGNUP: booleanFlag(false),
    AUTH_LOCKOUT_THRESHOLD: integer(1, 1000, 10),
    AUTH_LOCKOUT_MINUTES: integer(1, 10_080, 15),
    RATE_LIMIT_ENABLED: booleanFlag(true),
    RATE_LIMIT_SIGN_IN: rateLimit('5/10s'),
    RATE_LIMIT_EMAIL: rateLimit('3/60s'),
    RATE_LIMIT_REFRESH: rateLimit('30/60s'),
    REQUIRE_API_KEY: booleanFlag(false),
    API_KEYS: commaList.refine((keys) => keys.every((key) => key.length >= 32), {
      message: 'must be a comma-separated list of keys of at least 32 characters each',
    }),
    // --- Mail
    MAIL_DRIVER: z.enum(['outbox', 'ses'], { message: 'must be outbox or ses' }).optional(),
    MAIL_FROM: z.string().min(3).default('CloudNest <no-reply@cloudnest.local>'),
    SES_REGION: z.string().optional(),
    SES_ENDPOINT: z.url({ message: 'must be a URL' }).optional(),
    // --- Users and files
    API_BASE_URL: z.url({ message: 'must be a URL like https://api.example.com' }).optional(),
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
      .optional(),
    S3_REGION: z.string().min(1).optional(),
    S3_ENDPOINT: z.url({ message: 'must be a URL' }).optional(),
    S3_PUBLIC_BASE_URL: z.url({ message: 'must be a URL like https://cdn.example.com' }).optional(),
    STORAGE_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    UPLOAD_URL_TTL_SECONDS: integer(60, 3600, 900),
    DOWNLOAD_URL_TTL_SECONDS: integer(10, 86_400, 300),
    MAINTENANCE_INTERVAL_MINUTES: integer(0, 1440, 60),
  })
  .superRefine((env, ctx) => {
    // An embedded database is a development convenience; production must name its database.
    if (
      env.NODE_ENV === 'production' &&
      env.DATABASE_URL === undefined &&
      env.DATABASE_SECRET_ARN === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'is required in production (or DATABASE_SECRET_ARN)',
      });
    }
    if (env.DATABASE_URL !== undefined && env.DATABASE_SECRET_ARN !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_SECRET_ARN'],
        message: 'and DATABASE_URL are mutually exclusive (set one)',
      });
    }
    if (env.JWT_SECRET !== undefined && env.JWT_PRIVATE_KEY !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'and JWT_PRIVATE_KEY are mutually exclusive (HS256 or EdDSA, not both)',
      });
    }
    if (
      env.JWT_SECRET_ARN !== undefined &&
      (env.JWT_SECRET !== undefined || env.JWT_PRIVATE_KEY !== undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET_ARN'],
        message: 'replaces JWT_SECRET and JWT_PRIVATE_KEY; set only one of them',
      });
    }
    if (
      env.NODE_ENV === 'production' &&
      env.JWT_SECRET === undefined &&
      env.JWT_PRIVATE_KEY === undefined &&
      env.JWT_SECRET_ARN === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_PRIVATE_KEY'],
        message:
          'is required in production (or JWT_SECRET for HS256); keys are generated only in development',
      });
    }
    if (env.NODE_ENV === 'production' && env.CORS_ALLOWED_ORIGINS.includes('*')) {
      ctx.addIssue({
        code: 'custom',
        path: ['CORS_ALLOWED_ORIGINS'],
        message: 'must list explicit origins in production ("*" is refused)',
      });
    }
    if (env.S3_BUCKET === undefined) {
      for (const variable of ['S3_REGION', 'S3_ENDPOINT', 'S3_PUBLIC_BASE_URL'] as const) {
        if (env[variable] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [variable],
            message: 'needs S3_BUCKET (without it files are stored on local disk)',
          });
        }
      }
    }
    for (const origin of env.CORS_ALLOWED_ORIGINS) {
      if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
        ctx.addIssue({
          code: 'custom',
          path: ['CORS_ALLOWED_ORIGINS'],
          message: `has "${origin}", which is not an origin like https://app.example.com`,
        });
      }
    }
  });

export type Environment = z.input<typeof environmentSchema>;
