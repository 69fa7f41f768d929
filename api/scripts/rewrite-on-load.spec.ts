import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replaceExactlyOnce, rewriteOnLoad } from './rewrite-on-load.js';

describe('replaceExactlyOnce', () => {
  it('replaces the one occurrence', () => {
    expect(replaceExactlyOnce('a = slow(); b = 1;', 'x.js', 'slow()', 'fast()', 'owner')).toBe(
      'a = fast(); b = 1;',
    );
  });

  it('names the file, the count and the script to revisit when the text is missing or repeated', () => {
    expect(() => replaceExactlyOnce('b = 1;', 'x.js', 'slow()', 'fast()', 'owner')).toThrow(
      'owner: expected "slow()" once in x.js, found it 0 times; revisit api/scripts/owner.ts',
    );
    expect(() => replaceExactlyOnce('slow(); slow();', 'x.js', 'slow()', 'fast()', 'owner')).toThrow(
      /found it 2 times/,
    );
  });
});

describe('rewriteOnLoad', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudnest-rewrite-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rewrites the files its filter matches, as esbuild loads them, and no others', async () => {
    await writeFile(
      join(dir, 'entry.js'),
      "import { a } from './target.js';\nimport { b } from './other.js';\nconsole.log(a, b);\n",
    );
    await writeFile(join(dir, 'target.js'), "export const a = 'original';\n");
    await writeFile(join(dir, 'other.js'), "export const b = 'original';\n");
    const result = await build({
      entryPoints: [join(dir, 'entry.js')],
      bundle: true,
      write: false,
      format: 'esm',
      logLevel: 'silent',
      plugins: [
        rewriteOnLoad('test', /[\\/]target\.js$/, (source) => source.replace('original', 'rewritten')),
      ],
    });
    const output = result.outputFiles[0]?.text ?? '';
    expect(output).toContain('a = "rewritten"');
    expect(output).toContain('b = "original"');
  });
});
