import { tmpdir } from 'node:os';

/**
 * The environment for a process a test starts: only what it is given, plus what any process needs
 * to run (PATH, HOME) and the test run's temporary directory, which the run deletes at its end
 * (scripts/test-run-tmpdir.mjs). Nothing else leaks in from the developer's shell.
 */
export function childEnvironment(variables: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: tmpdir(), ...variables };
}
