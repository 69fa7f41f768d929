import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { freeLoopbackPort } from '../../../api/src/common/net/free-loopback-port.js';
import { benchNode } from './bench-node.js';

/** A server under test, in its own process so its CPU and memory are measured apart from the load generator. */
export interface BenchServer {
  readonly name: string;
  readonly pid: number;
  readonly baseUrl: string;
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  readonly name: string;
  /** The built module to run as `node <entry>` (see production-builds.ts). */
  readonly entry: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Where the server's stdout (its JSON logs) goes: a file, so logging costs a real write. */
  readonly logFile: string;
  /** A path answering 200 once the server is up. */
  readonly readyPath: string;
}

/** Starts the server on a free loopback port and resolves when `readyPath` answers 200. */
export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const port = await freeLoopbackPort();
  const logFd = openSync(options.logFile, 'a');
  let stderr = '';
  const child = spawn(benchNode, [options.entry], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      ...options.env,
      HOST: '127.0.0.1',
      PORT: String(port),
    },
    stdio: ['ignore', logFd, 'pipe'],
  });
  closeSync(logFd);
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(child, `${baseUrl}${options.readyPath}`, () => stderr);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name} has no pid`);
  return { name: options.name, pid, baseUrl, stop: () => stopChild(child) };
}

async function waitUntilReady(child: ChildProcess, url: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr()}`);
    const status = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server at ${url} not ready after 60 s: ${stderr()}`);
}

/** SIGTERM (graceful drain), then SIGKILL if it has not exited within 15 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
