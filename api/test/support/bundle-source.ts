import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { EXTERNAL_PACKAGES } from '../../scripts/esbuild-options.js';

const apiDir = join(import.meta.dirname, '..', '..');

/** What a bundle of a snippet holds. */
export interface SourceBundle {
  /**
   * The files with code in the output, relative to node_modules (or api/ for our own): the
   * metafile's top-level inputs also list files esbuild read and then dropped.
   */
  readonly inputs: string[];
  readonly text: string;
}

/** Bundles `source` as if it were a file in api/ (ESM for Node, the bundles' externals), in memory. */
export async function bundleSource(source: string, plugins: Plugin[]): Promise<SourceBundle> {
  const result = await build({
    stdin: { contents: source, resolveDir: apiDir, loader: 'js' },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    metafile: true,
    external: EXTERNAL_PACKAGES,
    logLevel: 'silent',
    plugins,
  });
  return {
    inputs: Object.values(result.metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path.replace(/^.*node_modules\//, '')),
    ),
    text: result.outputFiles[0]?.text ?? '',
  };
}
