import { join } from 'node:path';
import type { Plugin } from 'esbuild';

/** The module every `import 'reflect-metadata'` of a Lambda bundle resolves to. */
export const LAMBDA_REFLECT_METADATA = join(
  import.meta.dirname,
  '..',
  'src',
  'lambda',
  'reflect-metadata-global.ts',
);

/**
 * In the Lambda bundles, `reflect-metadata` (imported by Nest's entry modules and by `app.ts`) is
 * CloudNest's own implementation of the same API (`src/lambda/reflect-metadata.ts`, whose spec
 * checks it against the package): Nest's thousands of metadata lookups at boot run in V8's
 * interpreter, and the package's layers of helpers made them ~10 million instructions (~1.3%) of a
 * cold start more expensive. The HTTP server and the tests keep the package.
 */
export const reflectMetadataForLambda: Plugin = {
  name: 'reflect-metadata-for-lambda',
  setup(build) {
    build.onResolve({ filter: /^reflect-metadata$/ }, () => ({ path: LAMBDA_REFLECT_METADATA }));
  },
};
