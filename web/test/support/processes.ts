import { type ChildProcess, spawn } from 'node:child_process';

/** A child started in its own process group, so stopping it also stops what it spawned. */
export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

const running = new Set<Started>();

// If the test process dies anyway (a crash, Ctrl-C), take every group down with it.
process.once('exit', () => {
  for (const started of running) killGroup(started, 'SIGKILL');
});

/** Spawns `command` detached (its own process group), capturing its output. */
export function start(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Started {
  let output = '';
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started: Started = { name, child, output: () => output, exited };
  running.add(started);
  void exited.then(() => running.delete(started));
  return started;
}

/** SIGTERM the group (graceful: the API drains and stops PostgreSQL), SIGKILL after `graceMs`. */
export async function stop(started: Started | undefined, graceMs = 10_000): Promise<void> {
  if (!started || started.child.exitCode !== null || started.child.signalCode !== null) return;
  killGroup(started, 'SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  if ((await Promise.race([started.exited, timer])) === 'timeout') {
    killGroup(started, 'SIGKILL');
    await started.exited;
  }
}

function killGroup(started: Started, signal: NodeJS.Signals): void {
  const pid = started.child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a command to completion; rejects with its output when it fails or takes longer than `timeoutMs`. */
export async function run(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<string> {
  const started = start(name, command, args, options);
  const timer = setTimeout(() => killGroup(started, 'SIGKILL'), options.timeoutMs);
  const code = await started.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${name} failed (exit ${code}):\n${started.output().slice(-4000)}`);
  return started.output();
}

/** Polls until `probe` is true; fails with `what` (and the process output) after `timeoutMs`. No fixed sleeps. */
export async function waitFor(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  watched?: Started,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (watched && watched.child.exitCode !== null) {
      throw new Error(
        `${watched.name} exited (${watched.child.exitCode}) before ${what}:\n${watched.output().slice(-4000)}`,
      );
    }
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}\n${watched?.output().slice(-4000) ?? ''}`,
  );
}

export async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'manual' })).status < 400;
  } catch {
    return false;
  }
}
