import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../src/common/net/free-loopback-port.js';
import { childEnvironment } from './child-environment.js';

const apiDir = join(import.meta.dirname, '..', '..');

/** A free loopback port (the OS picks; we release it just before the server binds). */
export const freePort = freeLoopbackPort;

/** The API's real server entrypoint (`src/main.ts`) as a child process, output captured. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts `src/main.ts` through tsx, or the given built entry (e.g. `['dist/server/main.mjs']`). */
export function spawnServer(
  env: Record<string, string>,
  entry: string[] = ['--import', 'tsx', 'src/main.ts'],
): ServerProcess {
  let output = '';
  const child = spawn(process.execPath, entry, {
    cwd: apiDir,
    env: childEnvironment({ LOG_PRETTY: 'false', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Polls until `probe` returns true or the deadline passes; no fixed sleeps. */
export async function waitFor(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The postmaster pid of the embedded cluster under DATA_DIR. */
export function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/**
 * What the postmaster says of itself in line 8 of its pid file: `starting` until it accepts
 * connections, then `ready` (PostgreSQL 10+); undefined before it has written that line.
 */
export function postmasterStatus(dataDir: string): string | undefined {
  return (
    readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')
      .split('\n')[7]
      ?.trim() || undefined
  );
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function httpStatus(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return 0;
  }
}
