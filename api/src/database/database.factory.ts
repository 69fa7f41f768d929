import type {
  DialectAdapter,
  Kysely,
  MysqlPool,
  MysqlPoolConnection,
  PostgresPool,
  UnknownRow,
} from 'kysely';
import { type ConnectionUrlSource, CredentialRenewal, isCredentialRefusal } from './credential-renewal.js';
import type { DatabaseSchema } from './database.types.js';
import { type DatabaseTls, driverSslOption } from './database-tls.js';
import type { RetirableMysqlPool } from './mysql-pool.js';
import { postgresClientConfig } from './postgres-client-config.js';

/** Where and how to connect. */
export interface DatabaseConnectionOptions {
  /**
   * The connection URL, or a function that resolves it on the first query (the Lambda handler
   * passes one that reads DATABASE_SECRET_ARN, so fetching the secret never blocks init) and again,
   * `fresh`, when the server refuses its credentials (a rotated password: `CredentialRenewal`).
   */
  readonly url: string | ConnectionUrlSource;
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

let kyselyModule: Promise<typeof import('kysely')> | undefined;

/**
 * Kysely's module, imported on first use rather than with this file: Lambda init never queries
 * (see DatabaseHandle), so it should not compile and evaluate Kysely either. Repositories that
 * need its `sql` tag await this after they hold a database, when it is already loaded.
 */
export function loadKysely(): Promise<typeof import('kysely')> {
  kyselyModule ??= import('kysely');
  return kyselyModule;
}

/**
 * The dialect of each database `createDatabase` made, keyed by its adapter: the Kysely instances
 * derived from it (transactions, connections, `withPlugin`) share that adapter object.
 */
const dialects = new WeakMap<DialectAdapter, DatabaseConnectionOptions['dialect']>();

/**
 * Runs compiled SQL with its parameters straight on the driver's pool and returns the rows with
 * their columns mapped as the database's CamelCasePlugin maps them: what Kysely's executor does,
 * without its connection checkout chain. See PrecompiledQuery, its one user.
 */
export type DirectQuery = (sql: string, parameters: readonly unknown[]) => Promise<UnknownRow[]>;

/**
 * The direct path of each PostgreSQL database `createDatabase` made, keyed by that very instance:
 * a transaction or a connection-bound instance derived from it must run its queries on its own
 * connection, so it has no direct path.
 */
const directQueries = new WeakMap<Database, DirectQuery>();

/**
 * Builds the Kysely instance for a `postgres://` or `mysql://` URL. The URL is resolved, the
 * driver loaded and the pool created on the first query (never here), which keeps Lambda init free
 * of network I/O and of loading the driver.
 */
export async function createDatabase(options: DatabaseConnectionOptions): Promise<Database> {
  const [{ Kysely, MysqlDialect, PostgresDialect }, { RowMappingCamelCasePlugin }] = await Promise.all([
    loadKysely(),
    import('./row-mapping-camel-case.plugin.js'),
  ]);
  const poolMax = options.poolMax ?? 10;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  const camelCase = new RowMappingCamelCasePlugin();
  const plugins = [camelCase];
  const { url } = options;
  const readUrl: ConnectionUrlSource = typeof url === 'string' ? async () => url : url;
  if (options.dialect === 'mysql') {
    const createPool = async (uri: string) => {
      const [{ createMysqlPool }, ssl] = await Promise.all([
        import('./mysql-pool.js'),
        driverSslOption(options.tls),
      ]);
      return createMysqlPool(
        {
          uri,
          connectionLimit: poolMax,
          connectTimeout: connectTimeoutMs,
          ...(ssl ? { ssl } : {}),
          timezone: 'Z',
          dateStrings: false,
          // MySQL has no boolean type; TINYINT(1) columns are our booleans.
          typeCast: (field, next) =>
            field.type === 'TINY' && field.length === 1 ? field.string() === '1' : next(),
        },
        // pg's connectionTimeoutMillis bounds the wait for a pool connection too; so does this.
        { acquireTimeoutMs: connectTimeoutMs, statementTimeoutMs },
      );
    };
    const renewal = new CredentialRenewal<RetirableMysqlPool>(readUrl, {
      create: createPool,
      end: (pool) =>
        new Promise<void>((resolve, reject) => pool.end((error) => (error ? reject(error) : resolve()))),
      retire: (pool) => pool.retire(),
    });
    const pool = async () => renewingMysqlPool(renewal);
    return registered(new Kysely<DatabaseSchema>({ dialect: new MysqlDialect({ pool }), plugins }), 'mysql');
  }
  // One pool for Kysely and the direct path, made on the first query by either. A failure (the
  // secret holding the URL could not be read) is not kept: the next query tries again.
  const createPgPool = async (connectionString: string) => {
    const [{ default: pg }, ssl, settings] = await Promise.all([
      import('pg'),
      driverSslOption(options.tls),
      postgresClientConfig(connectionString),
    ]);
    const created = new pg.Pool({
      ...settings,
      max: poolMax,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: statementTimeoutMs,
      // A transaction idle this long is a process that stopped between two statements (a Lambda
      // environment frozen mid-transaction): the server ends it rather than keep its row locks
      // until the environment thaws or is reaped (found in review, 2026-12-07).
      idle_in_transaction_session_timeout: 3 * statementTimeoutMs,
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
  const renewal = new CredentialRenewal<import('pg').Pool>(readUrl, {
    create: createPgPool,
    end: (pool) => pool.end(),
    retire: retirePgPool,
  });
  const connectOrRenew = (current: import('pg').Pool) =>
    current
      .connect()
      .catch((error: unknown) => renewal.retryAfterRefusal(current, error, (renewed) => renewed.connect()));
  const pool = async (): Promise<PostgresPool> => ({
    connect: () => renewal.withPool(connectOrRenew),
    end: () => renewal.end(),
  });
  const db = registered(
    new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }), plugins }),
    'postgres',
  );
  // One promise hop from the driver's answer to mapped rows, and no async frame once the pool
  // exists: see PrecompiledQuery.execute.
  // The refusal handler rides on the same `then` as the mapping: still one hop on success.
  const mapped = (result: import('pg').QueryResult<UnknownRow>) => camelCase.mapRows(result.rows);
  const rowsOf = (
    on: import('pg').Pool,
    sql: string,
    parameters: readonly unknown[],
  ): Promise<UnknownRow[]> =>
    on
      .query<UnknownRow>(sql, [...parameters])
      .then(mapped, (error: unknown) =>
        renewal.retryAfterRefusal(on, error, (renewed) =>
          renewed.query<UnknownRow>(sql, [...parameters]).then(mapped),
        ),
      );
  // `ready` read here rather than through `withPool`: no closure per query on this path.
  directQueries.set(db, (sql, parameters) => {
    const ready = renewal.ready;
    if (ready !== undefined) return rowsOf(ready, sql, parameters);
    return renewal.pool().then((made) => rowsOf(made, sql, parameters));
  });
  return db;
}

/**
 * Ends a replaced pg pool without failing what it still serves. pg's `end()` waits for the clients
 * lent out to come back, but never serves the requests queued for a client (one asked for while
 * the pool was full, or in the tick before an idle client is handed over): they would wait out
 * the connection timeout and fail (found in review). So the queue drains first — each waiter gets
 * a client or is refused and moves to the new pool — within a bound in case it never does.
 */
export async function retirePgPool(pool: import('pg').Pool, boundMs = 10_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  await new Promise((resolve) => setImmediate(resolve));
  while (pool.waitingCount > 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await pool.end();
}

/**
 * Kysely's MySQL pool over the current pool of `renewal`: a connection the server refuses for its
 * credentials is asked for once more from the pool made with the re-read secret.
 */
function renewingMysqlPool(renewal: CredentialRenewal<RetirableMysqlPool>): MysqlPool {
  return {
    getConnection(callback) {
      const reply = callback as (error: unknown, connection?: MysqlPoolConnection) => void;
      const from = (current: RetirableMysqlPool) =>
        current.getConnection((error, connection) => {
          if (!isCredentialRefusal(error)) return reply(error, connection);
          renewal
            .retryAfterRefusal(current, error, async (renewed) => renewed.getConnection(callback))
            .catch(() => reply(error));
        });
      // The current pool taken synchronously once it exists, so a request never holds on to a
      // pool that is retired before it asks (mysql2 answers "Pool is closed" then).
      if (renewal.ready) return from(renewal.ready);
      renewal.pool().then(from, (error: unknown) => reply(error));
    },
    end(callback) {
      renewal.end().then(() => callback(undefined), callback);
    },
  };
}

function registered(db: Database, dialect: DatabaseConnectionOptions['dialect']): Database {
  dialects.set(db.getExecutor().adapter, dialect);
  return db;
}

/**
 * The direct path to the pool of a PostgreSQL database made by `createDatabase`; undefined for
 * MySQL, for instances derived from one (transactions) and for instances made elsewhere, which go
 * through Kysely's executor.
 */
export function directQueryOf(db: Database): DirectQuery | undefined {
  return directQueries.get(db);
}

/**
 * Which SQL dialect a database made by `createDatabase` (or derived from one) speaks: migrations
 * need it for column types, the rate limiter for MySQL's missing RETURNING. (A registry rather than
 * `instanceof MysqlAdapter`, which would load Kysely with this file.)
 */
export function dialectOf<DB>(db: Kysely<DB>): 'postgres' | 'mysql' {
  const dialect = dialects.get(db.getExecutor().adapter);
  if (dialect === undefined) throw new Error('dialectOf() needs a database made by createDatabase()');
  return dialect;
}
