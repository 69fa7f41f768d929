import { describe, expect, it } from 'vitest';
import { commonJsExports } from './common-js.js';

describe('commonJsExports', () => {
  const createPool = () => 'pool';

  it('returns a namespace that already has the named export', () => {
    const namespace = { createPool, default: { createPool } };
    expect(commonJsExports(namespace, 'createPool')).toBe(namespace);
  });

  it('unwraps default when a bundle chunk exposes the exports only there', () => {
    const exportsObject = { createPool };
    const namespace = { default: exportsObject } as unknown as { createPool: typeof createPool };
    expect(commonJsExports(namespace, 'createPool').createPool()).toBe('pool');
  });
});
