import { describe, expect, it, vi } from 'vitest';
import { recordedSecurityActivity } from '../../test/support/recorded-security-activity.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import type { CryptoRepository } from '../common/crypto/crypto.repository.js';
import type { AppConfig } from '../config/app-config.js';
import { SecurityActivityService } from './security-activity.service.js';
import type { SecurityEventsRepository } from './security-events.repository.js';

const T0 = new Date('2026-12-06T12:00:00.000Z');
const clock = { now: () => T0 } as ClockRepository;

describe('SecurityActivityService.event', () => {
  it("keeps the owner's address and browser, and none for an administrator or the system", () => {
    const { activity } = recordedSecurityActivity(clock);
    const client = { ip: '203.0.113.7', userAgent: 'Browser/1.0' };
    expect(activity.event('user-1', 'signed_in', { client }, 'passkey')).toMatchObject({
      userId: 'user-1',
      type: 'signed_in',
      createdAt: T0,
      ip: '203.0.113.7',
      userAgent: 'Browser/1.0',
      detail: 'passkey',
      byAdmin: false,
    });
    expect(activity.event('user-1', 'account_disabled', 'admin')).toMatchObject({
      ip: null,
      userAgent: null,
      detail: null,
      byAdmin: true,
    });
    expect(activity.event('user-1', 'account_locked', 'system')).toMatchObject({ ip: null, byAdmin: false });
  });

  it('cuts a user agent and a detail to what their columns hold, so a long one cannot fail the change', () => {
    const { activity } = recordedSecurityActivity(clock);
    const event = activity.event(
      'user-1',
      'api_key_created',
      { client: { ip: '203.0.113.7', userAgent: 'u'.repeat(2000) } },
      'n'.repeat(300),
    );
    expect(event.userAgent).toHaveLength(512);
    expect(event.detail).toHaveLength(100);
  });

  it('records the events of a change only as far as its outcome says', async () => {
    const { activity, types } = recordedSecurityActivity(clock);
    const client = { ip: '203.0.113.7', userAgent: null };
    await activity.withEvents(
      async () => 'limit' as string,
      (outcome) => outcome === 'created' && activity.event('user-1', 'passkey_added', { client }, 'Laptop'),
    );
    expect(types()).toEqual([]);
    await activity.withEvents(
      async () => true,
      (locked) => [
        activity.event('user-1', 'sign_in_failed', { client }, 'password'),
        locked && activity.event('user-1', 'account_locked', 'system'),
        undefined,
      ],
    );
    expect(types()).toEqual(['sign_in_failed:password', 'account_locked']);
  });
});

function row(index: number) {
  return {
    id: `00000000-0000-4000-8000-00000000000${index}`,
    userId: 'user-1',
    type: 'signed_in',
    createdAt: new Date(Date.UTC(2026, 11, 6, 12, 0, index)),
    ip: null,
    userAgent: null,
    detail: null,
    byAdmin: false,
  };
}

function serviceOver(rows: ReturnType<typeof row>[]) {
  const events = {
    listByUser: vi.fn(async (_userId: string, { limit }: { limit: number }) => rows.slice(0, limit)),
  } as unknown as SecurityEventsRepository;
  return new SecurityActivityService(
    events,
    {} as CryptoRepository,
    { now: () => new Date() } as ClockRepository,
    {} as AppConfig,
  );
}

// A last page that happens to be full must not promise another (a client would ask for an empty page).
describe('SecurityActivityService.listOf paging', () => {
  it('gives a cursor only when there is more, not for a last page that is exactly full', async () => {
    const exactlyFull = await serviceOver([row(1), row(2)]).listOf('user-1', { limit: 2 } as never);
    expect(exactlyFull.items).toHaveLength(2);
    expect(exactlyFull.nextCursor).toBeNull();
    const more = await serviceOver([row(1), row(2), row(3)]).listOf('user-1', { limit: 2 } as never);
    expect(more.items).toHaveLength(2);
    expect(more.nextCursor).not.toBeNull();
  });
});
