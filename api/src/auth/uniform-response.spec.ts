import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import { loadConfig } from '../config/app-config.js';
import { UniformResponse } from './uniform-response.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/**
 * A floor of 500 ms on a clock that moves only when the work takes time (`advance`) or a wait
 * ends. Waits end when the test says (`endWait`), so it can see what is held back until then.
 */
function harness() {
  let elapsed = 0;
  const events: string[] = [];
  const waits: (() => void)[] = [];
  const clock = {
    now: () => new Date(T0 + elapsed),
    sleep: vi.fn(
      (ms: number) =>
        new Promise<void>((resolve) => {
          waits.push(() => {
            elapsed += ms;
            events.push(`slept ${ms}`);
            resolve();
          });
        }),
    ),
  };
  const config = loadConfig({ NODE_ENV: 'test', AUTH_UNIFORM_RESPONSE_MS: '500' }, '/');
  const logger = { warn: vi.fn() } as unknown as Logger;
  return {
    uniform: new UniformResponse(clock as unknown as ClockRepository, config, logger),
    clock,
    events,
    advance(ms: number) {
      elapsed += ms;
    },
    endWait() {
      waits.shift()?.();
    },
    elapsed: () => elapsed,
  };
}

describe('UniformResponse.run', () => {
  // Work that fails for an existing account only (its mail refused, its token write failing),
  // answered at once, would tell by its timing that the account exists.
  it('pads work that throws to the floor too, and only then passes its error on', async () => {
    const { uniform, clock, events, advance, endWait, elapsed } = harness();
    const refusal = new Error('refused after 120 ms of work');
    const run = uniform
      .run(async () => {
        advance(120);
        events.push('threw');
        throw refusal;
      })
      .catch((error: unknown) => events.push(error === refusal ? 'rejected with it' : 'another error'));
    await new Promise((resolve) => setImmediate(resolve));
    // Waiting out the rest of the floor, the error not out yet.
    expect(clock.sleep).toHaveBeenCalledWith(380);
    expect(events).toEqual(['threw']);
    endWait();
    await run;
    expect(events).toEqual(['threw', 'slept 380', 'rejected with it']);
    expect(clock.sleep).toHaveBeenCalledTimes(1);
    expect(elapsed()).toBe(500);
  });
});
