import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A build-time rewrite of one file of a package, as the bundles' plugins apply it. */
export type FileRewrite = readonly [file: string, rewrite: (source: string, path: string) => string];

/**
 * Copies an installed package to `destination` and rewrites the given files there, so a spec can
 * run the rewritten package beside the installed one. How the copy finds its own dependencies is
 * the caller's choice (a node_modules link, NODE_PATH).
 */
export function copyPackageWithRewrites(
  installedRoot: string,
  destination: string,
  rewrites: readonly FileRewrite[],
): void {
  cpSync(installedRoot, destination, { recursive: true });
  for (const [file, rewrite] of rewrites) {
    const path = join(destination, file);
    writeFileSync(path, rewrite(readFileSync(path, 'utf8'), path));
  }
}
