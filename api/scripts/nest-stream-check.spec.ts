import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { checkStreamsFirst } from './nest-stream-check.js';

/** The shape of Nest's `pickStreamingBody` early return, with a result past it. */
const SAMPLE = `globalThis.pick = (result, handlerStreams) => {
  if (!isPlainObject(result) || !handlerStreams.some(isStreamingBody)) {
    return undefined;
  }
  return 'wrapped stream';
};`;

/** Runs a (rewritten) sample with an `isPlainObject` that counts its calls. */
function load(source: string) {
  const calls = { isPlainObject: 0 };
  const context = {
    isPlainObject: (value: unknown) => {
      calls.isPlainObject++;
      return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
    },
    isStreamingBody: (value: unknown) => value === 'stream',
    globalThis: {} as { pick?: (result: unknown, streams: unknown[]) => unknown },
  };
  context.globalThis = context as never;
  runInNewContext(source, context);
  const pick = (context as { pick?: (result: unknown, streams: unknown[]) => unknown }).pick;
  if (!pick) throw new Error('sample did not load');
  return { pick, calls };
}

describe('checkStreamsFirst', () => {
  it('answers as before for every kind of result and handler stream list', () => {
    const original = load(SAMPLE).pick;
    const rewritten = load(checkStreamsFirst(SAMPLE, 'sample.js')).pick;
    const results = [{ data: 1 }, 'text', new (class Dto {})(), null];
    const streamLists = [[], ['stream'], ['not a stream']];
    for (const result of results) {
      for (const streams of streamLists) {
        expect(rewritten(result, streams)).toBe(original(result, streams));
      }
    }
  });

  it('no longer asks isPlainObject about the result of a handler that streamed nothing', () => {
    const rewritten = load(checkStreamsFirst(SAMPLE, 'sample.js'));
    rewritten.pick({ status: 'ok' }, []);
    expect(rewritten.calls.isPlainObject).toBe(0);
    const original = load(SAMPLE);
    original.pick({ status: 'ok' }, []);
    expect(original.calls.isPlainObject).toBe(1);
  });

  it('fails the build when the condition is missing or repeated', () => {
    expect(() => checkStreamsFirst('const x = 1;', 'changed.js')).toThrow(/found it 0 times/);
    expect(() => checkStreamsFirst(`${SAMPLE}\n${SAMPLE}`, 'twice.js')).toThrow(/found it 2 times/);
  });

  it("matches the installed Nest's router execution context", () => {
    const path = createRequire(import.meta.url).resolve('@nestjs/core/router/router-execution-context.js');
    expect(checkStreamsFirst(readFileSync(path, 'utf8'), path)).toContain(
      'if (!handlerStreams.some(isStreamingBody) || !isPlainObject(result)) {',
    );
  });
});
