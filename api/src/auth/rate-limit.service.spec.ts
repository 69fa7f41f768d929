import { describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../test/support/test-config.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import type { RateLimitRepository } from './rate-limit.repository.js';
import { RateLimitService } from './rate-limit.service.js';

const NOW = new Date('2026-12-06T12:00:00.000Z');

function setup(env: Record<string, string>) {
  const limits = {
    consume: vi.fn(async () => ({ allowed: true, retryAfterSeconds: 0 })),
    prune: vi.fn(async (_olderThan: Date) => 4),
  };
  const clock = { now: () => NOW } as ClockRepository;
  const service = new RateLimitService(
    limits as unknown as RateLimitRepository,
    clock,
    testConfig(env),
    new CryptoRepository(),
  );
  return { service, limits };
}

describe('RateLimitService.pruneEndedWindows', () => {
  it('deletes only counters older than the longest window of any rule, and the guess budgets after their own', async () => {
    const { service, limits } = setup({
      RATE_LIMIT_SIGN_IN: '5/10s',
      RATE_LIMIT_EMAIL: '3/900s',
      RATE_LIMIT_REFRESH: '30/60s',
      AUTH_LOCKOUT_MINUTES: '30',
    });
    expect(await service.pruneEndedWindows()).toBe(4);
    // The email rule's 15 minutes, not the sign-in rule's 10 s: a 5-minute-old email counter still
    // counts. Guesses at codes for addresses without an account: the lockout's 30 minutes; wrong
    // second-step codes: a day (pruned at 15 minutes, either budget would start over early).
    const longerWindows = [
      { prefix: 'codeGuesses:', olderThan: new Date('2026-12-06T11:30:00.000Z') },
      { prefix: 'secondStep:', olderThan: new Date('2026-12-05T12:00:00.000Z') },
    ];
    expect(limits.prune).toHaveBeenCalledWith(new Date('2026-12-06T11:45:00.000Z'), {
      mayContinue: undefined,
      longerWindows,
    });
    // A maintenance run's deadline reaches the batched delete.
    const mayContinue = () => false;
    await service.pruneEndedWindows(mayContinue);
    expect(limits.prune).toHaveBeenLastCalledWith(new Date('2026-12-06T11:45:00.000Z'), {
      mayContinue,
      longerWindows,
    });
  });

  it('prunes with rate limiting turned off too (counters from before it was turned off)', async () => {
    const { service, limits } = setup({ RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_REFRESH: '30/3600s' });
    await service.consume('signIn', 'login:ip:203.0.113.9');
    expect(limits.consume).not.toHaveBeenCalled();
    await service.pruneEndedWindows();
    expect(limits.prune).toHaveBeenCalledWith(new Date('2026-12-06T11:00:00.000Z'), {
      mayContinue: undefined,
      longerWindows: expect.any(Array),
    });
  });
});
