import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LazyRequestLogger } from './lazy-request-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info', base: undefined }, stream) };
}

describe('LazyRequestLogger', () => {
  it('creates no child logger for a request that never logs', () => {
    const { logger } = capture();
    const lazy = new LazyRequestLogger(logger, { reqId: 'r1' }, {});
    expect(lazy.level).toBe('info');
    expect(lazy.materialised).toBe(false);
  });

  it('logs through a child bound to the request id, made once on first use', async () => {
    const { lines, logger } = capture();
    const lazy = new LazyRequestLogger(logger, { reqId: 'r2' }, {});
    lazy.error({ code: 'X' }, 'first');
    lazy.warn('second');
    lazy.debug('below the level');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lazy.materialised).toBe(true);
    expect(lines).toEqual([
      expect.objectContaining({ reqId: 'r2', code: 'X', msg: 'first', level: 50 }),
      expect.objectContaining({ reqId: 'r2', msg: 'second', level: 40 }),
    ]);
  });

  it('passes a level change to the child', () => {
    const { logger } = capture();
    const lazy = new LazyRequestLogger(logger, { reqId: 'r3' }, {});
    lazy.level = 'debug';
    expect(lazy.level).toBe('debug');
    expect(logger.level).toBe('info');
  });
});
