import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixturePath } from './fixture-helpers.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'netcheck.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns the real CLI (bin → tsx → src/cli.ts), exactly what `npx netcheck` runs. */
async function netcheck(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('netcheck CLI', () => {
  // Found in review (2026-12-07): a reader that stops early (`| head`) crashed the CLI with an
  // EPIPE stack trace and exit 1, which a CI gate reads as "errors found".
  it('stops quietly with its own exit code when the reader closes the pipe early', async () => {
    // Eight copies of one stack: ~220 KB of JSON, more than the pipe holds, so writes follow the close.
    const copies = Array(8).fill(fixturePath('seed-000-nest-vpc-fixed.yaml'));
    const child = spawn(process.execPath, [BIN, 'matrix', ...copies, '--format', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });

  it('check: exit 0 and JSON {findings, matrix} for a correct network', async () => {
    const result = await netcheck('check', fixturePath('baseline-two-az.yaml'), '--format', 'json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      findings: unknown[];
      matrix: Array<Record<string, unknown>>;
    };
    expect(report.findings).toEqual([]);
    expect(report.matrix.length).toBeGreaterThan(5);
    for (const entry of report.matrix) {
      expect(Object.keys(entry)).toEqual(
        expect.arrayContaining(['from', 'to', 'port', 'protocol', 'reachable', 'path']),
      );
      expect([true, false, 'unknown']).toContain(entry.reachable);
    }
    expect(report.matrix).toContainEqual(
      expect.objectContaining({ from: 'ApiFunction', to: 'Database', port: 5432, reachable: true }),
    );
    expect(report.matrix).toContainEqual(
      expect.objectContaining({ from: 'internet', to: 'Database', port: 5432, reachable: false }),
    );
  });

  it('check: exit 1 with the seed 000 errors', async () => {
    const result = await netcheck('check', fixturePath('seed-000-nest-vpc.yaml'), '--format', 'json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      findings: Array<{ id: string; severity: string; resource: string; message: string }>;
    };
    expect(report.findings.map((finding) => finding.id)).toEqual(
      expect.arrayContaining(['NV-RT-001', 'NV-SG-001']),
    );
    expect(Object.keys(report.findings[0] ?? {}).sort()).toEqual(['id', 'message', 'resource', 'severity']);
  });

  it('check: text and markdown formats', async () => {
    const text = await netcheck('check', fixturePath('seed-000-nest-vpc.yaml'));
    expect(text.stdout).toContain('ERROR   NV-RT-001    PrivateNatRoute');
    const markdown = await netcheck('check', fixturePath('seed-000-nest-vpc.yaml'), '--format', 'markdown');
    expect(markdown.stdout).toContain('| error | NV-SG-001 | RdsSg |');
    expect(markdown.stdout).toContain('## Traffic matrix');
  });

  it('check: --param changes the evaluated conditions', async () => {
    expect((await netcheck('check', fixturePath('short-form-intrinsics.yaml'))).code).toBe(0);
    const dev = await netcheck('check', fixturePath('short-form-intrinsics.yaml'), '--param', 'EnvType=dev');
    expect(dev.code).toBe(1);
    expect(dev.stdout).toContain('NV-RT-002');
  });

  it('exit 2 for unreadable or unparsable input and bad flags', async () => {
    const missing = await netcheck('check', fixturePath('does-not-exist.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does-not-exist.yaml');
    const notTemplate = await netcheck('check', join(import.meta.dirname, '..', 'package.json'));
    expect(notTemplate.code).toBe(2);
    expect(notTemplate.stderr).toContain('no Resources');
    const badFlag = await netcheck('check', fixturePath('baseline-two-az.yaml'), '--frobnicate');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--help');
    const badFormat = await netcheck('check', fixturePath('baseline-two-az.yaml'), '--format', 'xml');
    expect(badFormat.code).toBe(2);
    expect((await netcheck('frobnicate')).code).toBe(2);
    expect(
      (
        await netcheck(
          'path',
          fixturePath('baseline-two-az.yaml'),
          '--from',
          'ApiFunction',
          '--to',
          'internet',
        )
      ).code,
    ).toBe(2);
    expect(
      (
        await netcheck(
          'path',
          fixturePath('baseline-two-az.yaml'),
          '--from',
          'Nope',
          '--to',
          'internet',
          '--port',
          '443',
        )
      ).code,
    ).toBe(2);
    expect((await netcheck('check', fixturePath('baseline-two-az.yaml'), '--param', 'novalue')).code).toBe(2);
  });

  it('path: exit 0 reachable, 1 unreachable, 3 unknown', async () => {
    const reachable = await netcheck(
      'path',
      fixturePath('seed-000-nest-vpc-fixed.yaml'),
      '--from',
      'BackendFunction',
      '--to',
      'internet',
      '--port',
      '443',
    );
    expect(reachable.code).toBe(0);
    expect(reachable.stdout).toContain('REACHABLE');
    expect(reachable.stdout).toContain('[NAT gateway] NatGateway');
    const blocked = await netcheck(
      'path',
      fixturePath('seed-000-nest-vpc.yaml'),
      '--from',
      'BackendFunction',
      '--to',
      'internet',
      '--port',
      '443',
    );
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('✗ blocked at PrivateRouteTable: NO_ROUTE_TO_DESTINATION');
    const unknown = await netcheck(
      'path',
      fixturePath('import-value-unknown.yaml'),
      '--from',
      'Api',
      '--to',
      'Database',
      '--port',
      '5432',
    );
    expect(unknown.code).toBe(3);
  });

  it('path: JSON {reachable, path, blockedAt}', async () => {
    const result = await netcheck(
      'path',
      fixturePath('nat-without-eip.yaml'),
      '--from',
      'MobileAuthHandler',
      '--to',
      'internet',
      '--port',
      '443',
      '--format',
      'json',
    );
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout) as {
      reachable: unknown;
      path: Array<{ resource: string }>;
      blockedAt: { resource: string; code: string; reason: string };
    };
    expect(body.reachable).toBe(false);
    expect(body.blockedAt).toMatchObject({ resource: 'NatGateway', code: 'NAT_GATEWAY_NO_ELASTIC_IP' });
    expect(body.path[0]?.resource).toBe('MobileAuthHandler');
  });

  it('matrix: markdown table and mermaid diagram', async () => {
    const markdown = await netcheck('matrix', fixturePath('seed-000-nest-vpc.yaml'), '--format', 'markdown');
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain('| From | To | Protocol/port | Result | Path or reason |');
    expect(markdown.stdout).toContain('| BackendFunction | DatabaseNest | tcp/5432 | ✓ reachable |');
    const mermaid = await netcheck('matrix', fixturePath('seed-000-nest-vpc.yaml'), '--format', 'mermaid');
    expect(mermaid.stdout.startsWith('flowchart LR')).toBe(true);
    expect(mermaid.stdout).toContain('subgraph n_PrivateSubnetA');
    expect(mermaid.stdout).toContain('n_BackendFunction --x|"tcp/443"| n_internet');
  });

  it('--help on every command', async () => {
    for (const command of ['check', 'path', 'matrix']) {
      const result = await netcheck(command, '--help');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`netcheck ${command}`);
    }
    expect((await netcheck('--help')).stdout).toContain('Exit codes');
  });
});
