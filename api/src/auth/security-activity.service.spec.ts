import { describe, expect, it } from 'vitest';
import { recordedSecurityActivity } from '../../test/support/recorded-security-activity.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';

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
