import { describe, expect, it } from 'vitest';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import { loadConfig } from '../config/app-config.js';
import { SessionStatusCache } from './session-status.cache.js';
import type { SessionStatus, SessionsRepository } from './sessions.repository.js';

const ACTIVE: SessionStatus = { userId: 'user-1', active: true, role: 'user' };

/** A sessions repository whose lookups the test answers (or fails) one by one. */
function harness(sessionCacheSeconds = 5) {
  const pending: {
    sessionId: string;
    resolve: (status: SessionStatus) => void;
    reject: (error: Error) => void;
  }[] = [];
  const sessions = {
    status: (sessionId: string) =>
      new Promise<SessionStatus | undefined>((resolve, reject) =>
        pending.push({ sessionId, resolve, reject }),
      ),
  } as unknown as SessionsRepository;
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => new Date(now) } as ClockRepository;
  const config = loadConfig(
    { NODE_ENV: 'test', AUTH_SESSION_CACHE_SECONDS: String(sessionCacheSeconds) },
    '/',
  );
  return {
    cache: new SessionStatusCache(sessions, clock, config),
    pending,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('SessionStatusCache', () => {
  it('sends one lookup for the requests that arrive while it runs, and answers them all', async () => {
    const { cache, pending } = harness();
    const answers = Array.from({ length: 50 }, () => cache.get('session-1'));
    expect(pending).toHaveLength(1);
    pending[0]?.resolve(ACTIVE);
    expect(await Promise.all(answers)).toEqual(Array(50).fill(ACTIVE));
    expect(await cache.get('session-1')).toEqual(ACTIVE);
    expect(pending).toHaveLength(1);
  });

  it('asks again once the TTL has passed, once for all waiting requests', async () => {
    const { cache, pending, advance } = harness(5);
    const first = cache.get('session-1');
    pending[0]?.resolve(ACTIVE);
    await first;
    advance(5_001);
    const again = [cache.get('session-1'), cache.get('session-1'), cache.get('session-1')];
    expect(pending).toHaveLength(2);
    pending[1]?.resolve({ ...ACTIVE, active: false });
    expect((await Promise.all(again)).map((status) => status?.active)).toEqual([false, false, false]);
  });

  it('shares a failure with the requests waiting on it, then forgets it', async () => {
    const { cache, pending } = harness();
    const waiting = [cache.get('session-1'), cache.get('session-1')];
    pending[0]?.reject(new Error('database unavailable'));
    for (const answer of waiting) await expect(answer).rejects.toThrow('database unavailable');
    const retry = cache.get('session-1');
    expect(pending).toHaveLength(2);
    pending[1]?.resolve(ACTIVE);
    expect(await retry).toEqual(ACTIVE);
  });

  it('drops a session on invalidate, even while its lookup runs', async () => {
    const { cache, pending } = harness();
    const stale = cache.get('session-1');
    cache.invalidate(['session-1']);
    const fresh = cache.get('session-1');
    expect(pending).toHaveLength(2);
    pending[0]?.resolve(ACTIVE);
    pending[1]?.resolve({ ...ACTIVE, active: false });
    expect(await stale).toEqual(ACTIVE);
    expect((await fresh)?.active).toBe(false);
    expect((await cache.get('session-1'))?.active).toBe(false);
  });

  it("drops a user's sessions and every running lookup on invalidateUser, and keeps other users'", async () => {
    const { cache, pending } = harness();
    const own = cache.get('session-1');
    const other = cache.get('session-2');
    pending[0]?.resolve(ACTIVE);
    pending[1]?.resolve({ userId: 'user-2', active: true, role: 'admin' });
    await Promise.all([own, other]);
    const running = cache.get('session-3');
    cache.invalidateUser('user-1');
    expect(pending).toHaveLength(3);
    void cache.get('session-1');
    void cache.get('session-3');
    await cache.get('session-2');
    expect(pending.map((lookup) => lookup.sessionId)).toEqual([
      'session-1',
      'session-2',
      'session-3',
      'session-1',
      'session-3',
    ]);
    pending[2]?.resolve(ACTIVE);
    await running;
  });

  it('with a TTL of 0 asks on every request', async () => {
    const { cache, pending } = harness(0);
    void cache.get('session-1');
    void cache.get('session-1');
    expect(pending).toHaveLength(2);
  });
});
