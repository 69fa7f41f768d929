import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OneTimeTokensRepository } from '../../src/auth/one-time-tokens.repository.js';
import { createDatabase, type Database } from '../../src/database/database.factory.js';
import { DatabaseHandle } from '../../src/database/database-handle.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

/**
 * Found in review (2026-12-07): under InnoDB's default REPEATABLE READ, retiring an address's
 * tokens took a gap lock even when it matched nothing, and two requests for neighbouring
 * addresses (a double click on "email me a code" for a new address; two reset requests at once)
 * each waited for the other's gap lock with their inserts: a deadlock, answered 503 and alarmed
 * on. An attacker could also tell from those 503s whether an address next to their own had an
 * account. The MySQL pool's sessions now run at READ COMMITTED, PostgreSQL's default.
 */
describe.each(testDialects())('issuing one-time tokens at once on %s', (dialect) => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    db = await createDatabase({ ...database.connection, poolMax: 4 });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('issues tokens for neighbouring addresses concurrently without a deadlock', async () => {
    const tokens = new OneTimeTokensRepository(DatabaseHandle.of(db));
    const issue = (email: string) => {
      const now = new Date();
      return tokens.issue({
        id: randomUUID(),
        purpose: 'email_code',
        email,
        userId: null,
        tokenHash: randomUUID().replaceAll('-', ''),
        now,
        expiresAt: new Date(now.getTime() + 600_000),
      });
    };
    const failures: string[] = [];
    for (let round = 0; round < 20; round++) {
      const stem = `neighbour-${round}-${randomUUID()}`;
      const outcomes = await Promise.allSettled([
        issue(`${stem}-a@example.com`),
        issue(`${stem}-b@example.com`),
        // A double click: the same address twice.
        issue(`${stem}-a@example.com`),
      ]);
      for (const outcome of outcomes)
        if (outcome.status === 'rejected') failures.push(String((outcome.reason as Error).message));
    }
    expect(failures).toEqual([]);
  });
});
