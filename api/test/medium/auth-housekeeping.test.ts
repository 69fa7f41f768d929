import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitRepository } from '../../src/auth/rate-limit.repository.js';
import { RateLimitService } from '../../src/auth/rate-limit.service.js';
import { SessionsRepository } from '../../src/auth/sessions.repository.js';
import type { ClockRepository } from '../../src/common/clock/clock.repository.js';
import { CryptoRepository } from '../../src/common/crypto/crypto.repository.js';
import { DatabaseHandle } from '../../src/database/database-handle.js';
import { newUserRow } from '../../src/users/new-user.js';
import { UsersRepository } from '../../src/users/users.repository.js';
import { testConfig } from '../support/test-config.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-12-06T12:00:00.000Z');

describe.each(testDialects())('auth housekeeping on %s', (dialect) => {
  let database: TestDatabase;
  let sessions: SessionsRepository;
  let userId: string;
  const crypto = new CryptoRepository();

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    sessions = new SessionsRepository(DatabaseHandle.of(database.db));
    userId = crypto.uuid();
    const users = new UsersRepository(DatabaseHandle.of(database.db));
    await users.create(
      newUserRow({
        id: userId,
        email: `${userId}@example.com`,
        username: `u_${userId.slice(0, 20)}`,
        passwordHash: null,
        emailVerifiedAt: NOW,
        now: NOW,
      }),
    );
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A session with `tokens` refresh tokens (a rotation chain), revoked or expiring as given. */
  async function newSession(ends: { revokedAt?: Date; expiresAt?: Date }, tokens = 1): Promise<string> {
    const id = crypto.uuid();
    await sessions.create({
      id,
      userId,
      now: new Date(NOW.getTime() - 60 * DAY),
      expiresAt: ends.expiresAt ?? new Date(NOW.getTime() + DAY),
      userAgent: 'Browser',
      ip: '203.0.113.9',
      refreshTokenId: crypto.uuid(),
      refreshTokenHash: crypto.sha256(crypto.uuid()),
      signInMethod: 'password',
    });
    let parentId = (
      await database.db
        .selectFrom('refreshTokens')
        .select('id')
        .where('sessionId', '=', id)
        .executeTakeFirstOrThrow()
    ).id;
    for (let i = 1; i < tokens; i++) {
      const next = crypto.uuid();
      await database.db
        .insertInto('refreshTokens')
        .values({ id: next, sessionId: id, parentId, tokenHash: crypto.sha256(next), createdAt: NOW })
        .execute();
      parentId = next;
    }
    if (ends.revokedAt)
      await database.db
        .updateTable('sessions')
        .set({ revokedAt: ends.revokedAt, revokedReason: 'logout' })
        .where('id', '=', id)
        .execute();
    return id;
  }

  it('deletes sessions that ended before the cutoff, in batches, with their refresh-token chains', async () => {
    const cutoff = new Date(NOW.getTime() - 30 * DAY);
    const gone = [
      await newSession({ revokedAt: new Date(cutoff.getTime() - 1) }, 3),
      await newSession({ expiresAt: new Date(cutoff.getTime() - DAY) }, 2),
      await newSession({ revokedAt: new Date(cutoff.getTime() - 5 * DAY) }),
      await newSession({
        revokedAt: new Date(cutoff.getTime() - DAY),
        expiresAt: new Date(NOW.getTime() + DAY),
      }),
      await newSession({ expiresAt: new Date(cutoff.getTime() - 2 * DAY) }),
    ];
    const kept = [
      await newSession({}, 4),
      await newSession({ revokedAt: new Date(cutoff.getTime() + 1) }, 2),
      await newSession({ expiresAt: new Date(cutoff.getTime() + DAY) }),
    ];
    // Five ended sessions in batches of two: three rounds, the last one short.
    expect(await sessions.deleteEnded(cutoff, { batchSize: 2 })).toBe(5);
    const left = await database.db.selectFrom('sessions').select('id').where('userId', '=', userId).execute();
    expect(left.map((row) => row.id).sort()).toEqual([...kept].sort());
    const tokens = await database.db.selectFrom('refreshTokens').select('sessionId').execute();
    expect(tokens.filter((row) => gone.includes(row.sessionId))).toEqual([]);
    expect(tokens.filter((row) => kept.includes(row.sessionId))).toHaveLength(7);
    // Nothing left to do: a second run deletes nothing.
    expect(await sessions.deleteEnded(cutoff, { batchSize: 2 })).toBe(0);
  });

  it('prunes the rate-limit counters whose window ended under the longest configured rule', async () => {
    const config = testConfig();
    const rules = config.auth.rateLimits;
    const longest = Math.max(
      rules.signIn.windowSeconds,
      rules.email.windowSeconds,
      rules.refresh.windowSeconds,
    );
    const limits = new RateLimitRepository(DatabaseHandle.of(database.db));
    const clock = { now: () => NOW } as ClockRepository;
    const service = new RateLimitService(limits, clock, config, crypto);
    // Ended under every rule: started longer ago than the longest window.
    await limits.consume(
      'email:address:old@example.com',
      3,
      longest,
      new Date(NOW.getTime() - longest * 1000 - 1),
    );
    // Still running under the longest rule, though ended under a shorter one.
    await limits.consume(
      'signIn:login:ip:203.0.113.9',
      5,
      10,
      new Date(NOW.getTime() - longest * 1000 + 1000),
    );
    expect(longest).toBeGreaterThan(10);
    expect(await service.pruneEndedWindows()).toBe(1);
    const left = await database.db.selectFrom('rateLimits').select('key').execute();
    expect(left.map((row) => row.key)).toEqual(['signIn:login:ip:203.0.113.9']);
    expect(await service.pruneEndedWindows()).toBe(0);
  });
});
