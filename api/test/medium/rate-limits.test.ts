import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitRepository } from '../../src/auth/rate-limit.repository.js';
import { RateLimitService } from '../../src/auth/rate-limit.service.js';
import type { ClockRepository } from '../../src/common/clock/clock.repository.js';
import { CryptoRepository } from '../../src/common/crypto/crypto.repository.js';
import { DatabaseHandle } from '../../src/database/database-handle.js';
import { testConfig } from '../support/test-config.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

describe.each(testDialects())('database rate limits on %s', (dialect) => {
  let database: TestDatabase;
  let limits: RateLimitRepository;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    limits = new RateLimitRepository(DatabaseHandle.of(database.db));
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('allows `limit` requests per window, then refuses with the seconds left', async () => {
    const start = new Date('2026-01-01T00:00:00.000Z');
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limits.consume('k1', 3, 10, start));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]?.retryAfterSeconds).toBe(10);
    const later = await limits.consume('k1', 3, 10, new Date(start.getTime() + 6_500));
    expect(later).toEqual({ allowed: false, retryAfterSeconds: 4 });
  });

  it('opens a new window once the old one has passed', async () => {
    const start = new Date('2026-01-01T00:00:00.000Z');
    for (let i = 0; i < 3; i++) await limits.consume('k2', 3, 10, start);
    expect((await limits.consume('k2', 3, 10, new Date(start.getTime() + 10_000))).allowed).toBe(true);
  });

  it('tells the count of the current window without counting, and 0 once it has ended', async () => {
    const start = new Date('2026-01-01T00:00:00.000Z');
    expect(await limits.peek('peeked', 60, start)).toBe(0);
    await limits.consume('peeked', 5, 60, start);
    await limits.consume('peeked', 5, 60, start);
    expect(await limits.peek('peeked', 60, new Date(start.getTime() + 59_000))).toBe(2);
    expect(await limits.peek('peeked', 60, new Date(start.getTime() + 59_000))).toBe(2);
    expect(await limits.peek('peeked', 60, new Date(start.getTime() + 60_000))).toBe(0);
  });

  it('counts exactly under concurrency, including the race to create the first row', async () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    const decisions = await Promise.all(Array.from({ length: 20 }, () => limits.consume('k3', 7, 60, now)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    // Every attempt is counted, refused ones too.
    const row = await database.db
      .selectFrom('rateLimits')
      .select('count')
      .where('key', '=', 'k3')
      .executeTakeFirstOrThrow();
    expect(row.count).toBe(20);
  });

  it('keeps keys independent and prunes old windows', async () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    expect((await limits.consume('other', 1, 10, now)).allowed).toBe(true);
    await limits.prune(new Date(now.getTime() + 3_600_000));
    const left = await database.db.selectFrom('rateLimits').select('key').execute();
    expect(left).toEqual([]);
  });

  it('prunes a batch at a time until no ended window is left, and keeps the current ones', async () => {
    const old = new Date('2026-01-01T00:00:00.000Z');
    const current = new Date('2026-01-01T02:00:00.000Z');
    for (const key of ['old-a', 'old-b', 'old-c']) await limits.consume(key, 5, 10, old);
    await limits.consume('current', 5, 10, current);
    expect(await limits.prune(new Date(old.getTime() + 3_600_000), { batchSize: 1 })).toBe(3);
    const left = await database.db.selectFrom('rateLimits').select('key').execute();
    expect(left.map((row) => row.key)).toEqual(['current']);
    await limits.prune(new Date(current.getTime() + 3_600_000));
  });
  it('prunes keys with longer windows (the guess budgets) only after their own cutoff', async () => {
    // Last here: it starts from an empty table.
    await database.db.deleteFrom('rateLimits').execute();
    const now = new Date('2026-03-01T12:00:00.000Z');
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const HOUR = 3_600_000;
    await limits.consume('signIn:ended', 5, 60, ago(2 * 60_000));
    await limits.consume('secondStep:today', 20, 86_400, ago(2 * HOUR));
    await limits.consume('secondStep:yesterday', 20, 86_400, ago(25 * HOUR));
    await limits.consume('codeGuesses:running', 10, 900, ago(10 * 60_000));
    const removed = await limits.prune(ago(60_000), {
      longerWindows: [
        { prefix: 'codeGuesses:', olderThan: ago(15 * 60_000) },
        { prefix: 'secondStep:', olderThan: ago(24 * HOUR) },
      ],
    });
    expect(removed).toBe(2);
    const left = await database.db
      .selectFrom('rateLimits')
      .select('key')
      .where('key', 'in', ['signIn:ended', 'secondStep:today', 'secondStep:yesterday', 'codeGuesses:running'])
      .orderBy('key')
      .execute();
    expect(left.map((row) => row.key)).toEqual(['codeGuesses:running', 'secondStep:today']);
  });

  // Found by mutation testing (2026-12-07): the key column holds 200 characters and an address
  // may have 320; only the service's digest of long keys keeps the insert from failing (a 500), and
  // no test sent a long address.
  // Last: its rows would count in the whole-table checks above.
  it('counts a request for the longest valid address without overflowing the key column', async () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.com`;
    expect(email.length).toBeLessThanOrEqual(320);
    const now = new Date('2026-12-07T00:00:00.000Z');
    const service = new RateLimitService(
      limits,
      { now: () => now } as ClockRepository,
      testConfig({ RATE_LIMIT_ENABLED: 'true' }),
      new CryptoRepository(),
    );
    await expect(service.consume('email', `address:${email}`)).resolves.toBeUndefined();
    await expect(service.codeGuessesLeft(email)).resolves.toBe(true);
  });
});
