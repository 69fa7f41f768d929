import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../src/common/errors/error-response.js';
import { createDatabase, type Database } from '../../src/database/database.factory.js';
import { holdTransaction } from '../support/held-transaction.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

const STATEMENT_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 400;

/** What a request would answer for the query's failure, or 'no error'. */
const answerTo = (query: Promise<unknown>): Promise<string> =>
  query.then(
    () => 'no error',
    (error: unknown) => {
      const { body } = toErrorResponse(error, 'r');
      return `${body.statusCode} ${body.code}`;
    },
  );

/**
 * Both engines get the same two limits (docs/architecture.md, "Database limits"): a statement
 * that runs past DATABASE_STATEMENT_TIMEOUT_MS is stopped by the server, and a query that cannot
 * get a pool connection in time fails; both answer 503 DATABASE_UNAVAILABLE rather than holding
 * the request (mysql2 alone set neither: its statements ran unbounded and its waits queued forever).
 */
describe.each(testDialects())('database limits on %s', (dialect) => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    db = await createDatabase({
      ...database.connection,
      poolMax: 1,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const sleep = (seconds: number) =>
    dialect === 'postgres'
      ? sql`select pg_sleep(${seconds})`.execute(db)
      : sql`select sleep(${seconds})`.execute(db);

  it('answers a password the server refuses (a rotation not read yet) with 503, not 500', async () => {
    const url = new URL(String(database.connection.url));
    url.password = 'not-the-password';
    const refused = await createDatabase({ ...database.connection, url: url.toString() });
    try {
      expect(await answerTo(sql`select 1`.execute(refused))).toBe('503 DATABASE_UNAVAILABLE');
    } finally {
      await refused.destroy();
    }
  });

  // A write queued behind a lock is bounded too: on PostgreSQL by the statement timeout, on
  // MySQL (whose statement limit covers SELECTs only) by both lock waits. The metadata lock's
  // wait (a migration's ALTER TABLE) was MySQL's default, a year, until 2026-12-08.
  it("bounds its sessions' lock waits by the statement timeout", async () => {
    if (dialect === 'mysql') {
      const { rows } = await sql<{ rowLocks: number; tableLocks: number }>`select
        @@session.innodb_lock_wait_timeout as rowLocks, @@session.lock_wait_timeout as tableLocks`.execute(
        db,
      );
      const seconds = Math.ceil(STATEMENT_TIMEOUT_MS / 1000);
      expect(rows[0]).toEqual({ rowLocks: seconds, tableLocks: seconds });
    } else {
      const { rows } = await sql<{
        limit: string;
      }>`select current_setting('statement_timeout') as limit`.execute(db);
      expect(rows[0]?.limit).toBe(`${STATEMENT_TIMEOUT_MS}ms`);
    }
  });

  it('stops a statement that runs past the statement timeout, with 503', async () => {
    expect(await answerTo(sleep(5))).toBe('503 DATABASE_UNAVAILABLE');
    // A statement within the limit runs, on the same (single) connection.
    expect(await answerTo(sleep(0.05))).toBe('no error');
  });

  it('fails a wait for a pool connection held elsewhere, with 503, and serves again once it is free', async () => {
    const busy = await holdTransaction(db, (trx) => sql`select 1`.execute(trx));
    // Without the bound this wait never ends, and the test times out.
    expect(await answerTo(sql`select 1`.execute(db))).toBe('503 DATABASE_UNAVAILABLE');
    await busy.release();
    const { rows } = await sql<{ answer: number }>`select 42 as answer`.execute(db);
    expect(Number(rows[0]?.answer)).toBe(42);
  });

  // Found in review (2026-12-07): a Lambda environment frozen mid-transaction (a maintenance unit
  // the pass stopped waiting for) kept its transaction, and its row locks, open on the server
  // until the environment thawed or was reaped. PostgreSQL and MariaDB end such a session after
  // about three statement timeouts of idleness; MySQL 8 has no such setting (its statement is
  // unit-tested).
  it('ends a transaction left idle for three statement timeouts, and serves the next query', async () => {
    const left = await db
      .transaction()
      .execute(async (trx) => {
        await sql`select 1`.execute(trx);
        // MariaDB counts whole seconds (3 × the 1 s lock wait limit); PostgreSQL 3 × 500 ms.
        const idleLimitMs = dialect === 'mysql' ? 3_000 : 3 * STATEMENT_TIMEOUT_MS;
        await new Promise((resolve) => setTimeout(resolve, idleLimitMs + 1_000));
        await sql`select 1`.execute(trx);
        return 'still open';
      })
      .catch(() => 'ended by the server');
    expect(left).toBe('ended by the server');
    const { rows } = await sql<{ answer: number }>`select 42 as answer`.execute(db);
    expect(Number(rows[0]?.answer)).toBe(42);
  });
});
