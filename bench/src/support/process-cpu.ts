import { readFile } from 'node:fs/promises';

/** Linux's USER_HZ: the unit of the CPU times in `/proc/<pid>/stat`. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, every thread) a process has used so far, in clock ticks (`/proc/<pid>/stat`). */
export async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
