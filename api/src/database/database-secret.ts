import type { SecretsRepository } from '../aws/secrets.repository.js';
import type { ConnectionUrlSource } from './credential-renewal.js';

/** Engines as RDS writes them in a secret's `engine` field, by the dialect that speaks to them. */
const ENGINES: Readonly<Record<'postgres' | 'mysql', readonly string[]>> = {
  postgres: ['postgres', 'postgresql', 'aurora-postgresql'],
  mysql: ['mysql', 'mariadb', 'aurora-mysql', 'aurora'],
};

const DEFAULT_PORTS = { postgres: 5432, mysql: 3306 } as const;

/**
 * Turns an RDS-style secret (`{host, port, username, password, dbname, engine}`, the JSON that RDS
 * and CDK's `DatabaseSecret` store) into a connection URL for `dialect`. Fails with a message that
 * names the missing or contradicting field, because a wrong secret is a deployment mistake.
 */
export function databaseUrlFromSecret(
  secret: Readonly<Record<string, unknown>>,
  dialect: 'postgres' | 'mysql',
  secretId: string,
  /** Replaces the secret's host: the RDS Proxy endpoint, which shares the database's credentials. */
  hostOverride?: string,
): string {
  const text = (field: string): string | undefined => {
    const value = secret[field];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const missing = ['host', 'username', 'password', 'dbname'].filter((field) => text(field) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `Database secret ${secretId} lacks ${missing.join(', ')} (expected the RDS secret shape).`,
    );
  }
  const engine = text('engine');
  if (engine !== undefined && !ENGINES[dialect].includes(engine)) {
    throw new Error(
      `Database secret ${secretId} is for engine "${engine}" but DATABASE_ENGINE is ${dialect}; set DATABASE_ENGINE to match.`,
    );
  }
  const rawPort = secret.port ?? DEFAULT_PORTS[dialect];
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`Database secret ${secretId} has an invalid port: ${String(rawPort)}.`);
  }
  const user = encodeURIComponent(text('username') ?? '');
  const password = encodeURIComponent(text('password') ?? '');
  const database = encodeURIComponent(text('dbname') ?? '');
  const scheme = dialect === 'mysql' ? 'mysql' : 'postgres';
  return `${scheme}://${user}:${password}@${hostOverride ?? text('host')}:${port}/${database}`;
}

/**
 * A lazy URL for `DatabaseConnectionOptions.url`: reads the secret on the first query (cached for
 * the life of the process by the repository) and builds the URL from it; `fresh` reads the secret
 * again, after the database refused the password (a rotation: `CredentialRenewal`).
 */
export function databaseUrlResolver(
  secrets: SecretsRepository,
  secretArn: string,
  dialect: 'postgres' | 'mysql',
  hostOverride?: string,
): ConnectionUrlSource {
  return async ({ fresh = false } = {}) =>
    databaseUrlFromSecret(await secrets.getJson(secretArn, { fresh }), dialect, secretArn, hostOverride);
}
