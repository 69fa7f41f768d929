import autocannon from 'autocannon';
import { sampleResidentMemory } from './memory.js';
import { CLOCK_TICKS_PER_SECOND, cpuTicks } from './process-cpu.js';
import { waitUntilIdle } from './process-idle.js';
import { median, round } from './report.js';

/** One autocannon run against a server on loopback. */
export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly pipelining: number;
  readonly durationSeconds: number;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  /**
   * Sets of headers handed out round-robin, one per request (e.g. the users' tokens in turn).
   * autocannon resets a request's context after each pass through a one-request list, so what was
   * documented as "one per connection" was one per request (found in review, 2026-12-07); every
   * server gets the same rotation.
   */
  readonly headersPerConnection?: readonly Readonly<Record<string, string>>[];
}

/** What a run measured. Latencies in ms; `unexpected` counts errors, timeouts and non-2xx answers. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly totalRequests: number;
  /**
   * How long the load really ran, in seconds. autocannon stops at its first one-second sample
   * after the requested duration and counts the answers until then, so a 3.3 s run lasts ~4 s:
   * rates must be taken over this, not over the duration asked for.
   */
  readonly durationSeconds: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly unexpected: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const perConnection = options.headersPerConnection ?? [];
  let handedOut = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: options.pipelining,
    duration: options.durationSeconds,
    method: options.method ?? 'GET',
    ...(options.body !== undefined
      ? { body: options.body, headers: { 'content-type': 'application/json' } }
      : {}),
    ...(perConnection.length > 0
      ? {
          requests: [
            {
              setupRequest: (request, context: { headers?: Record<string, string> }) => {
                context.headers ??= { ...perConnection[handedOut++ % perConnection.length] };
                return { ...request, headers: { ...request.headers, ...context.headers } };
              },
            },
          ],
        }
      : {}),
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    totalRequests: result.requests.total,
    durationSeconds: (result.finish.getTime() - result.start.getTime()) / 1000,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    // autocannon counts a timeout among `errors` too.
    unexpected: result.errors + result.non2xx,
  };
}

/**
 * Measured and warm-up durations in seconds. The defaults are the published method (20 s after a
 * 5 s warm-up); BENCH_DURATION_SECONDS / BENCH_WARMUP_SECONDS shorten them for development runs.
 */
export function loadDurations(): { measureSeconds: number; warmupSeconds: number } {
  const seconds = (name: string, fallback: number) => {
    const value = Number(process.env[name]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    measureSeconds: seconds('BENCH_DURATION_SECONDS', 20),
    warmupSeconds: seconds('BENCH_WARMUP_SECONDS', 5),
  };
}

/** A load result plus the server's peak RSS and CPU time while it ran. */
export interface MeasuredLoad extends LoadResult {
  readonly peakRssMiB: number;
  /**
   * The server process's CPU time (user + system, all threads) per answered request, in µs. A
   * saturated server's req/s swings with whatever else the shared machine runs; the CPU it spends
   * per request swings far less, so it is the steadier figure for comparing two servers' work.
   */
  readonly cpuMicrosPerRequest: number;
}

/**
 * Measures several servers (or endpoints) for `seconds` each, split into `rounds` alternating
 * rounds so background load on a shared machine hits every variant alike. Each round starts one
 * variant later (A B C, B C A, C A B, …), so with a multiple of the variant count as `rounds` every
 * variant runs equally often first, second and last; each round starts once every server has
 * drained the previous round's backlog.
 * Requests per second are over the time the rounds really ran; latency percentiles are the median of the
 * rounds'; `peakRssMiB` is the peak sampled while that variant was under load; CPU per request is
 * the server's CPU time over all rounds (read as each round starts and ends) ÷ answered requests.
 */
export async function measureAlternating(
  variants: readonly { readonly pid: number; readonly load: Omit<LoadOptions, 'durationSeconds'> }[],
  seconds: number,
  rounds: number,
): Promise<MeasuredLoad[]> {
  const collected = variants.map(() => [] as { load: LoadResult; peakRssMiB: number; cpuTicks: number }[]);
  const pids = [...new Set(variants.map((variant) => variant.pid))];
  for (let round = 0; round < rounds; round++) {
    for (let position = 0; position < variants.length; position++) {
      const index = (round + position) % variants.length;
      const variant = variants[index];
      if (!variant) continue;
      await waitUntilIdle(pids);
      const memory = sampleResidentMemory(variant.pid);
      const ticksBefore = await cpuTicks(variant.pid);
      const load = await runLoad({ ...variant.load, durationSeconds: seconds / rounds });
      const ticks = (await cpuTicks(variant.pid)) - ticksBefore;
      collected[index]?.push({ load, peakRssMiB: await memory.stop(), cpuTicks: ticks });
    }
  }
  return collected.map((results) => {
    const totalRequests = results.reduce((sum, { load }) => sum + load.totalRequests, 0);
    const measured = results.reduce((sum, { load }) => sum + load.durationSeconds, 0);
    const ticks = results.reduce((sum, result) => sum + result.cpuTicks, 0);
    return {
      // Over the time the rounds really ran (until 2026-12-07 over the nominal `seconds`, which
      // overstated every rate by ~20%: see LoadResult.durationSeconds).
      requestsPerSecond: Math.round(totalRequests / measured),
      totalRequests,
      durationSeconds: round(measured, 2),
      latencyP50Ms: median(results.map(({ load }) => load.latencyP50Ms)),
      latencyP99Ms: median(results.map(({ load }) => load.latencyP99Ms)),
      unexpected: results.reduce((sum, { load }) => sum + load.unexpected, 0),
      peakRssMiB: Math.max(...results.map(({ peakRssMiB }) => peakRssMiB)),
      cpuMicrosPerRequest:
        totalRequests > 0 ? round((ticks / CLOCK_TICKS_PER_SECOND / totalRequests) * 1e6, 1) : 0,
    };
  });
}
