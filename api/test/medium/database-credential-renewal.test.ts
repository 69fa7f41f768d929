import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { PoolConnection } from 'mysql2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsRepository } from '../../src/aws/secrets.repository.js';
import { grantApiUser } from '../../src/database/api-user.js';
import {
  createDatabase,
  type Database,
  directQueryOf,
  retirePgPool,
} from '../../src/database/database.factory.js';
import { databaseUrlResolver } from '../../src/database/database-secret.js';
import { createMysqlPool } from '../../src/database/mysql-pool.js';
import {
  type FakeSecretsManager,
  rdsSecretFor,
  startFakeSecretsManager,
  testSecretArn,
} from '../support/secrets-manager-server.js';
import {
  createTestDatabase,
  type TestDatabase,
  testDialects,
  withCredentials,
} from '../support/test-database.js';

const newPassword = () => randomBytes(18).toString('base64url');

// The rotation as it happens on AWS: the migration function (grantApiUser, here run directly) moves
// the API user to the password now in its secret while API processes are running, holding
// connections made with the old one and the old secret in their cache.
describe.each(testDialects())('a rotated database password on %s', (dialect) => {
  let database: TestDatabase;
  let fake: FakeSecretsManager;
  const opened: Database[] = [];
  beforeAll(async () => {
    [database, fake] = await Promise.all([createTestDatabase(dialect), startFakeSecretsManager()]);
  });
  afterAll(async () => {
    for (const db of opened) await db.destroy();
    await database?.drop();
    await fake?.close();
  });

  /** A user of its own with row rights, its secret in the fake, and the app's connection through it. */
  async function rotatingUser() {
    const username = `rotating_${randomBytes(4).toString('hex')}`;
    const arn = testSecretArn(username);
    const setPassword = async (password: string, { inSecret = true } = {}) => {
      await grantApiUser(database.owner, { username, password });
      if (!inSecret) return;
      fake.secrets.set(arn, rdsSecretFor(withCredentials(database.url, username, password), dialect));
    };
    await setPassword(newPassword());
    const db = await createDatabase({
      dialect,
      poolMax: 2,
      url: databaseUrlResolver(new SecretsRepository({ signing: fake.signing }), arn, dialect),
    });
    opened.push(db);
    const reads = () => fake.calls.filter((call) => call.secretId === arn).length;
    return { db, setPassword, reads, username };
  }

  /** Runs `work` while the pool's first connection is checked out, so `work` needs a new one. */
  const withConnectionHeld = (db: Database, work: () => Promise<void>) =>
    db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await work();
      await sql`select 1`.execute(trx);
    });

  /** How many server sessions `username` has open (asked as the owner). */
  const sessionsOf = async (username: string): Promise<number> => {
    const rows =
      dialect === 'mysql'
        ? await sql<{
            n: number;
          }>`select count(*) as n from information_schema.processlist where user = ${username}`.execute(
            database.owner,
          )
        : await sql<{
            n: number;
          }>`select count(*)::int as n from pg_stat_activity where usename = ${username}`.execute(
            database.owner,
          );
    return Number(rows.rows[0]?.n);
  };

  it('re-reads the secret when a new connection is refused, the query succeeds on the new password, and the old pool ends once released', async () => {
    const { db, setPassword, reads, username } = await rotatingUser();
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
    await setPassword(newPassword());
    await withConnectionHeld(db, async () => {
      expect((await db.selectFrom('users').select('id').limit(1).execute()).length).toBeLessThanOrEqual(1);
      // The old pool's connection, still in the transaction, and the new pool's.
      expect(await sessionsOf(username)).toBe(2);
    });
    expect(reads()).toBe(2);
    await expect.poll(() => sessionsOf(username), { timeout: 5000 }).toBe(1);
  });

  // PostgreSQL's precompiled queries skip Kysely's executor (MySQL has no such path).
  if (dialect === 'postgres') {
    it('renews from the direct query path too', async () => {
      const { db, setPassword, reads } = await rotatingUser();
      const direct = directQueryOf(db);
      expect(direct).toBeDefined();
      expect(await direct?.('select 1 as one', [])).toEqual([{ one: 1 }]);
      await setPassword(newPassword());
      await withConnectionHeld(db, async () => {
        expect(await direct?.('select 3 as three', [])).toEqual([{ three: 3 }]);
      });
      expect(reads()).toBe(2);
    });
  }

  if (dialect === 'postgres') {
    it('retires a pg pool without failing a query queued for its idle client in the same tick', async () => {
      const pool = new pg.Pool({ connectionString: database.url, max: 1, connectionTimeoutMillis: 2000 });
      await pool.query('select 1');
      // pg queues this one for the idle client until the next tick; end() alone never serves it.
      const queued = pool.query<{ two: number }>('select 2 as two');
      const retiring = retirePgPool(pool);
      expect((await queued).rows).toEqual([{ two: 2 }]);
      await retiring;
      expect(pool.ended).toBe(true);
    });
  }

  // mysql2's end() would cut connections in use, so a replaced MySQL pool waits for them.
  if (dialect === 'mysql') {
    it('retires a MySQL pool at once when its only connection out died instead of coming back', async () => {
      const pool = await createMysqlPool(
        { uri: database.url },
        { acquireTimeoutMs: 2000, statementTimeoutMs: 5000 },
      );
      // mysql2's own connection object, which Kysely's type narrows to what Kysely calls.
      const connection = await new Promise<PoolConnection>((resolve, reject) =>
        pool.getConnection((error, lent) =>
          error ? reject(error) : resolve(lent as unknown as PoolConnection),
        ),
      );
      const ended = new Promise<void>((resolve) => connection.once('end', () => resolve()));
      await sql.raw(`KILL ${connection.threadId}`).execute(database.owner);
      await ended;
      const started = Date.now();
      await pool.retire(10_000);
      expect(Date.now() - started).toBeLessThan(2000);
    });
  }

  it('fails with the refusal when the secret still holds the old password, and does not re-read it on every query', async () => {
    const { db, setPassword, reads } = await rotatingUser();
    await sql`select 1`.execute(db);
    await setPassword(newPassword(), { inSecret: false });
    const refusal = dialect === 'mysql' ? 'ER_ACCESS_DENIED_ERROR' : '28P01';
    await withConnectionHeld(db, async () => {
      await expect(sql`select 1`.execute(db)).rejects.toMatchObject({ code: refusal });
      await expect(sql`select 1`.execute(db)).rejects.toMatchObject({ code: refusal });
    });
    // One fresh read for the first refusal; the second came within the 30 s that spaces them.
    expect(reads()).toBe(2);
  });
});
