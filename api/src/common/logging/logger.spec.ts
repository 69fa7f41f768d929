import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchedLogDestination } from './batched-log-destination.js';
import { createLogger, isoTimestamp } from './logger.js';

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

describe('createLogger', () => {
  /** The stream a pino logger writes to (pino's public symbol for it). */
  const destinationOf = (logger: ReturnType<typeof createLogger>) =>
    (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];

  it('writes synchronously to stdout unless asked to be asynchronous (Lambda, the CLIs)', () => {
    const destination = destinationOf(createLogger({ level: 'info', pretty: false }));
    expect(destination).toMatchObject({ fd: 1, sync: true });
  });

  it('batches non-blocking writes for the long-running server', () => {
    // (Its flush timer is unref'd; ending it would close this worker's stdout.)
    const logger = createLogger({ level: 'info', pretty: false, asynchronous: true });
    expect(destinationOf(logger)).toBeInstanceOf(BatchedLogDestination);
  });
});
