import type { Plugin } from 'esbuild';

/** Nest's packages whose modules only declare things: importing one runs nothing anyone needs. */
export const SIDE_EFFECT_FREE_NEST_PACKAGES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-fastify',
] as const;

/** Marks a nested `build.resolve` of this plugin's own, so it does not handle it twice. */
const RESOLVING = Symbol('nest-side-effect-free');

/**
 * Whether esbuild may leave a module out when nothing it exports is used: every module of the
 * packages above except each package's entry `index.js`, the one place they run something at
 * import (`import 'reflect-metadata'`, which the decorators of every Nest class need).
 */
export function isSideEffectFreeNestModule(path: string): boolean {
  const normalized = path.replaceAll('\\', '/');
  return SIDE_EFFECT_FREE_NEST_PACKAGES.some(
    (name) =>
      normalized.includes(`/node_modules/${name}/`) && !normalized.endsWith(`/node_modules/${name}/index.js`),
  );
}

/**
 * Nest's packages declare no `sideEffects` in their package.json, so esbuild keeps every module an
 * `index.js` re-exports (`export * from './pipes'`), used or not: the Lambda bundle evaluated and
 * compiled at each cold start the parse pipes, the serializer interceptors, the REPL's logger,
 * RouterModule and the multipart module (~16 KiB), none of which CloudNest uses. Marking their
 * modules side-effect free lets esbuild drop what nothing imports: ~8 million instructions
 * (~1%) per cold start (docs/lambda.md, "What keeps Init small"). A module something uses is
 * bundled and runs as before; only the order in which unrelated Nest modules run their (pure) top
 * levels may differ.
 */
export const nestSideEffectFree: Plugin = {
  name: 'nest-side-effect-free',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === RESOLVING) return undefined;
      const fromNest =
        args.path.startsWith('@nestjs/') || /[\\/]node_modules[\\/]@nestjs[\\/]/.test(args.importer);
      if (!fromNest || args.kind === 'entry-point') return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: RESOLVING,
      });
      if (resolved.errors.length > 0 || resolved.external || resolved.namespace !== 'file') return undefined;
      if (!isSideEffectFreeNestModule(resolved.path)) return undefined;
      return { path: resolved.path, sideEffects: false };
    });
  },
};
