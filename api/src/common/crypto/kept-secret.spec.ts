import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { keptSecret } from './kept-secret.js';

describe('keptSecret', () => {
  it('generates once (0600, in a DATA_DIR it creates) and returns the kept value afterwards', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'cloudnest-kept-')), 'nested');
    const generate = vi.fn(() => 'first');
    expect(await keptSecret(dataDir, 'k.key', generate)).toBe('first');
    expect(await keptSecret(dataDir, 'k.key', () => 'second')).toBe('first');
    expect(generate).toHaveBeenCalledTimes(1);
    expect(statSync(join(dataDir, 'k.key')).mode & 0o777).toBe(0o600);
    // No temporary candidate is left behind.
    expect(readdirSync(dataDir)).toEqual(['k.key']);
  });

  it('gives concurrent first callers one winner’s value', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cloudnest-kept-race-'));
    const values = await Promise.all(
      Array.from({ length: 8 }, (_, i) => keptSecret(dataDir, 'k.key', async () => `value-${i}`)),
    );
    expect(new Set(values).size).toBe(1);
    expect(readdirSync(dataDir)).toEqual(['k.key']);
  });

  it('uses a file that is already there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cloudnest-kept-existing-'));
    writeFileSync(join(dataDir, 'k.key'), 'operator-provided');
    expect(await keptSecret(dataDir, 'k.key', () => 'generated')).toBe('operator-provided');
  });

  it('refuses a kept file that is not of the given shape, naming the file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cloudnest-kept-shape-'));
    const hex = { pattern: /^[0-9a-f]{4}$/, description: 'four hex digits' };
    writeFileSync(join(dataDir, 'k.key'), 'ab12\n');
    expect(await keptSecret(dataDir, 'k.key', () => 'cd34', hex)).toBe('ab12\n');
    writeFileSync(join(dataDir, 'k.key'), 'an operator passphrase');
    await expect(keptSecret(dataDir, 'k.key', () => 'cd34', hex)).rejects.toThrow(
      `${join(dataDir, 'k.key')} must hold four hex digits`,
    );
  });
});
