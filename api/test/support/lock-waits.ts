import { sql } from 'kysely';
import type { Database } from '../../src/database/database.factory.js';

/**
 * Resolves once another connection waits for a row lock, or `connections` of them do (polls;
 * throws after 10 s). PostgreSQL says so in `pg_stat_activity`; MariaDB's InnoDB lock-wait tables
 * leave such a wait out, so there it shows as a statement starting with `mysqlStatement` still
 * running, which only the lock the caller holds can keep running.
 */
export async function untilAnotherConnectionWaitsForALock(
  db: Database,
  dialect: 'postgres' | 'mysql',
  mysqlStatement: string,
  connections = 1,
): Promise<void> {
  const query =
    dialect === 'postgres'
      ? sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock'`
      : sql<{
          n: number;
        }>`select count(*) as n from information_schema.processlist where info like ${`${mysqlStatement}%`}`;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { rows } = await query.execute(db);
    if (Number(rows[0]?.n) >= connections) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('nothing waited for the lock within 10 s');
}
