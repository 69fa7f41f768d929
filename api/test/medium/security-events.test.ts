import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityActivityService } from '../../src/auth/security-activity.service.js';
import { SecurityEventsRepository } from '../../src/auth/security-events.repository.js';
import type { ClockRepository } from '../../src/common/clock/clock.repository.js';
import { CryptoRepository } from '../../src/common/crypto/crypto.repository.js';
import { DatabaseHandle } from '../../src/database/database-handle.js';
import { newUserRow } from '../../src/users/new-user.js';
import { UsersRepository } from '../../src/users/users.repository.js';
import { testConfig } from '../support/test-config.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

const DAY = 24 * 60 * 60 * 1000;

describe.each(testDialects())('security events on %s', (dialect) => {
  let database: TestDatabase;
  let users: UsersRepository;
  let activity: SecurityActivityService;
  let now = new Date('2026-12-06T12:00:00.000Z');
  const crypto = new CryptoRepository();
  const client = { ip: '203.0.113.7', userAgent: 'Browser/1.0' };

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const handle = DatabaseHandle.of(database.db);
    users = new UsersRepository(handle);
    const clock = { now: () => now } as ClockRepository;
    activity = new SecurityActivityService(
      new SecurityEventsRepository(handle),
      crypto,
      clock,
      testConfig({ SECURITY_EVENT_RETENTION_DAYS: '30' }),
    );
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function newUser(): Promise<string> {
    const id = crypto.uuid();
    await users.create(
      newUserRow({
        id,
        email: `${id}@example.com`,
        username: `u_${id.slice(0, 20)}`,
        passwordHash: null,
        emailVerifiedAt: now,
        now,
      }),
    );
    return id;
  }
  const list = (userId: string, query: { limit: number; cursor?: { createdAt: Date; id: string } }) =>
    activity.list({ method: 'bearer', userId, sessionId: crypto.uuid(), role: 'user' }, query);

  it('commits a change and its event together, or neither', async () => {
    const userId = await newUser();
    await activity.withEvents(
      (trx) => users.update(userId, { displayName: 'Changed', updatedAt: now }, trx),
      activity.event(userId, 'password_changed', { client }),
    );
    expect((await users.findById(userId))?.displayName).toBe('Changed');

    // The event cannot be stored (its account does not exist): the change is undone with it.
    await expect(
      activity.withEvents(
        (trx) => users.update(userId, { displayName: 'Lost', updatedAt: now }, trx),
        activity.event(crypto.uuid(), 'password_changed', { client }),
      ),
    ).rejects.toThrow();
    expect((await users.findById(userId))?.displayName).toBe('Changed');

    // The change fails: no event.
    await expect(
      activity.withEvents(
        async () => {
          throw new Error('the change failed');
        },
        activity.event(userId, 'email_changed', { client }),
      ),
    ).rejects.toThrow('the change failed');
    const page = await list(userId, { limit: 10 });
    expect(page.items.map((event) => event.type)).toEqual(['password_changed']);
    expect(page.items[0]).toMatchObject({
      ip: '203.0.113.7',
      userAgent: 'Browser/1.0',
      detail: null,
      byAdmin: false,
    });
  });

  it('lists newest first with ties broken by id, pages without gaps or repeats, and reads byAdmin as a boolean', async () => {
    const userId = await newUser();
    const other = await newUser();
    const at = (offsetMs: number) => {
      now = new Date(Date.UTC(2026, 11, 6, 12) + offsetMs);
    };
    for (const [offset, by] of [
      [0, { client }],
      [1000, 'admin'],
      [1000, 'admin'],
      [1000, 'system'],
      [2000, { client }],
    ] as const) {
      at(offset);
      await activity.withEvents(async () => undefined, activity.event(userId, 'signed_in', by, 'password'));
    }
    at(5000);
    await activity.withEvents(
      async () => undefined,
      activity.event(other, 'signed_in', { client }, 'passkey'),
    );

    const all = await list(userId, { limit: 100 });
    expect(all.items.map((event) => event.createdAt)).toEqual([
      '2026-12-06T12:00:02.000Z',
      '2026-12-06T12:00:01.000Z',
      '2026-12-06T12:00:01.000Z',
      '2026-12-06T12:00:01.000Z',
      '2026-12-06T12:00:00.000Z',
    ]);
    const tied = all.items.slice(1, 4).map((event) => event.id);
    expect(tied).toEqual([...tied].sort().reverse());
    // The two administrator's events (tied with a system one, so in id order among it) read as booleans.
    const byAdmin = all.items.filter((event) => event.byAdmin === true);
    expect(byAdmin.map((event) => event.createdAt)).toEqual([
      '2026-12-06T12:00:01.000Z',
      '2026-12-06T12:00:01.000Z',
    ]);
    expect(byAdmin.every((event) => event.ip === null && event.userAgent === null)).toBe(true);
    expect(all.items.filter((event) => event.byAdmin === false)).toHaveLength(3);

    const ids: string[] = [];
    let cursor: string | null | undefined;
    do {
      const decoded = cursor
        ? (() => {
            const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
            return { createdAt: new Date(iso as string), id: id as string };
          })()
        : undefined;
      const page = await list(userId, { limit: 2, cursor: decoded });
      ids.push(...page.items.map((event) => event.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toEqual(all.items.map((event) => event.id));
  });

  it('deletes the events older than the retention, in batches, and an erased account takes its own', async () => {
    const userId = await newUser();
    const kept = await newUser();
    now = new Date('2026-12-06T12:00:00.000Z');
    for (const days of [40, 35, 31, 29, 1]) {
      const at = new Date(now.getTime() - days * DAY);
      const event = { ...activity.event(userId, 'signed_in', { client }, 'password'), createdAt: at };
      await activity.withEvents(async () => undefined, event);
    }
    await activity.withEvents(
      async () => undefined,
      activity.event(kept, 'signed_in', { client }, 'password'),
    );
    const repository = new SecurityEventsRepository(DatabaseHandle.of(database.db));
    // Older than 30 days, two at a time (two batches): the events of 40, 35 and 31 days ago.
    expect(await repository.deleteOlderThan(new Date(now.getTime() - 30 * DAY), { batchSize: 2 })).toBe(3);
    // The configured retention (30 days here) finds nothing more.
    expect(await activity.deleteExpired()).toBe(0);
    const left = await list(userId, { limit: 10 });
    expect(left.items.map((event) => event.createdAt)).toEqual([
      new Date(now.getTime() - DAY).toISOString(),
      new Date(now.getTime() - 29 * DAY).toISOString(),
    ]);

    await users.erasePersonalData({ id: userId }, now);
    expect((await list(userId, { limit: 10 })).items).toEqual([]);
    expect((await list(kept, { limit: 10 })).items).toHaveLength(1);
  });
});
