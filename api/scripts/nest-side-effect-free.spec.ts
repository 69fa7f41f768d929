import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { EXTERNAL_PACKAGES } from './esbuild-options.js';
import { isSideEffectFreeNestModule, nestSideEffectFree } from './nest-side-effect-free.js';

const apiDir = join(import.meta.dirname, '..');

/**
 * A bundle of `source` (resolved from api/): the input files with code in it, relative to
 * node_modules (the metafile's top-level inputs also list files esbuild read and then dropped), and
 * its text.
 */
async function bundle(source: string, plugins: Plugin[]): Promise<{ inputs: string[]; text: string }> {
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

const USES_ONE_DECORATOR =
  "import { Injectable } from '@nestjs/common'; export const decorator = Injectable;";

describe('nestSideEffectFree', () => {
  it('leaves out the Nest modules nothing uses, which a plain bundle keeps', async () => {
    const plain = (await bundle(USES_ONE_DECORATOR, [])).inputs;
    const trimmed = (await bundle(USES_ONE_DECORATOR, [nestSideEffectFree])).inputs;
    for (const unused of [
      '@nestjs/common/pipes/parse-int.pipe.js',
      '@nestjs/common/serializer/class-serializer.interceptor.js',
    ]) {
      expect(plain).toContain(unused);
      expect(trimmed).not.toContain(unused);
    }
    expect(trimmed).toContain('@nestjs/common/decorators/core/injectable.decorator.js');
    expect(trimmed.length).toBeLessThan(plain.length);
  });

  it("keeps the packages' entry side effect: reflect-metadata, which the decorators need", async () => {
    const trimmed = await bundle(USES_ONE_DECORATOR, [nestSideEffectFree]);
    expect(trimmed.inputs).toContain('reflect-metadata/Reflect.js');
    // Reflect.js defines the metadata API on the global Reflect object when it runs.
    expect(trimmed.text).toContain('getOwnMetadataKeys');
  });

  it('marks only the modules of the listed Nest packages, never their entry files', () => {
    expect(isSideEffectFreeNestModule('/app/node_modules/@nestjs/core/router/router-module.js')).toBe(true);
    expect(isSideEffectFreeNestModule('C:\\app\\node_modules\\@nestjs\\common\\pipes\\index.js')).toBe(true);
    expect(isSideEffectFreeNestModule('/app/node_modules/@nestjs/common/index.js')).toBe(false);
    expect(isSideEffectFreeNestModule('/app/node_modules/@nestjs/core/index.js')).toBe(false);
    expect(isSideEffectFreeNestModule('/app/node_modules/@nestjs/swagger/dist/index.js')).toBe(false);
    expect(isSideEffectFreeNestModule('/app/node_modules/reflect-metadata/Reflect.js')).toBe(false);
    expect(isSideEffectFreeNestModule('/app/api/src/app.ts')).toBe(false);
  });
});
