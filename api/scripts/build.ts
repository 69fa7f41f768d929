import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildLambda } from './build-lambda.js';
import { baseOptions } from './esbuild-options.js';

const apiDir = join(import.meta.dirname, '..');

/** The HTTP server bundle used by the Docker image and PM2: dist/server/main.mjs. */
export async function buildServer(): Promise<void> {
  const outdir = join(apiDir, 'dist', 'server');
  await rm(outdir, { recursive: true, force: true });
  await build({
    ...baseOptions,
    entryPoints: {
      main: join(apiDir, 'src', 'main.ts'),
      migrate: join(apiDir, 'src', 'database', 'migrate.cli.ts'),
      // One-off tasks in the image: `node api/dist/server/user-promote.mjs <email>`, `… maintenance.mjs`,
      // `… user-mfa-reset.mjs <email>` and `… mfa-reseal.mjs` (the image has no sources or tsx, so
      // a CLI not bundled here does not exist on a deployed stack; found in review, 2026-12-08).
      'user-promote': join(apiDir, 'src', 'users', 'promote.cli.ts'),
      maintenance: join(apiDir, 'src', 'jobs', 'maintenance.cli.ts'),
      'user-mfa-reset': join(apiDir, 'src', 'auth', 'mfa-reset.cli.ts'),
      'mfa-reseal': join(apiDir, 'src', 'auth', 'mfa-reseal.cli.ts'),
    },
    outdir,
    outExtension: { '.js': '.mjs' },
    target: 'node20',
  });
}

if (process.argv[1] === import.meta.filename) {
  const target = process.argv[2] ?? 'all';
  if (target === 'server' || target === 'all') await buildServer();
  if (target === 'lambda' || target === 'all') {
    for (const bundle of await buildLambda()) {
      console.log(
        `lambda ${bundle.name}: ${(bundle.javascriptBytes / 1024).toFixed(0)} KiB JS (${(bundle.initBytes / 1024).toFixed(0)} KiB at init), ${bundle.nativeBinaries.length} native binaries`,
      );
    }
  }
}
