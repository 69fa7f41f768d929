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
 * How: a static import of a built-in resolves to a one-line CommonJS module that re-exports
 * `require(specifier)`; that `require` stays external and runs through the bundle banner's
 * `createRequire`. Dynamic `import()` of a built-in is left alone: it runs after init, if at all.
 */
export const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z][a-z0-9_/]*$/ }, (args) => {
      if (args.kind !== 'import-statement' || !isBuiltin(args.path)) return undefined;
      return { path: args.path, namespace: NAMESPACE };
    });
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
