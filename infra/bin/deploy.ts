// `npm run deploy -- --topology <t> --preset <p> [options]`: seed 001's deploy script for the CDK
// app. Checks prerequisites, builds the API (and the image), pushes it, deploys with the pinned CDK
// CLI, and prints the stack outputs.
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  isPresetName,
  isTopology,
  PRESET_NAMES,
  resolvePreset,
  TOPOLOGIES,
  type Topology,
} from '../lib/presets.js';
import { IMAGE_TOPOLOGIES } from '../lib/settings.js';
import { REPO_ROOT } from './context.js';

/** Parsed command line of the deploy script. */
export interface DeployOptions {
  readonly topology: Topology;
  readonly preset: string;
  readonly profile?: string;
  readonly region: string;
  readonly imageTag?: string;
  readonly skipBuild: boolean;
  readonly createStack: boolean;
  readonly yes: boolean;
  /** Print the resolved region and exit (used by the deploy workflow to configure credentials). */
  readonly printRegion: boolean;
  /** Extra `-c key=value` context passed to the CDK app. */
  readonly context: string[];
}

export const USAGE = `Usage: npm run deploy -- --topology <topology> --preset <preset> [options]

Deploys one CloudNest topology with the pinned AWS CDK CLI.

Required:
  -t, --topology <name>   ${TOPOLOGIES.join(' | ')}
      --preset <name>     ${PRESET_NAMES.join(' | ')}

Options:
  -p, --profile <name>    AWS profile to use (default: the default credential chain)
  -r, --region <region>   deploy the preset to another region (default: the preset's region)
      --image-tag <tag>   image tag for lambda-image/fargate (default: git HEAD SHA)
      --skip-build        do not build the API, the web app (ec2-alb) or the image; the builds
                          (and the image tag) must already exist
      --create-stack      first deploy of an image topology: create the ECR repository stack first
  -c, --context <k=v>     extra CDK context, repeatable (e.g. -c alarmEmail=ops@example.com,
                          -c zoneName=example.com -c hostedZoneId=Z123, -c corsOrigins=https://app.example.com)
  -y, --yes               do not ask to approve security-related changes (CI)
      --print-region      print the region the stack deploys to and exit
  -h, --help              show this help

Examples:
  npm run deploy -- --topology lambda-vpc --preset nest-vpc -p production
  npm run deploy -- --topology fargate --preset autonote --create-stack
  npm run deploy -- --topology ec2-alb --preset seoul -c zoneName=example.com -c hostedZoneId=Z123 -c recordName=www`;

/** Thrown for problems the user fixes; printed without a stack trace. */
export class DeployError extends Error {}

/** Parses the command line. Returns `undefined` when help was asked for. */
export function parseDeployArgs(argv: string[]): DeployOptions | undefined {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    throw new DeployError(`${(error as Error).message}\nRun with --help for usage.`);
  }
  if (values.help) return undefined;
  const topology = values.topology;
  if (!topology) throw new DeployError(`--topology is required (${TOPOLOGIES.join(', ')})`);
  if (!isTopology(topology))
    throw new DeployError(`Unknown topology "${topology}" (${TOPOLOGIES.join(', ')})`);
  const preset = values.preset;
  if (!preset) throw new DeployError(`--preset is required (${PRESET_NAMES.join(', ')})`);
  if (!isPresetName(preset)) throw new DeployError(`Unknown preset "${preset}" (${PRESET_NAMES.join(', ')})`);
  let resolved: ReturnType<typeof resolvePreset>;
  try {
    resolved = resolvePreset(preset, { region: values.region });
  } catch (error) {
    throw new DeployError((error as Error).message);
  }
  if (!resolved.topologies.includes(topology)) {
    throw new DeployError(
      `Preset "${preset}" is not designed for topology "${topology}"; it supports ${resolved.topologies.join(', ')}`,
    );
  }
  const context = values.context ?? [];
  for (const entry of context) {
    if (!/^[A-Za-z][A-Za-z0-9]*=.*/.test(entry))
      throw new DeployError(`--context expects key=value, got "${entry}"`);
  }
  if (values['image-tag'] !== undefined && !IMAGE_TOPOLOGIES.includes(topology)) {
    throw new DeployError(`--image-tag only applies to ${IMAGE_TOPOLOGIES.join(' and ')}`);
  }
  if (values['create-stack'] && !IMAGE_TOPOLOGIES.includes(topology)) {
    throw new DeployError(
      `--create-stack only applies to ${IMAGE_TOPOLOGIES.join(' and ')} (the others create everything in one stack)`,
    );
  }
  return {
    topology,
    preset,
    profile: values.profile,
    region: resolved.region,
    imageTag: values['image-tag'],
    skipBuild: values['skip-build'] ?? false,
    createStack: values['create-stack'] ?? false,
    yes: values.yes ?? false,
    printRegion: values['print-region'] ?? false,
    context,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      topology: { type: 'string', short: 't' },
      preset: { type: 'string' },
      profile: { type: 'string', short: 'p' },
      region: { type: 'string', short: 'r' },
      'image-tag': { type: 'string' },
      'skip-build': { type: 'boolean' },
      'create-stack': { type: 'boolean' },
      context: { type: 'string', short: 'c', multiple: true },
      yes: { type: 'boolean', short: 'y' },
      'print-region': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly missing: boolean;
}

function run(command: string, args: string[], options: SpawnSyncOptions = {}): Run {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return {
    status: result.status,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    missing,
  };
}

function step(n: number, total: number, message: string): void {
  console.log(`\n[${n}/${total}] ${message}`);
}

/** Arguments selecting profile and region for the AWS CLI. */
function awsArgs(options: DeployOptions): string[] {
  return [
    ...(options.profile ? ['--profile', options.profile] : []),
    '--region',
    options.region,
    '--output',
    'json',
  ];
}

/** Verifies credentials; returns the account id. */
export function checkCredentials(options: DeployOptions): string {
  const identity = run('aws', ['sts', 'get-caller-identity', ...awsArgs(options)]);
  if (identity.missing) {
    throw new DeployError(
      'AWS CLI not found: install it (https://aws.amazon.com/cli/) and configure credentials.',
    );
  }
  if (identity.status !== 0) {
    const detail = identity.stderr.trim();
    if (/could not be found|ProfileNotFound/i.test(detail)) {
      throw new DeployError(
        `AWS profile "${options.profile}" does not exist: check ~/.aws/config or drop -p.\n${detail}`,
      );
    }
    if (
      /Unable to locate credentials|NoCredentialProviders|no credentials|Token has expired|SSO/i.test(detail)
    ) {
      throw new DeployError(
        `No usable AWS credentials${options.profile ? ` for profile "${options.profile}"` : ''}: run \`aws configure\`, \`aws sso login\`, or pass -p <profile>.\n${detail}`,
      );
    }
    throw new DeployError(
      `Could not verify AWS credentials (aws sts get-caller-identity failed):\n${detail}`,
    );
  }
  const account = (JSON.parse(identity.stdout) as { Account?: string }).Account;
  if (!account) throw new DeployError('aws sts get-caller-identity returned no account id');
  return account;
}

/** Verifies the account/region is CDK-bootstrapped. */
export function checkBootstrap(options: DeployOptions, account: string): void {
  const parameter = run('aws', [
    'ssm',
    'get-parameter',
    '--name',
    '/cdk-bootstrap/hnb659fds/version',
    ...awsArgs(options),
  ]);
  if (parameter.status !== 0) {
    throw new DeployError(
      `aws://${account}/${options.region} is not bootstrapped for the CDK (or you cannot read its version).\n` +
        `Run: npx -w @cloudnest/infra cdk bootstrap aws://${account}/${options.region}${options.profile ? ` --profile ${options.profile}` : ''}\n` +
        parameter.stderr.trim(),
    );
  }
}

/**
 * The builds a deploy of `topology` runs before CDK: the API bundles always, and for ec2-alb the
 * web app's standalone build too (its frontend instances serve it; without it the stack used to
 * fall back to a placeholder page, found in review 2026-12-07).
 */
/**
 * `docker build` for the topology's image, tagged `reference`. BuildKit (Docker Desktop, the
 * containerd image store) attaches provenance attestations by default, which makes the push an
 * OCI image index; Lambda takes only a single-manifest image and refuses the index (found in
 * review, 2026-12-07; the workflow already turned both off), so neither is made. Needs Docker 23+
 * (buildx as `docker build`).
 */
export function imageBuildArgs(topology: Topology, reference: string): string[] {
  const dockerfile = topology === 'lambda-image' ? 'api/Dockerfile.lambda' : 'api/Dockerfile';
  return [
    'build',
    '--platform',
    'linux/arm64',
    '--provenance=false',
    '--sbom=false',
    '-f',
    dockerfile,
    '-t',
    reference,
    '.',
  ];
}

export function buildCommands(topology: Topology): { readonly what: string; readonly args: string[] }[] {
  return [
    { what: 'API build', args: ['run', 'build', '-w', 'api'] },
    ...(topology === 'ec2-alb'
      ? [{ what: 'web app build', args: ['run', 'build:ec2', '-w', '@cloudnest/web'] }]
      : []),
  ];
}

/**
 * After `cdk deploy`, waits until the deployed API answers `GET <apiUrl>/health/ready` with 200 —
 * the database reachable through the new version — polling every `intervalMs` for up to
 * `timeoutMs` (a new custom domain's record and fresh ec2-alb instances take minutes). Seed 001
 * checked its deploy by hand with curl; a stack that deployed but cannot serve fails the deploy.
 */
export async function waitUntilServing(
  apiUrl: string,
  { timeoutMs = 300_000, intervalMs = 5_000 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const url = `${apiUrl.replace(/\/$/, '')}/health/ready`;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(10_000, timeoutMs)) });
      const body = await response.text();
      if (response.status === 200) return;
      last = `${response.status} ${body.slice(0, 200)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() + intervalMs > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new DeployError(
    `deployed, but ${url} did not answer 200 within ${Math.round(timeoutMs / 1000)} s (last: ${last}); see the stack's alarms and the API's logs`,
  );
}

function gitSha(): string {
  const sha = run('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT });
  if (sha.status !== 0) throw new DeployError('Not a git checkout: pass --image-tag <tag>');
  return sha.stdout.trim();
}

function must(result: Run, what: string): Run {
  if (result.missing) throw new DeployError(`${what}: command not found`);
  if (result.status !== 0) throw new DeployError(`${what} failed (exit ${result.status})`);
  return result;
}

async function main(argv: string[]): Promise<void> {
  const options = parseDeployArgs(argv);
  if (!options) {
    console.log(USAGE);
    return;
  }
  if (options.printRegion) {
    console.log(options.region);
    return;
  }
  const image = IMAGE_TOPOLOGIES.includes(options.topology);
  const stack = `CloudNest-${options.preset}-${options.topology}`;
  const total = image ? 7 : 5;
  let n = 0;
  console.log(
    `Deploying ${stack} to ${options.region}${options.profile ? ` with profile ${options.profile}` : ''}`,
  );

  step(++n, total, 'Checking prerequisites (credentials, CDK bootstrap, Docker)');
  const account = checkCredentials(options);
  console.log(`  account ${account}`);
  checkBootstrap(options, account);
  console.log('  CDK bootstrap found');
  if (image && !options.skipBuild) {
    const docker = run('docker', ['info', '--format', '{{.ServerVersion}}']);
    if (docker.missing || docker.status !== 0) {
      throw new DeployError(
        'Docker engine not reachable: start Docker, or use --skip-build with an image already in ECR.',
      );
    }
    console.log(`  Docker ${docker.stdout.trim()}`);
  }

  const builds = buildCommands(options.topology);
  step(
    ++n,
    total,
    options.skipBuild
      ? 'Skipping the builds (--skip-build)'
      : `Building (${builds.map((build) => `npm ${build.args.join(' ')}`).join(', ')})`,
  );
  if (!options.skipBuild) {
    for (const build of builds)
      must(run('npm', build.args, { cwd: REPO_ROOT, stdio: 'inherit' }), build.what);
  }

  const imageTag = options.imageTag ?? (image ? gitSha() : undefined);
  const deploymentId = `${gitSha().slice(0, 12)}-${Date.now()}`;
  const context: Record<string, string | undefined> = {
    topology: options.topology,
    preset: options.preset,
    region: options.region,
    deploymentId,
    imageTag,
  };
  const cdkContext = [
    ...Object.entries(context).flatMap(([key, value]) =>
      value === undefined ? [] : ['-c', `${key}=${value}`],
    ),
    ...options.context.flatMap((entry) => ['-c', entry]),
  ];
  const cdk = (args: string[]) =>
    run('npx', ['cdk', ...args, ...cdkContext, ...(options.profile ? ['--profile', options.profile] : [])], {
      cwd: join(REPO_ROOT, 'infra'),
      stdio: 'inherit',
      env: { ...process.env, CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: options.region },
    });

  if (image) {
    const repository = `cloudnest-api-${options.preset}-${options.topology}`;
    step(++n, total, `Image repository ${repository}`);
    if (options.createStack)
      must(cdk(['deploy', `${stack}-registry`, '--require-approval', 'never']), 'Registry stack deploy');
    const described = run('aws', [
      'ecr',
      'describe-repositories',
      '--repository-names',
      repository,
      ...awsArgs(options),
    ]);
    if (described.status !== 0) {
      throw new DeployError(
        `ECR repository ${repository} not found: run once with --create-stack.\n${described.stderr.trim()}`,
      );
    }
    const uri = (JSON.parse(described.stdout) as { repositories: { repositoryUri: string }[] })
      .repositories[0]?.repositoryUri;

    step(
      ++n,
      total,
      options.skipBuild ? `Checking ${uri}:${imageTag} exists` : `Building and pushing ${uri}:${imageTag}`,
    );
    const found = run('aws', [
      'ecr',
      'describe-images',
      '--repository-name',
      repository,
      '--image-ids',
      `imageTag=${imageTag}`,
      ...awsArgs(options),
    ]);
    if (options.skipBuild) {
      if (found.status !== 0)
        throw new DeployError(`Image ${uri}:${imageTag} is not in ECR; build it or drop --skip-build.`);
    } else if (found.status === 0) {
      // The repository's tags are immutable: a rebuilt image could not replace it, and the push
      // would fail (the workflow skips it the same way).
      console.log(`  ${uri}:${imageTag} is already in ECR (tags are immutable): not built again`);
    } else {
      const password = must(
        run('aws', ['ecr', 'get-login-password', ...awsArgs(options).slice(0, -2)]),
        'ECR login',
      );
      must(
        run('docker', ['login', '--username', 'AWS', '--password-stdin', String(uri).split('/')[0] ?? ''], {
          input: password.stdout,
        }),
        'docker login',
      );
      must(
        run('docker', imageBuildArgs(options.topology, `${uri}:${imageTag}`), {
          cwd: REPO_ROOT,
          stdio: 'inherit',
        }),
        'docker build',
      );
      must(run('docker', ['push', `${uri}:${imageTag}`], { stdio: 'inherit' }), 'docker push');
    }
  }

  step(++n, total, `Deploying ${stack} (migrations run before the new version takes traffic)`);
  const outputsFile = join(REPO_ROOT, 'infra/cdk.out', `outputs-${stack}.json`);
  mkdirSync(join(REPO_ROOT, 'infra/cdk.out'), { recursive: true });
  must(
    cdk([
      'deploy',
      stack,
      '--require-approval',
      options.yes ? 'never' : 'broadening',
      '--outputs-file',
      outputsFile,
    ]),
    'cdk deploy',
  );

  step(++n, total, 'Outputs');
  const outputs =
    (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>)[stack] ?? {};
  for (const [key, value] of Object.entries(outputs)) console.log(`  ${key}: ${value}`);
  if (options.topology === 'fargate' && outputs.ClusterName && outputs.ServiceName) {
    console.log('  waiting for the ECS service to be stable…');
    must(
      run(
        'aws',
        [
          'ecs',
          'wait',
          'services-stable',
          '--cluster',
          outputs.ClusterName,
          '--services',
          outputs.ServiceName,
          ...awsArgs(options),
        ],
        {
          stdio: 'inherit',
        },
      ),
      'ECS service stabilization',
    );
  }
  if (outputs.ApiUrl) {
    step(++n, total, `Checking ${outputs.ApiUrl}/health/ready`);
    await waitUntilServing(outputs.ApiUrl);
    console.log('  ready: the new version serves and reaches its database');
  }
  console.log(`\nDone: ${stack}${outputs.ApiUrl ? ` → ${outputs.ApiUrl}` : ''}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof DeployError) {
      console.error(`\ndeploy: ${error.message}`);
      process.exit(2);
    }
    throw error;
  });
}
