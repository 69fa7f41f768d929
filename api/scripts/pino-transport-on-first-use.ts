import type { Plugin } from 'esbuild';
import { replaceExactlyOnce, rewriteOnLoad } from './rewrite-on-load.js';

const OWNER = 'pino-transport-on-first-use';

/** pino's entry and its `tools` module, the two that load the transport machinery at import. */
const PINO_MODULES = /[\\/]node_modules[\\/]pino[\\/](pino|lib[\\/]tools)\.js$/;

/**
 * pino's entry exports `pino.transport` as a getter that loads `lib/transport.js` when read
 * (enumerable, like the property it replaces).
 */
export function exportTransportOnFirstUse(source: string, path: string): string {
  return replaceExactlyOnce(
    source,
    path,
    "module.exports.transport = require('./lib/transport')",
    "Object.defineProperty(module.exports, 'transport', { enumerable: true, configurable: true, get: () => require('./lib/transport') })",
    OWNER,
  );
}

/**
 * pino's `tools` module loads `./transport` when called (only a logger with `transport` options
 * calls it) and reads `worker_threads.isMainThread` where it is used (only for an asynchronous
 * destination) instead of at import.
 */
export function toolsTransportOnFirstUse(source: string, path: string): string {
  let rewritten = replaceExactlyOnce(
    source,
    path,
    "const transport = require('./transport')",
    "const transport = (...args) => require('./transport')(...args)",
    OWNER,
  );
  rewritten = replaceExactlyOnce(
    rewritten,
    path,
    "const { isMainThread } = require('worker_threads')",
    '',
    OWNER,
  );
  return replaceExactlyOnce(
    rewritten,
    path,
    '!opts.sync && isMainThread)',
    "!opts.sync && require('worker_threads').isMainThread)",
    OWNER,
  );
}

/**
 * Importing pino loads its transport machinery: `thread-stream` and Node's `worker_threads`, whose
 * internals (the worker, its message ports, error serialisation) are among the larger built-in
 * modules, for transports CloudNest uses only in development (pino-pretty). The Lambda logger
 * writes synchronously to stdout and the server's through `BatchedLogDestination`, so a cold start
 * paid for modules nothing called: ~6 million instructions (docs/lambda.md, "What keeps Init
 * small"). The rewrite loads them on first use; what a caller sees is the same functions.
 */
export const pinoTransportOnFirstUse: Plugin = rewriteOnLoad(OWNER, PINO_MODULES, (source, path) =>
  /[\\/]tools\.js$/.test(path)
    ? toolsTransportOnFirstUse(source, path)
    : exportTransportOnFirstUse(source, path),
);
