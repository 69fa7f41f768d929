import { z } from 'zod';

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
    DATABASE_POOL_MAX: integer(1, 1000, 10),
    DATABASE_STATEMENT_TIMEOUT_MS: integer(100, 600_000, 10_000),
    CORS_ALLOWED_ORIGINS: commaList,
    TRUSTED_PROXIES: commaList,
    BODY_LIMIT_BYTES: integer(1024, 100 * 1024 * 1024, 1024 * 1024),
    REQUEST_TIMEOUT_MS: integer(1000, 600_000, 30_000),
    SHUTDOWN_TIMEOUT_MS: integer(0, 600_000, 10_000),
    DOCS_ENABLED: booleanFlag(true),
  })
  .superRefine((env, ctx) => {
    // An embedded database is a development convenience; production must name its database.
    if (env.NODE_ENV === 'production' && env.DATABASE_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is required in production' });
    }
    if (env.NODE_ENV === 'production' && env.CORS_ALLOWED_ORIGINS.includes('*')) {
      ctx.addIssue({
        code: 'custom',
        path: ['CORS_ALLOWED_ORIGINS'],
        message: 'must list explicit origins in production ("*" is refused)',
      });
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
