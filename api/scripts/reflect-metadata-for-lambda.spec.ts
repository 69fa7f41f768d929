import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleSource } from '../test/support/bundle-source.js';
import { LAMBDA_REFLECT_METADATA, reflectMetadataForLambda } from './reflect-metadata-for-lambda.js';

describe('reflectMetadataForLambda', () => {
  const source =
    "import 'reflect-metadata'; export const read = (target) => Reflect.getMetadata('k', target);";

  it('bundles the API from src/lambda instead of the package, which a plain bundle takes', async () => {
    const plain = (await bundleSource(source, [])).inputs;
    expect(plain).toContain('reflect-metadata/Reflect.js');
    const lambda = (await bundleSource(source, [reflectMetadataForLambda])).inputs;
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
