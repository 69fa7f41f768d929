import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { placeholderCode } from './support.js';

const INFRA = join(import.meta.dirname, '..');
const offline = () =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));

describe('synthesis through the real entry points, offline and without credentials', () => {
  // nag.test.ts synthesizes the whole matrix in-process; here the script itself runs on one
  // topology to keep the suite fast.
  it('`npm run synth -- --placeholder` writes the templates, cdk-nag clean', () => {
    const out = mkdtempSync(join(tmpdir(), 'cloudnest-synth-'));
    // The script's own temporary files go here, so the test can see that it removes them.
    const scratch = mkdtempSync(join(tmpdir(), 'cloudnest-synth-tmp-'));
    onTestFinished(() => {
      rmSync(out, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    });
    const args = ['--import', 'tsx', 'bin/synth.ts', '--placeholder', '--only', 'dev-lambda', '--out', out];
    const result = spawnSync(process.execPath, args, {
      cwd: INFRA,
      encoding: 'utf8',
      env: { ...offline(), TMPDIR: scratch },
      timeout: 150_000,
    });
    expect(result.stderr.match(/^synth: .*/m)?.[0] ?? '').toBe('');
    expect(result.status).toBe(0);
    const templates = readdirSync(out).filter((f) => f.endsWith('.template.json'));
    expect(templates.sort()).toEqual([
      'CloudNest-dev-lambda-image-registry.template.json',
      'CloudNest-dev-lambda-image.template.json',
      'CloudNest-dev-lambda-vpc.template.json',
    ]);
    expect(result.stdout).toMatch(/cdk-nag clean/);
    expect(readdirSync(scratch).filter((name) => name.startsWith('cloudnest-placeholder-'))).toEqual([]);
  });

  it('the pinned CDK CLI synthesizes bin/app.ts from context (account given, AZs from the preset)', () => {
    const code = placeholderCode();
    const out = mkdtempSync(join(tmpdir(), 'cloudnest-cdk-'));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    const result = spawnSync(
      'npx',
      [
        'cdk',
        'synth',
        '--quiet',
        '--output',
        out,
        '-c',
        'topology=lambda-vpc',
        '-c',
        'preset=nest-vpc',
        '-c',
        `apiCodePath=${code.api}`,
        '-c',
        `migrateCodePath=${code.migrate}`,
        '-c',
        'mailFrom=no-reply@example.com',
        '-c',
        'siteUrl=https://app.example.com',
      ],
      {
        cwd: INFRA,
        encoding: 'utf8',
        env: { ...offline(), CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DISABLE_VERSION_CHECK: '1' },
        timeout: 150_000,
      },
    );
    expect(result.status, result.stderr).toBe(0);
    const templateFile = join(out, 'CloudNest-nest-vpc-lambda-vpc.template.json');
    expect(existsSync(templateFile)).toBe(true);
    expect(readFileSync(templateFile, 'utf8')).toContain('ap-southeast-2c');
    expect(existsSync(join(INFRA, 'cdk.context.json'))).toBe(false);
  });
});
