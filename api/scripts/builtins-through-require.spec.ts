import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cachedDataVersionTag } from 'node:v8';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinsThroughRequire } from './builtins-through-require.js';
import { baseOptions } from './esbuild-options.js';

/**
 * Every way a module imports a built-in: named, namespace, default, bare name (one with a digit),
 * dynamic; built-ins whose exports are a class (`events`) or a class instance (`process`); the
 * same built-in under both names.
 */
const ENTRY = `
import { STATUS_CODES } from 'node:http';
import * as path from 'path';
import fs from 'node:fs';
import { readFileSync } from 'fs';
import { cachedDataVersionTag } from 'v8';
import EventEmitter, { once } from 'node:events';
import process from 'node:process';
export const notFound = STATUS_CODES[404];
export const joined = path.join('a', 'b');
export const hasExistsSync = typeof fs.existsSync === 'function';
export const versionTag = cachedDataVersionTag();
export const osPlatform = () => import('node:os').then((os) => os.platform());
export const fsDefault = fs;
export const pathNamespace = path;
export const namedReadFileSync = readFileSync;
export const defaultReadFileSync = fs.readFileSync;
export const fsPromisesReadFile = fs.promises.readFile;
export class Emitter extends EventEmitter {}
export const eventsOnce = once;
export const importedProcess = process;
export function patchFs() {
  fs.cloudnestPatched = true;
}
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

  it('gives the built-ins own functions and objects, not copies, without copying their exports', async () => {
    const require = createRequire(import.meta.url);
    const realFs = require('node:fs');
    const { file } = await bundle(true);
    const loaded = await import(pathToFileURL(file).href);
    expect(loaded.namedReadFileSync).toBe(realFs.readFileSync);
    expect(loaded.defaultReadFileSync).toBe(realFs.readFileSync);
    expect(loaded.fsPromisesReadFile).toBe(realFs.promises.readFile);
    // Nothing copied per importer (what made esbuild's interop expensive); `for…in` still sees the exports.
    expect(Object.getOwnPropertyNames(loaded.fsDefault)).toEqual([]);
    expect(Object.getOwnPropertyNames(loaded.pathNamespace)).toEqual(['default']);
    const inherited: string[] = [];
    for (const key in loaded.fsDefault) inherited.push(key);
    expect(inherited).toContain('readFileSync');
    expect(Object.getPrototypeOf(loaded.fsDefault)).toBe(realFs);
  });

  it('keeps the real object for built-ins that are a class or a class instance', async () => {
    const { file } = await bundle(true);
    const loaded = await import(pathToFileURL(file).href);
    const emitter = new loaded.Emitter();
    expect(emitter).toBeInstanceOf(EventEmitter);
    const heard = loaded.eventsOnce(emitter, 'ping');
    emitter.emit('ping', 42);
    expect(await heard).toEqual([42]);
    expect(loaded.importedProcess).toBe(process);
  });

  it('refuses to patch a built-in through a default import (it would not reach the built-in)', async () => {
    const { file } = await bundle(true);
    const loaded = await import(pathToFileURL(file).href);
    expect(() => loaded.patchFs()).toThrow(TypeError);
  });

  it('loads a built-in imported under both of its names once', async () => {
    const { file } = await bundle(true);
    const source = await readFile(file, 'utf8');
    expect(source.match(/\("node:fs"\)/g)).toHaveLength(1);
    expect(source).not.toMatch(/\("fs"\)/);
  });

  it('without it, the same entry imports the built-ins through ESM (the facades it removes)', async () => {
    const { staticImports } = await bundle(false);
    expect(staticImports.sort()).toEqual([
      'fs',
      'node:events',
      'node:fs',
      'node:http',
      'node:process',
      'path',
      'v8',
    ]);
  });
});
