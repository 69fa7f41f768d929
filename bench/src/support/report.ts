import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchNodeVersion } from './bench-node.js';

const resultsDir = join(import.meta.dirname, '..', '..', 'results');

/** The machine a result was measured on; every result file carries it. */
export interface MachineDescription {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  /** The benchmark process's Node: the load generator, and whatever a benchmark measures in-process. */
  readonly node: string;
  /** The Node of the processes a benchmark starts (servers, cold starts): BENCH_NODE, or the same. */
  readonly serverNode: string;
  readonly platform: string;
  /** 1-minute load average when the benchmark started: other work on a shared machine skews figures. */
  readonly loadAverageAtStart: number;
}

export function describeMachine(): MachineDescription {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3),
    node: process.version,
    serverNode: benchNodeVersion(),
    platform: `${process.platform}-${process.arch}`,
    loadAverageAtStart: round(loadavg()[0] ?? 0, 2),
  };
}

/** Writes `bench/results/<name>.json`. */
export async function writeResult(name: string, result: unknown): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

/** Prints rows as an aligned text table (first row = header). */
export function printTable(rows: readonly (readonly (string | number)[])[]): void {
  const cells = rows.map((row) => row.map(String));
  const widths =
    cells[0]?.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0))) ?? [];
  for (const [index, row] of cells.entries()) {
    console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
    if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  }
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
