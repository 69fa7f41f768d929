import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { toErrorResponse } from '../../src/common/errors/error-response.js';
import { waitFor } from '../support/server-process.js';
import { createPostgresTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Regression (found by the reliability suite's outage test): when PostgreSQL drops a connection
 * that the app has checked out but is not querying on (between two statements of a transaction),
 * pg emits 'error' on that client; unhandled, it crashed the whole process.
 */
describe('losing a checked-out database connection', () => {
  let database: TestDatabase;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createPostgresTestDatabase();
    admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await database?.drop();
  });

  it('fails the transaction with DATABASE_UNAVAILABLE instead of crashing, and the pool recovers', async () => {
    const failure = await database.db
      .transaction()
      .execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        const pid = rows[0]?.pid;
        await admin.query('select pg_terminate_backend($1)', [pid]);
        // The server's goodbye reaches the client while no query is running on it.
        await waitFor(
          async () =>
            (await admin.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount === 0,
          5000,
          'the backend to exit',
        );
        await sql`select 1`.execute(trx);
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(toErrorResponse(failure, 'r').body.code).toBe('DATABASE_UNAVAILABLE');
    const { rows } = await sql<{ answer: number }>`select 42 as answer`.execute(database.db);
    expect(rows[0]?.answer).toBe(42);
  });
});
