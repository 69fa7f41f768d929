import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

/**
 * The lookups migration 0012 indexes (found in review, 2026-12-07: both scanned their whole table)
 * can use their indexes. PostgreSQL is asked for a plan with sequential scans priced out, which it
 * still chooses when no index fits. MySQL/MariaDB plan an empty table without looking at its
 * indexes, so there the test checks that an index leads with each looked-up column.
 */
describe.each(testDialects())('lookup indexes on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** PostgreSQL: the plan of `statement`. MySQL: the indexes of `tables` that lead with `columns`. */
  const plan = async (
    statement: string,
    leading: readonly { table: string; column: string }[],
  ): Promise<string> => {
    if (dialect === 'postgres') {
      return database.db.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        const { rows } = await sql<Record<string, string>>`explain ${sql.raw(statement)}`.execute(trx);
        return rows.map((row) => Object.values(row).join(' ')).join('\n');
      });
    }
    const names: string[] = [];
    for (const { table, column } of leading) {
      const { rows } = await sql<{ name: string }>`
        select index_name as name from information_schema.statistics
        where table_schema = database() and table_name = ${table} and column_name = ${column}
          and seq_in_index = 1`.execute(database.db);
      names.push(...rows.map((row) => `${row.name}(${column})`));
    }
    return names.join('\n');
  };

  it('finds the ended sessions the hourly housekeeping deletes by index', async () => {
    const found = await plan(
      "select id from sessions where revoked_at < '2026-01-01' or expires_at < '2026-01-01' limit 500",
      [
        { table: 'sessions', column: 'revoked_at' },
        { table: 'sessions', column: 'expires_at' },
      ],
    );
    expect(found).toContain('sessions_revoked_at_idx');
    expect(found).toContain('sessions_expires_at_idx');
  });

  it("finds an account's one-time tokens to retire by index", async () => {
    const found = await plan(
      "update one_time_tokens set used_at = '2026-01-01' where user_id = '00000000-0000-4000-8000-000000000000' and purpose = 'password_reset' and used_at is null",
      [{ table: 'one_time_tokens', column: 'user_id' }],
    );
    // MySQL's is the one its foreign key (0011) made.
    expect(found).toMatch(dialect === 'postgres' ? /one_time_tokens_user_id_idx/ : /\(user_id\)/);
  });
});
