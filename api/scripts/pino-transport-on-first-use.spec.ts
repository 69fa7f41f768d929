import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyPackageWithRewrites } from '../test/support/rewritten-package.js';
import { exportTransportOnFirstUse, toolsTransportOnFirstUse } from './pino-transport-on-first-use.js';

const require = createRequire(import.meta.url);
const installedRoot = dirname(require.resolve('pino/package.json'));

/**
 * A copy of the installed pino (its own node_modules included) rewritten as the bundles rewrite
 * it; the dependencies npm hoisted resolve through NODE_PATH.
 */
const workDir = mkdtempSync(join(tmpdir(), 'cloudnest-pino-'));
const rewrittenRoot = join(workDir, 'pino');
copyPackageWithRewrites(installedRoot, rewrittenRoot, [
  ['pino.js', exportTransportOnFirstUse],
  ['lib/tools.js', toolsTransportOnFirstUse],
]);
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface Probe {
  readonly workerThreadsLoaded: boolean;
  readonly threadStreamLoaded: boolean;
  readonly exportedNames: string[];
  readonly result: unknown;
}

/** Runs `body` (given `pino`) in a fresh Node process and reports what it had loaded by the end. */
function probe(root: string, body = 'return null;'): Probe {
  const script = `
    const pino = require(${JSON.stringify(root)});
    const result = (() => { ${body} })();
    console.log(JSON.stringify({
      workerThreadsLoaded: process.moduleLoadList.includes('NativeModule worker_threads'),
      threadStreamLoaded: Object.keys(require.cache).some((path) => path.includes('thread-stream')),
      exportedNames: Object.keys(pino),
      result,
    }));`;
  const env = { ...process.env, NODE_PATH: dirname(installedRoot) };
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env })) as Probe;
}

describe('pinoTransportOnFirstUse', () => {
  it('imports pino without thread-stream and worker_threads, which the installed pino loads', () => {
    const original = probe(installedRoot);
    expect(original.workerThreadsLoaded).toBe(true);
    expect(original.threadStreamLoaded).toBe(true);
    const rewritten = probe(rewrittenRoot);
    expect(rewritten.workerThreadsLoaded).toBe(false);
    expect(rewritten.threadStreamLoaded).toBe(false);
    expect(rewritten.exportedNames).toEqual(original.exportedNames);
  });

  it('logs the same lines to a synchronous destination', () => {
    const body = `
      const lines = [];
      const logger = pino({ base: undefined, timestamp: false }, { write: (line) => lines.push(line) });
      logger.info({ id: 7 }, 'hello');
      logger.child({ part: 'x' }).warn('careful');
      return lines;`;
    const rewritten = probe(rewrittenRoot, body);
    expect(rewritten.result).toEqual(probe(installedRoot, body).result);
    expect(rewritten.result).toEqual([
      '{"level":30,"id":7,"msg":"hello"}\n',
      '{"level":40,"part":"x","msg":"careful"}\n',
    ]);
    expect(rewritten.workerThreadsLoaded).toBe(false);
  });

  it('loads the transport machinery when it is used', () => {
    const asynchronous = probe(
      rewrittenRoot,
      'pino(pino.destination({ dest: 1, sync: false })); return null;',
    );
    expect(asynchronous.workerThreadsLoaded).toBe(true);
    const transport = probe(rewrittenRoot, 'return typeof pino.transport;');
    expect(transport.result).toBe('function');
    expect(transport.threadStreamLoaded).toBe(true);
  });

  it('fails the build when pino changes the rewritten lines', () => {
    expect(() => exportTransportOnFirstUse('module.exports = pino', 'pino.js')).toThrow(/found it 0 times/);
    expect(() => toolsTransportOnFirstUse("const transport = require('./transport')", 'tools.js')).toThrow(
      /found it 0 times/,
    );
  });
});
