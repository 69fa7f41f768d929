// `npm run synth`: writes every topology × preset template into infra/cdk.out, offline and
// without credentials. Usage: npm run synth [-- --placeholder] [--out <dir>]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { addDeployment } from '../lib/deployment.js';
import { applyAwsSolutionsChecks } from '../lib/nag.js';
import { resolvePreset, supportedCombinations } from '../lib/presets.js';
import { type DeploymentSettings, stackName } from '../lib/settings.js';
import { API_ARTIFACTS, REPO_ROOT, serverRuntimeDependencies, WEB_ARTIFACT } from './context.js';

const { values } = parseArgs({
  options: {
    placeholder: { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, 'infra/cdk.out') },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`Usage: npm run synth [-- --placeholder] [--out <dir>]

Synthesizes every supported topology × preset (plus lambda-vpc import mode) into <dir>
(default infra/cdk.out) with cdk-nag, offline. Builds the API first when its bundles are missing.
  --placeholder  use tiny stand-in bundles instead of building the API (templates only)
  --only <text>  only the stacks whose name contains <text> (e.g. --only lambda-vpc)`);
  process.exit(0);
}

function fail(message: string): never {
  console.error(`synth: ${message}`);
  process.exit(1);
}

function placeholderArtifacts(): typeof API_ARTIFACTS {
  const root = mkdtempSync(join(tmpdir(), 'cloudnest-placeholder-'));
  // Synthesis copies the assets into the output; the stand-ins need not outlive the process.
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  const dirs = { api: join(root, 'api'), migrate: join(root, 'migrate'), server: join(root, 'server') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const handler = 'export const handler = async () => { throw new Error("placeholder bundle"); };\n';
  writeFileSync(join(dirs.api, 'index.mjs'), handler);
  writeFileSync(join(dirs.migrate, 'index.mjs'), handler);
  writeFileSync(join(dirs.server, 'main.mjs'), 'throw new Error("placeholder bundle");\n');
  return dirs;
}

function realArtifacts(): typeof API_ARTIFACTS {
  const bundle = join(API_ARTIFACTS.api, 'index.mjs');
  const missing = () =>
    [
      join(API_ARTIFACTS.api, 'index.mjs'),
      join(API_ARTIFACTS.migrate, 'index.mjs'),
      API_ARTIFACTS.server,
    ].filter((path) => spawnSync('test', ['-e', path]).status !== 0);
  if (missing().length > 0) {
    console.log(
      `synth: ${relative(REPO_ROOT, bundle)} or another API artifact is missing; running npm run build -w api`,
    );
    const build = spawnSync('npm', ['run', 'build', '-w', 'api'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (build.status !== 0) {
      fail(
        '`npm run build -w api` failed; fix the API build, or run `npm run synth -- --placeholder` for templates only',
      );
    }
  }
  const stillMissing = missing();
  if (stillMissing.length > 0) {
    fail(
      `the API build did not produce:\n  - ${stillMissing.map((p) => relative(REPO_ROOT, p)).join('\n  - ')}\n` +
        'or run `npm run synth -- --placeholder` for templates only',
    );
  }
  return API_ARTIFACTS;
}

function gitSha(): string {
  const result = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'unversioned';
}

const artifacts = values.placeholder ? placeholderArtifacts() : realArtifacts();
const outdir = resolve(values.out);
rmSync(outdir, { recursive: true, force: true });

// Sample values where a real deploy passes its own (documented in infra/README.md).
const settings: DeploymentSettings[] = supportedCombinations().map(({ topology, preset }) => ({
  topology,
  preset: resolvePreset(preset),
  apiCodePath: artifacts.api,
  migrateCodePath: artifacts.migrate,
  backendCodePath: topology === 'ec2-alb' ? artifacts.server : undefined,
  backendRuntimeDependencies: topology === 'ec2-alb' ? serverRuntimeDependencies() : undefined,
  frontendCodePath:
    topology === 'ec2-alb' && !values.placeholder && existsSync(WEB_ARTIFACT) ? WEB_ARTIFACT : undefined,
  imageTag: gitSha(),
  corsAllowedOrigins: ['https://app.example.com'],
  mailFrom: 'no-reply@example.com',
  // Mail goes out (mailFrom), so every topology but ec2-alb (whose domain is the site) names its site.
  siteUrl: topology === 'ec2-alb' ? undefined : 'https://app.example.com',
  domain:
    topology === 'ec2-alb'
      ? { zoneName: 'example.com', hostedZoneId: 'Z0000000000EXAMPLE', recordName: 'www' }
      : topology === 'fargate' && preset !== 'dev'
        ? {
            zoneName: 'example.com',
            recordName: 'api',
            certificateArn: `arn:aws:acm:${resolvePreset(preset).region}:123456789012:certificate/00000000-0000-0000-0000-000000000000`,
          }
        : undefined,
}));
// Seed 000's import mode: its SAM parameters, as given in the seed.
settings.push({
  topology: 'lambda-vpc',
  preset: resolvePreset('nest-vpc'),
  stackName: 'CloudNest-nest-vpc-lambda-vpc-import',
  apiCodePath: artifacts.api,
  migrateCodePath: artifacts.migrate,
  mailFrom: 'no-reply@example.com',
  siteUrl: 'https://app.example.com',
  existingNetwork: {
    vpcId: 'vpc-00b91951c36f803c6',
    availabilityZones: ['ap-southeast-2a', 'ap-southeast-2b', 'ap-southeast-2c'],
    privateSubnetIds: ['subnet-0252fa717f4638268', 'subnet-05b32a038870ee48f', 'subnet-0479d42241a7eae8f'],
    vpcCidrBlock: '10.0.0.0/24',
  },
  existingDatabase: {
    securityGroupId: 'sg-0fc391d30ffe29141',
    secretArn: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:sam-aws-nest/database-AbCdEf',
    engine: 'postgres',
  },
});

const app = new App({ outdir });
applyAwsSolutionsChecks(app);
for (const s of settings) {
  if (!values.only || stackName(s).includes(values.only)) addDeployment(app, s);
}
const assembly = app.synth();

const errors = assembly.stacks.flatMap((stack) =>
  stack.messages
    .filter((m) => m.level === 'error')
    .map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`),
);
for (const stack of assembly.stacks)
  console.log(`  ${relative(REPO_ROOT, join(outdir, stack.templateFile))}`);
if (errors.length > 0)
  fail(`${errors.length} unacknowledged cdk-nag error(s):\n  - ${errors.join('\n  - ')}`);
console.log(`synth: ${assembly.stacks.length} templates in ${relative(REPO_ROOT, outdir)}, cdk-nag clean`);
