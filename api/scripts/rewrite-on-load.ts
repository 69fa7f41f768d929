import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * Replaces `from` with `to` in a dependency's source. Throws unless `from` occurs exactly once, so
 * a release of the dependency that changes the line fails the build instead of silently dropping
 * the rewrite; `owner` names the script to revisit.
 */
export function replaceExactlyOnce(
  source: string,
  path: string,
  from: string,
  to: string,
  owner: string,
): string {
  const occurrences = source.split(from).length - 1;
  if (occurrences !== 1) {
    throw new Error(
      `${owner}: expected "${from}" once in ${path}, found it ${occurrences} times; revisit api/scripts/${owner}.ts`,
    );
  }
  return source.replace(from, to);
}

/** An esbuild plugin that passes each file matching `filter` through `rewrite` as it is loaded. */
export function rewriteOnLoad(
  name: string,
  filter: RegExp,
  rewrite: (source: string, path: string) => string,
): Plugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter }, async (args) => ({
        contents: rewrite(await readFile(args.path, 'utf8'), args.path),
        loader: 'js',
      }));
    },
  };
}
