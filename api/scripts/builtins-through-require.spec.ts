import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cachedDataVersionTag } from 'node:v8';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinsThroughRequire } from './builtins-through-require.js';
import { baseOptions } from './esbuild-options.js';

/** Every way a module imports a built-in: named, namespace, default, bare name (one with a digit), dynamic. */
const ENTRY = `
import { STATUS_CODES } from 'node:http';
import * as path from 'path';
import fs from 'node:fs';
import { cachedDataVersionTag } from 'v8';
export const notFound = STATUS_CODES[404];
export const joined = path.join('a', 'b');
export const hasExistsSync = typeof fs.existsSync === 'function';
export const versionTag = cachedDataVersionTag();
export const osPlatform = () => import('node:os').then((os) => os.platform());
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudnest-builtins-'));
  await writeFile(join(dir, 'entry.ts'), ENTRY);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Bundles the entry with the shared settings, with or without the plugin; returns the output file. */
async function bundle(withPlugin: boolean): Promise<{ file: string; staticImports: string[] }> {
  const plugins = (baseOptions.plugins ?? []).filter((plugin) => plugin !== builtinsThroughRequire);
  const result = await build({
    ...baseOptions,
    tsconfig: undefined,
    sourcemap: false,
    entryPoints: { [withPlugin ? 'with' : 'without']: join(dir, 'entry.ts') },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    plugins: withPlugin ? [...plugins, builtinsThroughRequire] : plugins,
    metafile: true,
  });
  const [file, output] = Object.entries(result.metafile.outputs)[0] ?? [];
  if (!file || !output) throw new Error('esbuild wrote nothing');
  const staticImports = output.imports
    .filter((entry) => entry.kind === 'import-statement')
    .map((entry) => entry.path);
  return { file: join(process.cwd(), file), staticImports };
}

describe('builtinsThroughRequire', () => {
  it('is part of the shared esbuild settings (server and Lambda bundles)', () => {
    expect(baseOptions.plugins).toContain(builtinsThroughRequire);
  });

  it('leaves no static ESM import of a built-in, and the bundle behaves as the source says', async () => {
    const { file, staticImports } = await bundle(true);
    expect(staticImports).toEqual([]);
    const loaded = await import(pathToFileURL(file).href);
    expect(loaded.notFound).toBe('Not Found');
    expect(loaded.joined).toBe(join('a', 'b'));
    expect(loaded.hasExistsSync).toBe(true);
    expect(loaded.versionTag).toBe(cachedDataVersionTag());
    expect(await loaded.osPlatform()).toBe(process.platform);
  });

  it('without it, the same entry imports the built-ins through ESM (the facades it removes)', async () => {
    const { staticImports } = await bundle(false);
    expect(staticImports.sort()).toEqual(['node:fs', 'node:http', 'path', 'v8']);
  });
});
