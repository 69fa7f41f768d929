import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { childEnvironment } from './child-environment.js';

/** A built Lambda handler running in its own Node process (see `lambda-host.mjs`). */
export interface LambdaProcess {
  /**
   * Invokes the handler with one event; resolves with its result, rejects with its error.
   * `remainingTimeMs` is what the context's `getRemainingTimeInMillis()` starts from (default 30 s).
   */
  invoke<T = unknown>(event: unknown, options?: { readonly remainingTimeMs?: number }): Promise<T>;
  /** Everything the handler logged (stdout and stderr). */
  output(): string;
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * Starts a fresh Node process that imports `handlerFile` (so init runs exactly as on a cold start)
 * and waits until init has finished; init errors reject with the handler's message.
 */
export async function startLambdaProcess(
  handlerFile: string,
  env: Record<string, string>,
): Promise<LambdaProcess> {
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [join(import.meta.dirname, 'lambda-host.mjs'), handlerFile],
    {
      env: childEnvironment({ LOG_PRETTY: 'false', ...env }),
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const pending = new Map<string, Pending>();
  let nextId = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const results = child.stdio[3] as Readable;
  createInterface({ input: results }).on('line', (line) => {
    const message = JSON.parse(line) as { id: string; result?: unknown; error?: string };
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.result);
  });
  void exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`handler process exited:\n${output}`));
    pending.clear();
  });
  const call = (id: string, event?: unknown, remainingTimeMs?: number) =>
    new Promise<unknown>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (event !== undefined)
        (child.stdin as Writable).write(`${JSON.stringify({ id, event, remainingTimeMs })}\n`);
    });
  await call('init');
  return {
    invoke: <T>(event: unknown, options?: { readonly remainingTimeMs?: number }) =>
      call(String(++nextId), event, options?.remainingTimeMs) as Promise<T>,
    output: () => output,
    async close() {
      child.stdin?.end();
      if (child.exitCode === null && child.signalCode === null) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
