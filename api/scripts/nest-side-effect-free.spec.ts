import { describe, expect, it } from 'vitest';
import { bundleSource } from '../test/support/bundle-source.js';
import { isSideEffectFreeNestModule, nestSideEffectFree } from './nest-side-effect-free.js';

const USES_ONE_DECORATOR =
  "import { Injectable } from '@nestjs/common'; export const decorator = Injectable;";

describe('nestSideEffectFree', () => {
  it('leaves out the Nest modules nothing uses, which a plain bundle keeps', async () => {
    const plain = (await bundleSource(USES_ONE_DECORATOR, [])).inputs;
    const trimmed = (await bundleSource(USES_ONE_DECORATOR, [nestSideEffectFree])).inputs;
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
    const trimmed = await bundleSource(USES_ONE_DECORATOR, [nestSideEffectFree]);
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
