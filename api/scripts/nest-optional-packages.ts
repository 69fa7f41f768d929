import { createRequire } from 'node:module';
import type { Plugin } from 'esbuild';

/** Nest's optional packages CloudNest does not install (no message brokers, no WebSockets). */
export const ABSENT_NEST_PACKAGES = ['@nestjs/microservices', '@nestjs/websockets'] as const;

/** A specifier naming one of those packages or a path inside it. */
const SPECIFIER = new RegExp(
  `^(${ABSENT_NEST_PACKAGES.map((name) => name.replace('/', '\\/')).join('|')})(\\/.*)?$`,
);
const NAMESPACE = 'absent-nest-package';

/** Whether `specifier` can be loaded from `importer`'s directory (that is, the package is installed). */
function isInstalled(specifier: string, importer: string): boolean {
  try {
    createRequire(importer).resolve(specifier);
    return true;
  } catch (error) {
    // Anything but "not found" (an export map that hides the path, say) still means installed.
    return (error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND';
  }
}

/** The module an absent package's specifier becomes: it fails to load as a missing package does. */
export function absentPackageModule(specifier: string): string {
  const message = `Cannot find package '${specifier}': CloudNest's bundles leave it out (api/scripts/nest-optional-packages.ts)`;
  return `throw Object.assign(new Error(${JSON.stringify(message)}), { code: 'ERR_MODULE_NOT_FOUND' });`;
}

/**
 * Nest looks for its optional packages while it boots: `NestApplication` imports
 * `@nestjs/microservices` and `@nestjs/websockets/socket-module` and carries on without them when
 * the import fails. From a bundle each such import is a search of every node_modules directory up
 * to the root (and, on Lambda, of NODE_PATH's layer directories) that ends in an error, three times
 * per cold start. Known absent at build time, they resolve to a module that fails the same way
 * without touching the file system: ~4 million instructions per cold start (docs/lambda.md). If
 * one of the packages is installed, the build stops: bundling it as absent would hide it.
 */
export const nestOptionalPackagesAbsent: Plugin = {
  name: 'nest-optional-packages-absent',
  setup(build) {
    build.onResolve({ filter: SPECIFIER }, (args) => {
      if (args.importer !== '' && isInstalled(args.path, args.importer)) {
        return {
          errors: [
            {
              text: `${args.path} is installed, but the bundles treat it as absent: remove it from ABSENT_NEST_PACKAGES in api/scripts/nest-optional-packages.ts`,
            },
          ],
        };
      }
      return { path: args.path, namespace: NAMESPACE };
    });
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      contents: absentPackageModule(args.path),
      loader: 'js',
    }));
  },
};
