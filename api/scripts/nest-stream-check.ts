import { replaceExactlyOnce, rewriteOnLoad } from './rewrite-on-load.js';

/** Nest's router execution context, which decides per response whether a stream is being sent. */
const NEST_EXECUTION_CONTEXT = /[\\/]@nestjs[\\/]core[\\/]router[\\/]router-execution-context\.js$/;
const PLAIN_OBJECT_FIRST = 'if (!isPlainObject(result) || !handlerStreams.some(isStreamingBody)) {';
const STREAMS_FIRST = 'if (!handlerStreams.some(isStreamingBody) || !isPlainObject(result)) {';

/**
 * Swaps the two tests of `pickStreamingBody`'s early return so the one that is almost always
 * decisive and free (did the handler stream anything? an empty array for every JSON route) runs
 * first. Both tests are pure, so the result is the same. Throws unless the condition occurs
 * exactly once, so a Nest release that changes it fails the build instead of silently dropping
 * the rewrite.
 */
export function checkStreamsFirst(source: string, path: string): string {
  return replaceExactlyOnce(source, path, PLAIN_OBJECT_FIRST, STREAMS_FIRST, 'nest-stream-check');
}

/**
 * Nest 12 asks `isPlainObject()` of every handler result before it asks whether the handler
 * streamed at all, and `isPlainObject` compares `Function.prototype.toString` of the result's
 * constructor with Object's: two freshly built strings, ~0.5–0.8 µs per response (bench note in
 * docs/benchmarks.md). This plugin puts the free test first in the bundles (server and Lambda).
 */
export const nestStreamCheckFirst = rewriteOnLoad(
  'nest-stream-check-first',
  NEST_EXECUTION_CONTEXT,
  checkStreamsFirst,
);
