import { sql } from 'kysely';
import type { Database } from '../../src/database/database.factory.js';
import type { OneTimeTokenPurpose } from '../../src/database/database.types.js';

/**
 * Resolves once another connection waits for a row lock, or `connections` of them do (polls;
 * throws after 10 s). PostgreSQL says so in `pg_stat_activity`; MariaDB's InnoDB lock-wait tables
 * leave such a wait out, so there it shows as a statement starting with `mysqlStatement` still
 * running, which only the lock the caller holds can keep running.
 */
async function untilAnotherConnectionWaitsForALock(
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

/**
 * Sends a request while a transaction holds the rows of `userIds` (as a change to those accounts
 * does), waits until `waiters` connections wait for a lock (see above), runs `meanwhile` in the
 * holding transaction, commits, and resolves to what `send` gave: a race the tests set up the
 * same way whatever the machine's timing.
 */
export async function whileAccountsHeld<T>(
  db: Database,
  dialect: 'postgres' | 'mysql',
  options: {
    readonly userIds: readonly string[];
    readonly send: () => Promise<T>;
    readonly mysqlStatement?: string;
    readonly waiters?: number;
    readonly meanwhile?: (trx: Database) => Promise<unknown>;
  },
): Promise<T> {
  const { userIds, send, mysqlStatement = 'select * from `users`', waiters = 1, meanwhile } = options;
  let sent: Promise<T> | undefined;
  await db.transaction().execute(async (trx) => {
    await trx
      .selectFrom('users')
      .select('id')
      .where('id', 'in', [...userIds])
      .forUpdate()
      .execute();
    sent = send();
    await untilAnotherConnectionWaitsForALock(db, dialect, mysqlStatement, waiters);
    await meanwhile?.(trx);
  });
  if (!sent) throw new Error('nothing was sent');
  return sent;
}

/**
 * Marks the account's unused one-time tokens (of `purpose`, or all of them) used, as a change that
 * retires them does (a password change, a reset, signing out everywhere): a `meanwhile` above.
 */
export function retireUnusedTokens(
  trx: Database,
  userId: string,
  purpose?: OneTimeTokenPurpose,
): Promise<unknown> {
  let query = trx.updateTable('oneTimeTokens').set({ usedAt: new Date() }).where('userId', '=', userId);
  if (purpose) query = query.where('purpose', '=', purpose);
  return query.where('usedAt', 'is', null).execute();
}

/** Revokes the account's live sessions, as a password reset does under the account's lock: a `meanwhile` above. */
export function revokeSessions(trx: Database, userId: string): Promise<unknown> {
  return trx
    .updateTable('sessions')
    .set({ revokedAt: new Date(), revokedReason: 'password_reset' })
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .execute();
}
