import { CLOCK_TICKS_PER_SECOND, cpuTicks } from './process-cpu.js';

/**
 * Waits until every process has used less than 5% of a core over 200 ms (or `timeoutMs` passed).
 * After autocannon stops, a server still works through requests it had already read (pipelining);
 * measuring the next round before that backlog drains would charge it to the next server.
 */
export async function waitUntilIdle(pids: readonly number[], timeoutMs = 15_000): Promise<void> {
  const intervalMs = 200;
  // 5% of a core over the interval: 1 tick at Linux's 100 ticks per second.
  const idleTicks = (CLOCK_TICKS_PER_SECOND * intervalMs * 0.05) / 1000;
  const deadline = Date.now() + timeoutMs;
  let before = await Promise.all(pids.map(cpuTicks));
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const after = await Promise.all(pids.map(cpuTicks));
    const busy = after.some((ticks, index) => ticks - (before[index] ?? 0) > idleTicks);
    if (!busy) return;
    before = after;
  }
}
