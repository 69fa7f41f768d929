import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { addDeployment, type Deployment } from '../lib/deployment.js';
import { applyAwsSolutionsChecks } from '../lib/nag.js';
import { type PresetName, resolvePreset, type Topology } from '../lib/presets.js';
import type { DeploymentSettings } from '../lib/settings.js';

/** Directories with a tiny `index.mjs`, standing in for the API's esbuild bundles. */
export function placeholderCode(): { api: string; migrate: string; backend: string } {
  const root = mkdtempSync(join(tmpdir(), 'cloudnest-infra-'));
  const dirs = { api: join(root, 'api'), migrate: join(root, 'migrate'), backend: join(root, 'backend') };
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'index.mjs'),
      'export const handler = async () => ({ applied: [], pending: [] });\n',
    );
  }
  writeFileSync(join(dirs.backend, 'main.mjs'), 'console.log("backend");\n');
  return dirs;
}

const CODE = placeholderCode();

/** Settings for a topology × preset with the values a real deploy would pass. */
export function sampleSettings(
  topology: Topology,
  preset: PresetName,
  overrides: Partial<DeploymentSettings> = {},
): DeploymentSettings {
  return {
    topology,
    preset: resolvePreset(preset),
    apiCodePath: CODE.api,
    migrateCodePath: CODE.migrate,
    backendCodePath: topology === 'ec2-alb' ? CODE.backend : undefined,
    imageTag:
      topology === 'lambda-image' || topology === 'fargate'
        ? '0123456789abcdef0123456789abcdef01234567'
        : undefined,
    corsAllowedOrigins: ['https://app.example.com'],
    alarmEmail: 'ops@example.com',
    mailFrom: 'no-reply@example.com',
    domain:
      topology === 'ec2-alb'
        ? { zoneName: 'example.com', hostedZoneId: 'Z0123456789EXAMPLE', recordName: 'www' }
        : undefined,
    ...overrides,
  };
}

/** Synthesizes one deployment (with cdk-nag) and returns its stacks and templates. */
export function synthesize(settings: DeploymentSettings): Deployment & { template: Template; app: App } {
  const app = new App();
  applyAwsSolutionsChecks(app);
  const deployment = addDeployment(app, settings);
  const template = Template.fromStack(deployment.app);
  return { ...deployment, app, template } as Deployment & { template: Template; app: App };
}

/** Error annotations (cdk-nag findings that were not acknowledged) of a stack. */
export function nagErrors(deployment: Deployment): string[] {
  return deployment.stacks.flatMap((stack) =>
    Annotations.fromStack(stack)
      .findError('*', Match.stringLikeRegexp('.*'))
      .map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`),
  );
}
