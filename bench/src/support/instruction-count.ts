import { spawn, spawnSync } from 'node:child_process';

/**
 * Counts the instructions a process executes (all its threads), with valgrind's cachegrind and
 * its cache simulation off. Wall and CPU time on a shared 2-core VM move by ±10% from one minute
 * to the next; the instruction count of a cold start repeats within ±0.5% and does not depend on
 * the machine's other load, so it tells a 1% change from noise in one run (docs/lambda.md,
 * "Counting instructions"). Optional: valgrind is a Debian package, not an npm one.
 */
/** How long one counted run may take before it is killed (and its count fails). */
const COUNT_TIMEOUT_MS = 180_000;

export function valgrindAvailable(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs `node <args>` under valgrind, with exactly `env` as its environment, and returns the
 * instructions it executed. Rejects unless the process printed `expectOutput` (the run must have
 * done its work, not failed early) and exited 0.
 */
export function countInstructions(
  node: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  expectOutput: RegExp,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'valgrind',
      ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', node, ...args],
      { env, stdio: 'pipe' },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
    });
    // A cold start under valgrind takes ~15 s; one that hangs must not hang the benchmark (found
    // in review, 2026-12-07).
    const timer = setTimeout(() => child.kill('SIGKILL'), COUNT_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr)?.[1];
      if (code === 0 && refs && expectOutput.test(stdout)) resolve(Number(refs.replaceAll(',', '')));
      else reject(new Error(`valgrind ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
    });
  });
}
