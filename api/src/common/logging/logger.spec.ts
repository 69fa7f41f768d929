import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isoTimestamp } from './logger.js';

describe('isoTimestamp', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** What pino's own ISO time function writes at `time`. */
  const pinoIsoTime = (time: number) => {
    vi.spyOn(Date, 'now').mockReturnValue(time);
    const text = pino.stdTimeFunctions.isoTime();
    vi.restoreAllMocks();
    return text;
  };

  it("writes what pino's isoTime writes, for each millisecond the clock shows", () => {
    const instants = [0, 1_764_766_800_000, 1_764_766_800_001, 1_764_766_800_999, 1_764_766_801_000];
    let clock = 0;
    const timestamp = isoTimestamp(() => clock);
    for (const instant of instants) {
      clock = instant;
      expect(timestamp()).toBe(pinoIsoTime(instant));
      expect(timestamp()).toBe(pinoIsoTime(instant));
    }
  });

  it('formats again when the clock moves back', () => {
    let clock = 1_764_766_800_500;
    const timestamp = isoTimestamp(() => clock);
    expect(timestamp()).toBe(',"time":"2025-12-03T13:00:00.500Z"');
    clock -= 1_000;
    expect(timestamp()).toBe(',"time":"2025-12-03T12:59:59.500Z"');
  });
});
