/**
 * Auth benchmark (issue 3), on the production app (`main.ts`, logs at `info`) in its own process:
 *   - sign-in latency: POST /auth/login at concurrency 4 (p50/p99), after a warm-up;
 *   - password hashing: the app's CryptoRepository hash/verify against a bare @node-rs/argon2 call
 *     with the same parameters, interleaved in this process (target: <= 1.1x);
 *   - GET /auth/me req/s against GET /health of the same app (what auth costs per request),
 *     autocannon -c 100 -p 10 in alternating rounds.
 * Run: `npm run bench -- auth`. Writes bench/results/auth.json; with BENCH_NODE naming another Node
 * binary the app runs on it (the argon2 comparison stays in this process) and the result is
 * auth-node<major>.json.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { hash, verify } from '@node-rs/argon2';
import { ARGON2_PARAMETERS, CryptoRepository } from '../../api/src/common/crypto/crypto.repository.js';
import { startBenchDatabase } from './support/bench-database.js';
import { resultName } from './support/bench-node.js';
import {
  type LoadResult,
  loadDurations,
  type MeasuredLoad,
  measureAlternating,
  runLoad,
} from './support/load.js';
import { describeMachine, median, printTable, round, writeResult } from './support/report.js';
import { startCloudNestServer } from './support/servers-under-test.js';

const LOGIN_CONCURRENCY = 4;
const HASH_SAMPLES = 60;
const ARGON2_TARGET = 1.1;
const USERS = 100;
const ROUNDS = 4;

/** Median milliseconds of one argon2 operation, the app's wrapper vs the bare library call. */
export interface HashComparison {
  readonly appMs: number;
  readonly bareMs: number;
  readonly ratio: number;
}

export interface AuthBenchResult {
  readonly name: 'auth';
  readonly date: string;
  readonly machine: ReturnType<typeof describeMachine>;
  readonly login: LoadResult & { readonly concurrency: number; readonly seconds: number };
  readonly argon2: {
    readonly parameters: typeof ARGON2_PARAMETERS;
    readonly samples: number;
    readonly hash: HashComparison;
    readonly verify: HashComparison;
    readonly target: number;
    readonly pass: boolean;
  };
  readonly meVsHealth: {
    readonly health: MeasuredLoad;
    readonly me: MeasuredLoad;
    /** /auth/me req/s ÷ /health req/s, same app, same run. */
    readonly ratio: number;
  };
  readonly pass: boolean;
}

export async function run(): Promise<AuthBenchResult> {
  const machine = describeMachine();
  const { measureSeconds, warmupSeconds } = loadDurations();
  const argon2 = await compareArgon2();
  const database = await startBenchDatabase();
  const app = await startCloudNestServer(database.url).catch(async (error: unknown) => {
    await database.stop();
    throw error;
  });
  try {
    const users = await app.registerUsers(USERS);
    const [signIn] = users;
    if (!signIn) throw new Error('no user');
    const loginOptions = {
      url: `${app.baseUrl}/auth/login`,
      connections: LOGIN_CONCURRENCY,
      pipelining: 1,
      method: 'POST' as const,
      body: JSON.stringify({ email: signIn.email, password: signIn.password }),
    };
    await runLoad({ ...loginOptions, durationSeconds: warmupSeconds });
    const login = await runLoad({ ...loginOptions, durationSeconds: measureSeconds });

    const loadOf = (path: string) => ({
      url: `${app.baseUrl}${path}`,
      connections: 100,
      pipelining: 10,
      headersPerConnection: path === '/auth/me' ? users.map((user) => user.headers) : [],
    });
    await runLoad({ ...loadOf('/health'), durationSeconds: warmupSeconds });
    await runLoad({ ...loadOf('/auth/me'), durationSeconds: warmupSeconds });
    const [health, me] = await measureAlternating(
      [
        { pid: app.pid, load: loadOf('/health') },
        { pid: app.pid, load: loadOf('/auth/me') },
      ],
      measureSeconds,
      ROUNDS,
    );
    if (!health || !me) throw new Error('missing measurement');

    const result: AuthBenchResult = {
      name: 'auth',
      date: new Date().toISOString(),
      machine,
      login: { ...login, concurrency: LOGIN_CONCURRENCY, seconds: measureSeconds },
      argon2,
      meVsHealth: { health, me, ratio: round(me.requestsPerSecond / health.requestsPerSecond, 3) },
      pass: argon2.pass && login.unexpected === 0 && me.unexpected === 0 && health.unexpected === 0,
    };
    await writeResult(resultName('auth'), result);
    printTable([
      ['measure', 'value', 'peer / note', 'pass'],
      ['login p50 (c=4)', `${login.latencyP50Ms} ms`, `${login.requestsPerSecond} logins/s`, ''],
      ['login p99 (c=4)', `${login.latencyP99Ms} ms`, `${login.unexpected} unexpected`, ''],
      [
        'argon2 hash (app)',
        `${argon2.hash.appMs} ms`,
        `bare ${argon2.hash.bareMs} ms = ${argon2.hash.ratio}x`,
        argon2.hash.ratio <= ARGON2_TARGET ? 'yes' : 'NO',
      ],
      [
        'argon2 verify (app)',
        `${argon2.verify.appMs} ms`,
        `bare ${argon2.verify.bareMs} ms = ${argon2.verify.ratio}x`,
        argon2.verify.ratio <= ARGON2_TARGET ? 'yes' : 'NO',
      ],
      ['GET /health', `${health.requestsPerSecond} req/s`, `p99 ${health.latencyP99Ms} ms`, ''],
      [
        'GET /auth/me',
        `${me.requestsPerSecond} req/s`,
        `${result.meVsHealth.ratio}x of /health, p99 ${me.latencyP99Ms} ms`,
        '',
      ],
    ]);
    return result;
  } finally {
    await app.stop();
    await database.stop();
  }
}

/** Interleaves the app's wrapper and the bare call so both see the same machine state. */
async function compareArgon2(): Promise<AuthBenchResult['argon2']> {
  const crypto = new CryptoRepository();
  const password = 'correct horse battery staple 42';
  const stored = await hash(password, ARGON2_PARAMETERS);
  const timings = {
    appHash: [] as number[],
    bareHash: [] as number[],
    appVerify: [] as number[],
    bareVerify: [] as number[],
  };
  const time = async (samples: number[], operation: () => Promise<unknown>) => {
    const started = performance.now();
    await operation();
    samples.push(performance.now() - started);
  };
  // Two untimed rounds first: the native module and its thread pool warm up. The order of app and
  // bare calls alternates, so neither always follows the same (cache-warming) operation.
  for (let index = -2; index < HASH_SAMPLES; index++) {
    const sink = index < 0 ? { appHash: [], bareHash: [], appVerify: [], bareVerify: [] } : timings;
    const steps = [
      () => time(sink.appHash, () => crypto.hashPassword(password)),
      () => time(sink.bareHash, () => hash(password, ARGON2_PARAMETERS)),
      () => time(sink.appVerify, () => crypto.verifyPassword(stored, password)),
      () => time(sink.bareVerify, () => verify(stored, password)),
    ];
    const order = index % 2 === 0 ? [0, 1, 2, 3] : [1, 0, 3, 2];
    for (const step of order) await steps[step]?.();
  }
  const compare = (app: number[], bare: number[]): HashComparison => {
    const appMs = round(median(app), 2);
    const bareMs = round(median(bare), 2);
    return { appMs, bareMs, ratio: round(appMs / bareMs, 3) };
  };
  // A wrapper that failed fast (its verify swallows errors as `false`) would time near zero and
  // pass: both must have done the work, and agree (found in review, 2026-12-07).
  const appHashed = await crypto.hashPassword(password);
  const checks = [
    await crypto.verifyPassword(stored, password),
    await verify(appHashed, password),
    !(await crypto.verifyPassword(stored, `${password}!`)),
  ];
  if (!checks.every(Boolean))
    throw new Error(`the argon2 wrapper does not verify correctly: ${checks.join(', ')}`);
  const hashComparison = compare(timings.appHash, timings.bareHash);
  const verifyComparison = compare(timings.appVerify, timings.bareVerify);
  return {
    parameters: ARGON2_PARAMETERS,
    samples: HASH_SAMPLES,
    hash: hashComparison,
    verify: verifyComparison,
    target: ARGON2_TARGET,
    pass: hashComparison.ratio <= ARGON2_TARGET && verifyComparison.ratio <= ARGON2_TARGET,
  };
}
