import { readFile } from 'node:fs/promises';
import { round } from './report.js';

/** Resident set size of a process in MiB (Linux `/proc/<pid>/status`). */
export async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1] ?? Number.NaN);
  return round(kib / 1024);
}

/** Samples a process's RSS every `intervalMs` until `stop()`; returns the peak. */
export function sampleResidentMemory(pid: number, intervalMs = 250): { stop(): Promise<number> } {
  let peak = 0;
  const timer = setInterval(() => {
    void residentMiB(pid).then(
      (mib) => {
        peak = Math.max(peak, mib);
      },
      () => {},
    );
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      peak = Math.max(peak, await residentMiB(pid).catch(() => 0));
      return peak;
    },
  };
}
