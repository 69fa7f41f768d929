/**
 * Throughput and memory benchmark (issue 8): the production app (`main.ts`, NODE_ENV=production,
 * every global pipe, guard, filter, helmet and JSON logs at `info` written to a file) against a raw
 * Fastify peer serving the same JSON, both in their own processes on loopback, measured in the same
 * run with autocannon `-c 100 -p 10` for 20 s after a 5 s warm-up (the 20 s split into 6 rounds
 * rotating the three servers' order, so background load on a shared machine hits all alike):
 *   - GET /health: the framework's fixed cost (target: >= 0.85x raw Fastify)
 *   - GET /auth/me: JWT verify + one primary-key query, vs raw Fastify + jose + pg (target: >= 0.8x)
 * A third server, raw Fastify doing the app's per-request duties (security headers, request id, one
 * log line: the app's own code), is measured alongside: not the target's peer, but it splits the
 * gap into what those duties cost and what Nest itself costs.
 * Memory: RSS of each server idle (after start, before any load) and the peak under load.
 * Run: `npm run bench -- throughput`. Writes bench/results/throughput.json; with BENCH_NODE naming
 * another Node binary the three servers run on it and the result is throughput-node<major>.json.
 */
import { startBenchDatabase } from './support/bench-database.js';
import { resultName } from './support/bench-node.js';
import { loadDurations, type MeasuredLoad, measureAlternating, runLoad } from './support/load.js';
import { residentMiB } from './support/memory.js';
import { describeMachine, printTable, round, writeResult } from './support/report.js';
import type { BenchServer } from './support/server-process.js';
import { startCloudNestServer, startRawFastifyServer } from './support/servers-under-test.js';

const CONNECTIONS = 100;
const PIPELINING = 10;
/** Distinct signed-in users whose tokens the /auth/me load rotates through (one per request, in turn). */
const USERS = 100;
const TARGETS = { health: 0.85, me: 0.8 } as const;
/** The measured time is split into this many rounds, rotating the three servers' order (a multiple of 3). */
const ROUNDS = 6;

/** One endpoint, app vs peer. */
export interface EndpointComparison {
  readonly path: string;
  readonly cloudnest: MeasuredLoad;
  readonly rawFastify: MeasuredLoad;
  /** Raw Fastify with the app's security headers, request ids and request log line. */
  readonly rawFastifyWithDuties: MeasuredLoad;
  /** CloudNest req/s ÷ raw Fastify req/s. */
  readonly ratio: number;
  /** CloudNest req/s ÷ raw-Fastify-with-duties req/s: what Nest itself costs. */
  readonly ratioToRawFastifyWithDuties: number;
  /**
   * Raw Fastify's server CPU per request ÷ CloudNest's: the same comparison as `ratio` in work done
   * rather than answers per second, much less sensitive to the machine's other load (explanatory;
   * the target is on `ratio`).
   */
  readonly cpuRatio: number;
  readonly target: number;
  readonly pass: boolean;
}

export interface ThroughputResult {
  readonly name: 'throughput';
  readonly date: string;
  readonly machine: ReturnType<typeof describeMachine>;
  readonly method: string;
  readonly health: EndpointComparison;
  readonly me: EndpointComparison;
  readonly memory: {
    readonly cloudnestIdleRssMiB: number;
    readonly rawFastifyIdleRssMiB: number;
    readonly cloudnestPeakRssMiB: number;
    readonly rawFastifyPeakRssMiB: number;
  };
  readonly pass: boolean;
}

export async function run(): Promise<ThroughputResult> {
  const machine = describeMachine();
  const { measureSeconds, warmupSeconds } = loadDurations();
  const database = await startBenchDatabase();
  const servers: BenchServer[] = [];
  try {
    const cloudnest = await startCloudNestServer(database.url);
    servers.push(cloudnest);
    const rawFastify = await startRawFastifyServer(database.url, cloudnest.publicJwk);
    servers.push(rawFastify);
    const rawFastifyWithDuties = await startRawFastifyServer(database.url, cloudnest.publicJwk, {
      productionDuties: true,
    });
    servers.push(rawFastifyWithDuties);
    // Idle: both started and answered their readiness probe, nothing else yet.
    const cloudnestIdleRssMiB = await residentMiB(cloudnest.pid);
    const rawFastifyIdleRssMiB = await residentMiB(rawFastify.pid);
    const users = await cloudnest.registerUsers(USERS);
    const headersPerConnection = users.map((user) => user.headers);

    const loadOptions = (server: BenchServer, path: string) => ({
      url: `${server.baseUrl}${path}`,
      connections: CONNECTIONS,
      pipelining: PIPELINING,
      headersPerConnection: path === '/auth/me' ? headersPerConnection : [],
    });
    const compare = async (path: string, target: number): Promise<EndpointComparison> => {
      for (const server of [rawFastify, rawFastifyWithDuties, cloudnest]) {
        await runLoad({ ...loadOptions(server, path), durationSeconds: warmupSeconds });
      }
      const [rawFastifyResult, dutiesResult, cloudnestResult] = await measureAlternating(
        [rawFastify, rawFastifyWithDuties, cloudnest].map((server) => ({
          pid: server.pid,
          load: loadOptions(server, path),
        })),
        measureSeconds,
        ROUNDS,
      );
      if (!rawFastifyResult || !dutiesResult || !cloudnestResult) throw new Error('missing measurement');
      const ratio = round(cloudnestResult.requestsPerSecond / rawFastifyResult.requestsPerSecond, 3);
      return {
        path,
        cloudnest: cloudnestResult,
        rawFastify: rawFastifyResult,
        rawFastifyWithDuties: dutiesResult,
        ratio,
        ratioToRawFastifyWithDuties: round(
          cloudnestResult.requestsPerSecond / dutiesResult.requestsPerSecond,
          3,
        ),
        cpuRatio: round(rawFastifyResult.cpuMicrosPerRequest / cloudnestResult.cpuMicrosPerRequest, 3),
        target,
        // An error from any server voids the comparison: a peer answering fast 401s would flatter it.
        pass:
          ratio >= target &&
          [cloudnestResult, rawFastifyResult, dutiesResult].every((server) => server.unexpected === 0),
      };
    };
    const health = await compare('/health', TARGETS.health);
    const me = await compare('/auth/me', TARGETS.me);
    const result: ThroughputResult = {
      name: 'throughput',
      date: new Date().toISOString(),
      machine,
      method: `autocannon -c ${CONNECTIONS} -p ${PIPELINING}; per endpoint a ${warmupSeconds} s warm-up of each server, then ${measureSeconds} s measured per server in ${ROUNDS} alternating rounds, each starting one server later (peer, peer with duties, app; peer with duties, app, peer; …); servers in their own processes, each a production bundle (node <bundle>), load generator in the benchmark process; /auth/me rotates ${USERS} users' tokens, request by request`,
      health,
      me,
      memory: {
        cloudnestIdleRssMiB,
        rawFastifyIdleRssMiB,
        cloudnestPeakRssMiB: Math.max(health.cloudnest.peakRssMiB, me.cloudnest.peakRssMiB),
        rawFastifyPeakRssMiB: Math.max(health.rawFastify.peakRssMiB, me.rawFastify.peakRssMiB),
      },
      pass: health.pass && me.pass,
    };
    await writeResult(resultName('throughput'), result);
    printTable([
      [
        'endpoint',
        'server',
        'req/s',
        'p50 ms',
        'p99 ms',
        'unexpected',
        'peak RSS MiB',
        'CPU µs/req',
        'ratio',
        'target',
        'pass',
      ],
      ...[health, me].flatMap((comparison) => [
        row(comparison.path, 'raw Fastify', comparison.rawFastify, '', '', ''),
        row(
          comparison.path,
          'raw Fastify + duties',
          comparison.rawFastifyWithDuties,
          `(app ${comparison.ratioToRawFastifyWithDuties}x)`,
          '',
          '',
        ),
        row(
          comparison.path,
          'CloudNest',
          comparison.cloudnest,
          `${comparison.ratio}x (CPU ${comparison.cpuRatio}x)`,
          `>= ${comparison.target}x`,
          comparison.pass ? 'yes' : 'NO',
        ),
      ]),
    ]);
    printTable([
      ['memory', 'idle RSS MiB', 'peak RSS MiB under load'],
      ['raw Fastify', rawFastifyIdleRssMiB, result.memory.rawFastifyPeakRssMiB],
      ['CloudNest', cloudnestIdleRssMiB, result.memory.cloudnestPeakRssMiB],
    ]);
    return result;
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await database.stop();
  }
}

function row(
  path: string,
  server: string,
  measurement: MeasuredLoad,
  ratio: string,
  target: string,
  pass: string,
): (string | number)[] {
  const { requestsPerSecond, latencyP50Ms, latencyP99Ms, unexpected, peakRssMiB, cpuMicrosPerRequest } =
    measurement;
  return [
    path,
    server,
    requestsPerSecond,
    latencyP50Ms,
    latencyP99Ms,
    unexpected,
    peakRssMiB,
    cpuMicrosPerRequest,
    ratio,
    target,
    pass,
  ];
}
