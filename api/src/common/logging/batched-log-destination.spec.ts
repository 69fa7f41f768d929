import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchedLogDestination, type LogFile } from './batched-log-destination.js';

const FLUSH_MS = 20;
/** Long enough that only a full batch, flushSync or end() can make a line reach the file. */
const NEVER_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);

/** Polls the file until it contains `text` (true) or two seconds pass (false): no fixed waits. */
async function eventuallyContains(path: string, text: string): Promise<boolean> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    if ((await readFile(path, 'utf8').catch(() => '')).includes(text)) return true;
    await sleep(10);
  }
  return false;
}

describe('BatchedLogDestination', () => {
  let dir: string;
  let destination: BatchedLogDestination | undefined;
  let file: LogFile | undefined;

  const open = (name: string, flushMs: number) => {
    const path = join(dir, name);
    file = pino.destination({ dest: path, sync: false });
    destination = new BatchedLogDestination(file, flushMs);
    return { path, logger: pino({ base: undefined }, destination) };
  };
  const closed = () => new Promise((resolve) => file?.once('close', resolve));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudnest-logger-'));
  });
  afterEach(async () => {
    destination?.end();
    destination = undefined;
    file = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('holds a short line back, then writes it within the flush interval when traffic stops', async () => {
    const { path, logger } = open('app.log', 200);
    logger.info('only line');
    expect(await readFile(path, 'utf8').catch(() => '')).toBe('');
    expect(await eventuallyContains(path, '"msg":"only line"')).toBe(true);
  });

  it('hands a full batch over at once, without waiting for the timer', async () => {
    const { path, logger } = open('batch.log', NEVER_MS);
    for (let line = 0; line < 60; line++) logger.info({ line, filler: 'x'.repeat(100) }, 'batch');
    expect(await eventuallyContains(path, '"line":0,')).toBe(true);
    // The last lines did not fill a batch: they wait for the timer, flushSync or end().
    expect(await readFile(path, 'utf8')).not.toContain('"line":59,');
  });

  it('writes every line once and in order, across batches and the final end()', async () => {
    const { path, logger } = open('order.log', FLUSH_MS);
    for (let line = 0; line < 2000; line++) {
      logger.info({ line }, 'ordered');
      if (line % 300 === 0) await sleep(1);
    }
    const done = closed();
    destination?.end();
    destination = undefined;
    await done;
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines.map((text) => (JSON.parse(text) as { line: number }).line)).toEqual(
      Array.from({ length: 2000 }, (_, index) => index),
    );
  });

  it('keeps no listeners behind on the file while lines keep coming across many flush intervals', async () => {
    const { logger } = open('busy.log', 1);
    const listeners = () => (file?.listenerCount('drain') ?? 0) + (file?.listenerCount('error') ?? 0);
    const baseline = listeners();
    const until = Date.now() + 150;
    let peak = 0;
    while (Date.now() < until) {
      for (let line = 0; line < 200; line++) logger.info({ line, filler: 'x'.repeat(200) }, 'busy');
      peak = Math.max(peak, listeners());
      await new Promise((resolve) => setImmediate(resolve));
      await sleep(2);
    }
    expect(peak).toBe(baseline);
  });

  it('stops its timer once the file is closed, and drops lines written after that', async () => {
    const { path, logger } = open('closed.log', 1);
    logger.info('before end');
    const done = closed();
    destination?.end();
    await done;
    // A hand-over to the closed file would throw 'SonicBoom destroyed' (from the timer or here).
    logger.info('after end');
    await sleep(20);
    destination = undefined;
    expect(await readFile(path, 'utf8')).toContain('"msg":"before end"');
    expect(await readFile(path, 'utf8')).not.toContain('after end');
  });

  it('writes the lines still gathered when the process exits', async () => {
    const path = join(dir, 'exit.log');
    const script = join(dir, 'exit.ts');
    await writeFile(
      script,
      [
        "import { openSync } from 'node:fs';",
        `import { batchedLogDestination } from ${JSON.stringify(join(import.meta.dirname, 'batched-log-destination.js'))};`,
        // A descriptor, as in production (stdout): a path would still be opening at exit.
        `const destination = batchedLogDestination(openSync(${JSON.stringify(path)}, 'a'), ${NEVER_MS});`,
        `destination.write('{"msg":"last words"}\\n');`,
        'process.exit(0);',
      ].join('\n'),
    );
    await run(process.execPath, ['--import', 'tsx', script], { cwd: import.meta.dirname });
    expect(await readFile(path, 'utf8')).toContain('"msg":"last words"');
  });
});
