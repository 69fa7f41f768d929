import { readFile } from 'node:fs/promises';

/** CPU time (user + system) a process has used so far, in clock ticks (`/proc/<pid>/stat`). */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits until every process has used less than 5% of a core over 200 ms (or `timeoutMs` passed).
 * After autocannon stops, a server still works through requests it had already read (pipelining);
 * measuring the next round before that backlog drains would charge it to the next server.
 */
export async function waitUntilIdle(pids: readonly number[], timeoutMs = 15_000): Promise<void> {
  const intervalMs = 200;
  const deadline = Date.now() + timeoutMs;
  let before = await Promise.all(pids.map(cpuTicks));
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const after = await Promise.all(pids.map(cpuTicks));
    // 100 ticks per second on Linux: 5% of a core over 200 ms is 1 tick.
    const busy = after.some((ticks, index) => ticks - (before[index] ?? 0) > 1);
    if (!busy) return;
    before = after;
  }
}
