import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildCommands,
  DeployError,
  imageBuildArgs,
  parseDeployArgs,
  USAGE,
  waitUntilServing,
} from '../bin/deploy.js';

const INFRA = join(import.meta.dirname, '..');

/** The environment the deploy script runs in: no AWS credentials anywhere, plus `env`. */
function deployEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  return {
    ...clean,
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  };
}

const DEPLOY_COMMAND = [process.execPath, ['--import', 'tsx', 'bin/deploy.ts']] as const;

/** Runs the deploy script as `npm run deploy` would. */
function deploy(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(DEPLOY_COMMAND[0], [...DEPLOY_COMMAND[1], ...args], {
    cwd: INFRA,
    encoding: 'utf8',
    timeout: 60_000,
    env: deployEnv(env),
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** The same, without blocking this process (which may have to answer the script's requests). */
function deployInBackground(args: string[], env: Record<string, string>) {
  return new Promise<{ status: number | null; out: string }>((resolve, reject) => {
    const child = spawn(DEPLOY_COMMAND[0], [...DEPLOY_COMMAND[1], ...args], {
      cwd: INFRA,
      env: deployEnv(env),
      timeout: 60_000,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, out }));
  });
}

describe('deploy argument parsing', () => {
  it('parses seed 001’s flags', () => {
    expect(
      parseDeployArgs([
        '--topology',
        'lambda-vpc',
        '--preset',
        'nest-vpc',
        '-p',
        'production',
        '-r',
        'eu-west-1',
        '--skip-build',
      ]),
    ).toEqual({
      topology: 'lambda-vpc',
      preset: 'nest-vpc',
      profile: 'production',
      region: 'eu-west-1',
      imageTag: undefined,
      skipBuild: true,
      createStack: false,
      yes: false,
      printRegion: false,
      context: [],
    });
    expect(
      parseDeployArgs(['-t', 'fargate', '--preset', 'autonote', '--create-stack', '-c', 'alarmEmail=a@b.co']),
    ).toMatchObject({
      region: 'us-east-1',
      createStack: true,
      context: ['alarmEmail=a@b.co'],
    });
    expect(parseDeployArgs(['--help'])).toBeUndefined();
  });

  it('builds the API for every topology and the web app too for ec2-alb', () => {
    const api = ['run', 'build', '-w', 'api'];
    for (const topology of ['lambda-vpc', 'lambda-image', 'fargate'] as const) {
      expect(buildCommands(topology).map((build) => build.args)).toEqual([api]);
    }
    expect(buildCommands('ec2-alb').map((build) => build.args)).toEqual([
      api,
      ['run', 'build:ec2', '-w', '@cloudnest/web'],
    ]);
  });

  it('builds single-manifest arm64 images, as Lambda requires (no provenance or SBOM index)', () => {
    const lambda = imageBuildArgs('lambda-image', 'repo:abc');
    expect(lambda).toEqual(expect.arrayContaining(['--provenance=false', '--sbom=false', '-t', 'repo:abc']));
    expect(lambda.join(' ')).toContain('--platform linux/arm64 ');
    expect(lambda.join(' ')).toContain('-f api/Dockerfile.lambda ');
    expect(imageBuildArgs('fargate', 'repo:abc').join(' ')).toContain('-f api/Dockerfile ');
  });

  it('fails when the topology or preset is missing or unknown', () => {
    expect(() => parseDeployArgs(['--preset', 'dev'])).toThrow(/--topology is required/);
    expect(() => parseDeployArgs(['-t', 'lambda-vpc'])).toThrow(/--preset is required/);
    expect(() => parseDeployArgs(['-t', 'k8s', '--preset', 'dev'])).toThrow(/Unknown topology "k8s"/);
    expect(() => parseDeployArgs(['-t', 'fargate', '--preset', 'staging'])).toThrow(
      /Unknown preset "staging"/,
    );
  });

  it('fails when the preset does not support the topology, or a flag does not apply', () => {
    expect(() => parseDeployArgs(['-t', 'ec2-alb', '--preset', 'nest-vpc'])).toThrow(
      /not designed for topology "ec2-alb"/,
    );
    expect(() => parseDeployArgs(['-t', 'lambda-vpc', '--preset', 'dev', '--create-stack'])).toThrow(
      /--create-stack only applies/,
    );
    expect(() => parseDeployArgs(['-t', 'lambda-vpc', '--preset', 'dev', '--image-tag', 'x'])).toThrow(
      /--image-tag only applies/,
    );
    expect(() => parseDeployArgs(['-t', 'lambda-vpc', '--preset', 'dev', '-c', 'novalue'])).toThrow(
      /key=value/,
    );
    expect(() => parseDeployArgs(['-t', 'lambda-vpc', '--preset', 'dev', '--bogus'])).toThrow(DeployError);
    expect(() => parseDeployArgs(['-t', 'lambda-vpc', '--preset', 'dev', '-r', 'nowhere'])).toThrow(
      /not an AWS region/,
    );
  });
});

describe('deploy script run without AWS', () => {
  it('prints help with every flag and exits 0', () => {
    const { status, out } = deploy(['--help']);
    expect(status).toBe(0);
    for (const flag of [
      '--topology',
      '--preset',
      '--profile',
      '--region',
      '--skip-build',
      '--create-stack',
      '--help',
    ]) {
      expect(out).toContain(flag);
    }
    expect(USAGE).toContain('-p, --profile');
  });

  it('prints the resolved region for the workflow', () => {
    const { status, out } = deploy(['-t', 'ec2-alb', '--preset', 'seoul', '--print-region']);
    expect(status).toBe(0);
    expect(out.trim().split('\n').at(-1)).toBe('ap-northeast-2');
  });

  it('exits 2 with a clear message on bad arguments', () => {
    const { status, out } = deploy(['--topology', 'lambda-vpc', '--preset', 'seoul']);
    expect(status).toBe(2);
    expect(out).toMatch(/deploy: Preset "seoul" is not designed for topology "lambda-vpc"/);
  });

  it('stops at the prerequisites when there are no credentials', () => {
    const { status, out } = deploy(['--topology', 'lambda-vpc', '--preset', 'nest-vpc']);
    expect(status).toBe(2);
    expect(out).toContain('[1/5] Checking prerequisites');
    expect(out).toMatch(/deploy: No usable AWS credentials: run `aws configure`/);
    expect(out).not.toContain('[2/4]');
  });

  it('names the missing profile', () => {
    const { status, out } = deploy(['--topology', 'lambda-vpc', '--preset', 'dev', '-p', 'nope']);
    expect(status).toBe(2);
    expect(out).toMatch(/AWS profile "nope" does not exist/);
  });

  it('says so when the AWS CLI is not installed', () => {
    const { status, out } = deploy(['--topology', 'fargate', '--preset', 'autonote'], {
      PATH: dirname(process.execPath),
    });
    expect(status).toBe(2);
    expect(out).toMatch(/AWS CLI not found/);
  });
});

describe('the check after deploying', () => {
  /** A loopback API whose readiness answers the given statuses in turn, then the last one. */
  async function apiAnswering(statuses: number[]) {
    const asked: string[] = [];
    const server = createServer((request, response) => {
      asked.push(String(request.url));
      const status = statuses[Math.min(asked.length - 1, statuses.length - 1)] ?? 500;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(status === 200 ? { status: 'ok' } : { status: 'error' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/api`, asked, close: () => server.close() };
  }

  it('waits until the deployed API is ready', async () => {
    const api = await apiAnswering([503, 503, 200]);
    try {
      await waitUntilServing(`${api.url}/`, { timeoutMs: 5_000, intervalMs: 10 });
      expect(api.asked).toEqual(['/api/health/ready', '/api/health/ready', '/api/health/ready']);
    } finally {
      api.close();
    }
  });

  it('fails the deploy, with the last answer, when it never gets ready', async () => {
    const api = await apiAnswering([503]);
    try {
      const waiting = waitUntilServing(api.url, { timeoutMs: 300, intervalMs: 50 });
      await expect(waiting).rejects.toThrow(DeployError);
      await expect(waiting).rejects.toThrow(
        /did not answer 200 within 0 s \(last: 503 \{"status":"error"\}\)/,
      );
    } finally {
      api.close();
    }
  });
});

/**
 * A whole deploy of an image topology. AWS, a Docker engine and CloudFormation cannot run here, so
 * `aws`, `docker`, `npm` and `npx` (for `npx cdk`) are stand-ins on PATH that record their
 * arguments and answer as the real ones do; the script itself runs unchanged, git included.
 */
describe('a deploy of an image topology, with stand-ins for the AWS CLI, Docker and the CDK CLI', () => {
  const STAND_IN = `
const { appendFileSync, writeFileSync } = require('node:fs');
const [tool, ...args] = process.argv.slice(2);
appendFileSync(process.env.STAND_IN_LOG, JSON.stringify([tool, ...args]) + '\\n');
const command = args.slice(0, 2).join(' ');
const answer = (value) => process.stdout.write(typeof value === 'string' ? value : JSON.stringify(value));
if (tool === 'aws') {
  if (command === 'sts get-caller-identity') answer({ Account: '123456789012' });
  else if (command === 'ssm get-parameter') answer({ Parameter: { Value: '27' } });
  else if (command === 'ecr describe-repositories')
    answer({ repositories: [{ repositoryUri: '123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/' + args[3] }] });
  else if (command === 'ecr describe-images') {
    if (process.env.STAND_IN_IMAGE_EXISTS !== 'true') {
      process.stderr.write('An error occurred (ImageNotFoundException) when calling the DescribeImages operation');
      process.exit(254);
    }
    answer({ imageDetails: [{ imageTags: [args[5].slice('imageTag='.length)] }] });
  } else if (command === 'ecr get-login-password') answer('stand-in-password');
}
if (tool === 'docker' && args[0] === 'info') answer('27.3.1');
if (tool === 'npx' && args[0] === 'cdk' && args[1] === 'deploy') {
  const outputs = args[args.indexOf('--outputs-file') + 1];
  if (outputs) writeFileSync(outputs, JSON.stringify({ [args[2]]: {
    ApiUrl: process.env.STAND_IN_API_URL, ClusterName: 'cluster', ServiceName: 'service' } }));
}
`;

  async function deployWithStandIns(imageExists: boolean) {
    const dir = await mkdtemp(join(tmpdir(), 'cloudnest-deploy-'));
    // The script writes the stack's outputs into infra/cdk.out: a real deploy's file is put back.
    const outputsFile = join(INFRA, 'cdk.out', 'outputs-CloudNest-autonote-fargate.json');
    const earlierOutputs = await readFile(outputsFile, 'utf8').catch(() => undefined);
    const api = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    try {
      const script = join(dir, 'stand-in.cjs');
      await writeFile(script, STAND_IN);
      for (const tool of ['aws', 'docker', 'npm', 'npx']) {
        await writeFile(join(dir, tool), `#!/bin/sh\nexec "${process.execPath}" "${script}" ${tool} "$@"\n`);
        await chmod(join(dir, tool), 0o755);
      }
      const log = join(dir, 'calls.jsonl');
      await writeFile(log, '');
      // Asynchronously: the deployed API's readiness is answered by this process.
      const { status, out } = await deployInBackground(
        ['--topology', 'fargate', '--preset', 'autonote', '--image-tag', 'v42'],
        {
          PATH: `${dir}:${process.env.PATH}`,
          STAND_IN_LOG: log,
          STAND_IN_IMAGE_EXISTS: String(imageExists),
          STAND_IN_API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}/api`,
        },
      );
      const calls = (await readFile(log, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as string[]);
      return { status, out, calls };
    } finally {
      api.close();
      await rm(dir, { recursive: true, force: true });
      if (earlierOutputs === undefined) await rm(outputsFile, { force: true });
      else await writeFile(outputsFile, earlierOutputs);
    }
  }

  const image = '123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/cloudnest-api-autonote-fargate:v42';
  const cdkDeploy = (call: string[]) => call[0] === 'npx' && call[1] === 'cdk' && call[2] === 'deploy';

  it('builds, pushes a single-manifest image and deploys with its tag, then waits for the service and readiness', async () => {
    const { status, out, calls } = await deployWithStandIns(false);
    expect(status, out).toBe(0);
    const tools = calls.map((call) => call.slice(0, 3).join(' '));
    expect(tools).toEqual([
      'aws sts get-caller-identity',
      'aws ssm get-parameter',
      'docker info --format',
      'npm run build',
      'aws ecr describe-repositories',
      'aws ecr describe-images',
      'aws ecr get-login-password',
      'docker login --username',
      'docker build --platform',
      `docker push ${image}`,
      'npx cdk deploy',
      'aws ecs wait',
    ]);
    expect(calls.find((call) => call[1] === 'build' && call[0] === 'docker')).toEqual([
      'docker',
      ...imageBuildArgs('fargate', image),
    ]);
    const deployCall = calls.find(cdkDeploy) as string[];
    expect(deployCall.slice(0, 4)).toEqual(['npx', 'cdk', 'deploy', 'CloudNest-autonote-fargate']);
    expect(deployCall).toContain('imageTag=v42');
    expect(out).toContain('ready: the new version serves and reaches its database');
  });

  it('deploys a tag already in ECR without building or pushing it again (tags are immutable)', async () => {
    const { status, out, calls } = await deployWithStandIns(true);
    expect(status, out).toBe(0);
    expect(out).toContain(`${image} is already in ECR (tags are immutable): not built again`);
    expect(calls.filter((call) => call[0] === 'docker').map((call) => call[1])).toEqual(['info']);
    expect(calls.some((call) => call[0] === 'aws' && call[2] === 'get-login-password')).toBe(false);
    expect(calls.find(cdkDeploy)).toContain('imageTag=v42');
  });
});
