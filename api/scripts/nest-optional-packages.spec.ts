import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { nestOptionalPackagesAbsent } from './nest-optional-packages.js';

const workDir = mkdtempSync(join(tmpdir(), 'cloudnest-optional-packages-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const PROBES = `
export const microservices = () => import('@nestjs/microservices');
export const socketModule = () => import('@nestjs/websockets/socket-module.js');
`;

/** Bundles `source` (resolved from `dir`) into `dir/out-<name>/` and imports the result. */
async function bundleAndImport(name: string, dir: string, plugins: Plugin[], external: string[] = []) {
  const outdir = join(dir, `out-${name}`);
  await build({
    stdin: { contents: PROBES, resolveDir: dir, loader: 'js', sourcefile: join(dir, 'probe.mjs') },
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    outdir,
    outExtension: { '.js': '.mjs' },
    external,
    logLevel: 'silent',
    plugins,
  });
  return (await import(pathToFileURL(join(outdir, 'stdin.mjs')).href)) as Record<
    'microservices' | 'socketModule',
    () => Promise<unknown>
  >;
}

describe('nestOptionalPackagesAbsent', () => {
  it('fails each import as a missing package does, without looking for it', async () => {
    const dir = join(workDir, 'absent');
    mkdirSync(dir);
    const bundled = await bundleAndImport('bundled', dir, [nestOptionalPackagesAbsent]);
    const external = await bundleAndImport(
      'external',
      dir,
      [],
      ['@nestjs/microservices', '@nestjs/websockets/*'],
    );
    for (const probes of [bundled, external]) {
      await expect(probes.microservices()).rejects.toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
      await expect(probes.socketModule()).rejects.toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
    }
    await expect(bundled.microservices()).rejects.toThrow(
      /Cannot find package '@nestjs\/microservices': CloudNest/,
    );
  });

  it('stops the build when one of the packages is installed', async () => {
    const dir = join(workDir, 'installed');
    const packageDir = join(dir, 'node_modules', '@nestjs', 'microservices');
    mkdirSync(packageDir, { recursive: true });
    writeFileSync(join(packageDir, 'package.json'), '{"name":"@nestjs/microservices","main":"index.js"}');
    writeFileSync(join(packageDir, 'index.js'), 'module.exports = {};');
    await expect(bundleAndImport('installed', dir, [nestOptionalPackagesAbsent])).rejects.toThrow(
      /@nestjs\/microservices is installed, but the bundles treat it as absent/,
    );
  });
});
