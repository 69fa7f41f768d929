import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { environmentSchema } from './config.schema.js';

/** The database the API talks to. `embedded` means: start a local PostgreSQL under DATA_DIR. */
export type DatabaseSettings =
  | { readonly kind: 'url'; readonly url: string; readonly dialect: 'postgres' | 'mysql' }
  | { readonly kind: 'embedded'; readonly dialect: 'postgres' };

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
  readonly database: DatabaseSettings & {
    readonly poolMax: number;
    readonly statementTimeoutMs: number;
  };
}

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
export function loadConfig(env: Readonly<Record<string, string | undefined>>, baseDir: string): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map(describeIssue));
  }
  const e = parsed.data;
  const databaseUrl = e.DATABASE_URL;
  const database: DatabaseSettings =
    databaseUrl === undefined
      ? { kind: 'embedded', dialect: 'postgres' }
      : { kind: 'url', url: databaseUrl, dialect: databaseUrl.startsWith('mysql:') ? 'mysql' : 'postgres' };
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
    dataDir: isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(baseDir, e.DATA_DIR),
    database: {
      ...database,
      poolMax: e.DATABASE_POOL_MAX,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    },
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const variable = issue.path.length > 0 ? issue.path.join('.') : 'environment';
  // zod's stock message for a missing required value reads badly next to a variable name.
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  return `${variable} ${message}`;
}
