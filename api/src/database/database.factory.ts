import { CamelCasePlugin, Kysely, MysqlAdapter, MysqlDialect, PostgresDialect } from 'kysely';
import { commonJsExports } from '../common/modules/common-js.js';
import type { DatabaseSchema } from './database.types.js';
import { type DatabaseTls, driverSslOption } from './database-tls.js';

/** Where and how to connect. */
export interface DatabaseConnectionOptions {
  /**
   * The connection URL, or a function that resolves it on the first query (the Lambda handler
   * passes one that reads DATABASE_SECRET_ARN, so fetching the secret never blocks init).
   */
  readonly url: string | (() => Promise<string>);
  readonly dialect: 'postgres' | 'mysql';
  /** @default 10 */
  readonly poolMax?: number;
  /** Server-side limit per statement, so a stuck query cannot hold a request forever. @default 10000 */
  readonly statementTimeoutMs?: number;
  /** How long to wait for a new connection before failing fast. @default 2000 */
  readonly connectTimeoutMs?: number;
  /** TLS to the server. @default 'disable' */
  readonly tls?: DatabaseTls;
}

export type Database = Kysely<DatabaseSchema>;

/**
 * Builds the Kysely instance for a `postgres://` or `mysql://` URL. The URL is resolved, the
 * driver loaded and the pool created on the first query (never here), which keeps Lambda init free
 * of network I/O and of loading the driver.
 */
export async function createDatabase(options: DatabaseConnectionOptions): Promise<Database> {
  const poolMax = options.poolMax ?? 10;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  const plugins = [new CamelCasePlugin()];
  const ssl = driverSslOption(options.tls);
  const { url } = options;
  const resolveUrl = typeof url === 'string' ? async () => url : url;
  if (options.dialect === 'mysql') {
    const pool = async () => {
      const { createPool } = commonJsExports(await import('mysql2'), 'createPool');
      return createPool({
        uri: await resolveUrl(),
        connectionLimit: poolMax,
        connectTimeout: connectTimeoutMs,
        ...(ssl ? { ssl } : {}),
        timezone: 'Z',
        dateStrings: false,
        // MySQL has no boolean type; TINYINT(1) columns are our booleans.
        typeCast: (field, next) =>
          field.type === 'TINY' && field.length === 1 ? field.string() === '1' : next(),
      });
    };
    return new Kysely<DatabaseSchema>({ dialect: new MysqlDialect({ pool }), plugins });
  }
  const pool = async () => {
    const { default: pg } = await import('pg');
    const created = new pg.Pool({
      connectionString: await resolveUrl(),
      max: poolMax,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: statementTimeoutMs,
      ssl,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its server (restart, failover) must not crash the process.
    created.on('error', () => {});
    // Nor may a checked-out one that is between two statements (inside a transaction): pg emits
    // 'error' on that client, not on the pool. Its next query fails instead (→ 503), and the pool
    // discards it on release because it is no longer queryable.
    created.on('connect', (client) => client.on('error', () => {}));
    return created;
  };
  return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }), plugins });
}

/** Which SQL dialect a Kysely instance speaks (migrations need it for column types). */
export function dialectOf<DB>(db: Kysely<DB>): 'postgres' | 'mysql' {
  return db.getExecutor().adapter instanceof MysqlAdapter ? 'mysql' : 'postgres';
}
