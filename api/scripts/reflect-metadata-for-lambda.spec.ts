import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAMBDA_REFLECT_METADATA, reflectMetadataForLambda } from './reflect-metadata-for-lambda.js';

const apiDir = join(import.meta.dirname, '..');

/** The files (relative to api/ or node_modules) whose code ends up in a bundle of `source`. */
async function bundledFiles(source: string, plugins: Plugin[]): Promise<string[]> {
  const result = await build({
    stdin: { contents: source, resolveDir: apiDir, loader: 'js' },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    metafile: true,
    logLevel: 'silent',
    plugins,
  });
  return Object.values(result.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path.replace(/^.*node_modules\//, '')),
  );
}

describe('reflectMetadataForLambda', () => {
  const source =
    "import 'reflect-metadata'; export const read = (target) => Reflect.getMetadata('k', target);";

  it('bundles the API from src/lambda instead of the package, which a plain bundle takes', async () => {
    const plain = await bundledFiles(source, []);
    expect(plain).toContain('reflect-metadata/Reflect.js');
    const lambda = await bundledFiles(source, [reflectMetadataForLambda]);
    expect(lambda).not.toContain('reflect-metadata/Reflect.js');
    expect(lambda).toEqual(
      expect.arrayContaining(['src/lambda/reflect-metadata-global.ts', 'src/lambda/reflect-metadata.ts']),
    );
  });

  it('points at a module that exists', () => {
    expect(LAMBDA_REFLECT_METADATA.endsWith(join('src', 'lambda', 'reflect-metadata-global.ts'))).toBe(true);
    expect(existsSync(LAMBDA_REFLECT_METADATA)).toBe(true);
  });
});
