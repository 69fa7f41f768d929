import type { MysqlPool, MysqlPoolConnection } from 'kysely';
import type { Pool, PoolConnection, PoolOptions, RowDataPacket } from 'mysql2';
import { commonJsExports } from '../common/modules/common-js.js';

/** The limits PostgreSQL's pool gets from `pg` itself, which mysql2 leaves to its user. */
export interface MysqlPoolLimits {
  /** How long a query may wait for a connection, including making a new one. */
  readonly acquireTimeoutMs: number;
  /** Server-side limit per statement, set on each connection when it is made. */
  readonly statementTimeoutMs: number;
}

/** The error code of a wait for a pool connection that took longer than its limit. */
const POOL_WAIT_TIMEOUT = 'POOL_WAIT_TIMEOUT';

/**
 * The statement that sets up a session on this server.
 *
 * Limits: MariaDB has `max_statement_time` (seconds, every statement); MySQL has
 * `max_execution_time` (milliseconds, read-only SELECTs only), so writes there are bounded by the
 * lock waits alone, both set here to the statement limit: a write blocked behind another
 * transaction's row lock waits `innodb_lock_wait_timeout` (50 s by default), and one blocked by a
 * table's metadata lock (a migration's ALTER TABLE copying it) `lock_wait_timeout`, a year by
 * default: until 2026-12-08 such writes held their pool connections for the whole copy and
 * emptied the pool (found in review).
 *
 * Isolation: READ COMMITTED, PostgreSQL's default, which the code is written for. Under InnoDB's
 * default REPEATABLE READ an UPDATE that matched nothing still took a gap lock, so two requests
 * retiring and issuing tokens for neighbouring addresses deadlocked on each other's inserts (503,
 * an alarm, and an account-existence oracle; found in review, 2026-12-07), and plain reads saw the
 * transaction's first snapshot. MariaDB names the variable `tx_isolation` (`transaction_isolation`
 * only from 11.1), MySQL 8 `transaction_isolation`.
 */
export function sessionSetupStatement(serverVersion: string, statementTimeoutMs: number): string {
  const lockWaitSeconds = Math.max(1, Math.ceil(statementTimeoutMs / 1000));
  const mariadb = /mariadb/i.test(serverVersion);
  const statementLimit = mariadb
    ? `max_statement_time = ${statementTimeoutMs / 1000}`
    : `max_execution_time = ${statementTimeoutMs}`;
  const isolation = `${mariadb ? 'tx_isolation' : 'transaction_isolation'} = 'READ-COMMITTED'`;
  // MariaDB ends a transaction left idle this long (PostgreSQL's idle_in_transaction_session_timeout,
  // database.factory.ts); MySQL 8 has no such setting.
  const idle = mariadb ? `, idle_transaction_timeout = ${3 * lockWaitSeconds}` : '';
  return `SET SESSION ${statementLimit}, innodb_lock_wait_timeout = ${lockWaitSeconds}, lock_wait_timeout = ${lockWaitSeconds}, ${isolation}${idle}`;
}

/** Kysely's MySQL pool, plus a way to end it that lets the connections in use finish first. */
export interface RetirableMysqlPool extends MysqlPool {
  /**
   * Ends the pool once every connection it handed out has been released, or after `graceMs`
   * (a connection destroyed while out is never released). For a pool that was replaced while in
   * use (`CredentialRenewal`): mysql2's `end()` closes connections in use too, so a transaction
   * running on the old pool would lose its connection mid-way.
   */
  retire(graceMs?: number): Promise<void>;
}

/** Creates mysql2's pool (loaded here, on the first query) and bounds it: see {@link limitedPool}. */
export async function createMysqlPool(
  options: PoolOptions,
  limits: MysqlPoolLimits,
): Promise<RetirableMysqlPool> {
  const { createPool } = commonJsExports(await import('mysql2'), 'createPool');
  return limitedPool(createPool(options), limits);
}

/**
 * mysql2's pool as Kysely uses it, with what `pg` does on PostgreSQL: a wait for a connection
 * fails after `acquireTimeoutMs` (mysql2 would queue it forever behind a stuck pool, so a request
 * hung instead of answering 503), and every new connection runs {@link sessionSetupStatement}
 * before its first query. A connection whose setup fails is destroyed, not handed out or leaked.
 */
export function limitedPool(pool: Pool, limits: MysqlPoolLimits): RetirableMysqlPool {
  const prepared = new WeakSet<PoolConnection>();
  // Connections taken from mysql2 and not yet back (mysql2 emits 'release' when one returns to
  // its free list, and nothing when one dies while out: those leave on their own 'end'/'error').
  const inUse = new Set<PoolConnection>();
  const watched = new WeakSet<PoolConnection>();
  let onAllReleased: (() => void) | undefined;
  const back = (connection: PoolConnection) => {
    if (inUse.delete(connection) && inUse.size === 0) onAllReleased?.();
  };
  const lend = (connection: PoolConnection) => {
    inUse.add(connection);
    if (watched.has(connection)) return;
    watched.add(connection);
    connection.once('end', () => back(connection));
    connection.once('error', () => back(connection));
  };
  pool.on('release', back);
  // Which engine answers is asked once per pool, on its first connection.
  let statement: Promise<string> | undefined;
  const sessionStatement = (connection: PoolConnection): Promise<string> => {
    statement ??= new Promise<string>((resolve, reject) =>
      connection.query<RowDataPacket[]>('SELECT VERSION() AS version', (error, rows) =>
        error
          ? reject(error)
          : resolve(sessionSetupStatement(String(rows[0]?.version), limits.statementTimeoutMs)),
      ),
    ).catch((error: unknown) => {
      statement = undefined;
      throw error;
    });
    return statement;
  };
  const prepare = async (connection: PoolConnection): Promise<void> => {
    if (prepared.has(connection)) return;
    const sql = await sessionStatement(connection);
    await new Promise<void>((resolve, reject) =>
      connection.query(sql, (error) => (error ? reject(error) : resolve())),
    );
    prepared.add(connection);
  };
  return {
    getConnection(callback): void {
      // Kysely's type asks for a connection even beside an error; its driver reads only the error then.
      const reply = callback as (error: unknown, connection?: MysqlPoolConnection) => void;
      let answered = false;
      /** Answers once; false when the wait had already been answered (by the timer). */
      const answer = (error: unknown, connection?: PoolConnection): boolean => {
        if (answered) return false;
        answered = true;
        clearTimeout(timer);
        reply(error, connection);
        return true;
      };
      const timer = setTimeout(() => {
        const message = `timeout exceeded waiting ${limits.acquireTimeoutMs} ms for a MySQL pool connection`;
        answer(Object.assign(new Error(message), { code: POOL_WAIT_TIMEOUT }));
      }, limits.acquireTimeoutMs);
      pool.getConnection((error, connection) => {
        if (error) return void answer(error);
        // Counted from here, not from the hand-over: a retirement during the setup below must wait.
        lend(connection);
        prepare(connection).then(
          () => {
            if (!answer(null, connection)) connection.release();
          },
          (setupError: unknown) => {
            connection.destroy();
            answer(setupError);
          },
        );
      });
    },
    end: (callback) => pool.end(callback),
    retire: (graceMs = 60_000) =>
      new Promise<void>((resolve) => {
        const end = () => {
          clearTimeout(timer);
          onAllReleased = undefined;
          pool.end(() => resolve());
        };
        const timer = setTimeout(end, graceMs);
        timer.unref();
        if (inUse.size === 0) end();
        else onAllReleased = end;
      }),
  };
}
