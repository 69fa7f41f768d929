import { isBuiltin } from 'node:module';
import type { Plugin } from 'esbuild';

const NAMESPACE = 'node-builtin-through-require';

/**
 * Turns every static `import … from 'node:x'` (or `'x'`) of a Node built-in into a `require`, in
 * our code and in ESM dependencies (Nest 12 is ESM).
 *
 * Why: an ESM import of a built-in makes Node build a module facade, and the facade reads every
 * export once, lazy getters included. On Node 22, Lambda's runtime, `node:http`'s lazy getters
 * (`WebSocket`, `CloseEvent`, `MessageEvent`) load Node's bundled undici, and `node:tls`'s
 * `rootCertificates` parses the whole certificate store: `import 'node:http'` alone takes ~50 ms
 * on the build machine against ~7 ms for `require('node:http')`. A CommonJS require builds no
 * facade, and esbuild's interop object reads an export only when the code uses it. Node 20's
 * `node:http` has no such getters, so the gain there is smaller (measurements: docs/lambda.md,
 * "What keeps Init small").
 *
 * How: a static import of a built-in resolves to a two-line CommonJS module that re-exports
 * `require(specifier)`; that `require` stays external and runs through the bundle banner's
 * `createRequire`. Dynamic `import()` of a built-in is left alone: it runs after init, if at all.
 * `fs` and `node:fs` are one module (the `node:` name), loaded once.
 *
 * What that module exports: for a built-in whose exports are a plain namespace object (`fs`,
 * `path`, `crypto`, `http`, …: its prototype is `Object.prototype`), a frozen, empty object that
 * inherits from it. Each ESM module that imports a CommonJS module gets esbuild's interop object
 * (`__toESM`), which copies every own property of the exports as a getter: ~100 imports of
 * built-ins in the Lambda bundle copied ~2,500 properties at init (~0.8 MB allocated; ~10 million
 * instructions, ~4 ms of CPU per cold start in 100 paired runs). With nothing of its own to copy,
 * the interop object inherits from the built-in, so `readFileSync` or `fs.readFileSync` is the
 * built-in's own function, read when used. What differs from the built-in itself: `Object.keys`
 * of a default or namespace import is empty (`for…in` still lists the exports; no ESM module in
 * the bundle enumerates a built-in), and assigning to a property of a default import throws
 * instead of patching the built-in (frozen). Built-ins whose exports are a function or a class
 * instance (`events`, `stream`, `module`, `process`, `console`, …) are exported as they are: their
 * methods need `this` to be the real object.
 */
export const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z][a-z0-9_/]*$/ }, (args) => {
      if (args.kind !== 'import-statement' || !isBuiltin(args.path)) return undefined;
      return { path: `node:${args.path.replace(/^node:/, '')}`, namespace: NAMESPACE };
    });
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      contents: [
        `const builtin = require(${JSON.stringify(args.path)});`,
        'module.exports = Object.getPrototypeOf(builtin) === Object.prototype ? Object.freeze(Object.create(builtin)) : builtin;',
      ].join('\n'),
      loader: 'js',
    }));
  },
};
