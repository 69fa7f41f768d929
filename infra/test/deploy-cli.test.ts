import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** Runs the deploy script as `npm run deploy` would, with no AWS credentials anywhere. */
function deploy(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/deploy.ts', ...args], {
    cwd: INFRA,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...clean,
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
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
