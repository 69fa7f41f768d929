import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BufferedDestination, bufferedDestination } from './logger.js';

const FLUSH_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('bufferedDestination', () => {
  let dir: string;
  let destination: BufferedDestination | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudnest-logger-'));
  });
  afterEach(async () => {
    destination?.end();
    destination = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('holds a short line back, then writes it within the flush interval when traffic stops', async () => {
    const file = join(dir, 'app.log');
    destination = bufferedDestination(file, FLUSH_MS);
    const logger = pino({ base: undefined }, destination);
    logger.info('only line');
    expect(await readFile(file, 'utf8').catch(() => '')).toBe('');
    await sleep(FLUSH_MS * 10);
    expect(await readFile(file, 'utf8')).toContain('"msg":"only line"');
  });

  it('keeps no listeners behind while lines keep coming across many flush intervals', async () => {
    const file = join(dir, 'busy.log');
    destination = bufferedDestination(file, 1);
    const baseline = destination.listenerCount('drain') + destination.listenerCount('error');
    const logger = pino({ base: undefined }, destination);
    const until = Date.now() + 150;
    let peak = 0;
    while (Date.now() < until) {
      for (let line = 0; line < 200; line++) logger.info({ line, filler: 'x'.repeat(200) }, 'busy');
      peak = Math.max(peak, destination.listenerCount('drain') + destination.listenerCount('error'));
      await new Promise((resolve) => setImmediate(resolve));
      await sleep(2);
    }
    expect(peak).toBe(baseline);
  });

  it('stops flushing once the destination is closed', async () => {
    destination = bufferedDestination(join(dir, 'closed.log'), 1);
    const closed = new Promise((resolve) => destination?.once('close', resolve));
    destination.end();
    await closed;
    destination = undefined;
    // A flush after close would throw 'SonicBoom destroyed' from the timer and fail this test.
    await sleep(20);
  });
});
