#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx so `npx netcheck` works right after `npm ci`,
// without a build step. A built dist/cli.js is preferred when present (faster start).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// A reader that stops early (`netcheck check … | head`) closes the pipe: stop quietly with the
// exit code the run has, not a stack trace and 1, which reads as "errors found" (review, 2026-12-07).
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(packageRoot, 'dist', 'cli.js');
let cli;
if (existsSync(built)) {
  cli = await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(join(packageRoot, 'src', 'cli.ts')).href);
}
try {
  process.exitCode = await cli.main(process.argv.slice(2));
} catch (error) {
  // A bug, not a finding: report it and use the "cannot proceed" exit code rather than 1.
  process.stderr.write(
    `netcheck: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 2;
}
