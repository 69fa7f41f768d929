import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DriverSsl, driverSslOption } from './database-tls.js';

const trusted = (ssl: DriverSsl) => {
  if (ssl === false || !ssl.rejectUnauthorized) return [];
  return ssl.ca ?? [];
};
const commonNames = (pems: readonly string[]) =>
  pems.map((pem) => /CN=([^\n]+)/.exec(new X509Certificate(pem).subject)?.[1]);

describe('driverSslOption', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cloudnest-tls-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('turns TLS off for disable (and unset), and encrypts without checking for require', async () => {
    expect(await driverSslOption(undefined)).toBe(false);
    expect(await driverSslOption({ mode: 'disable' })).toBe(false);
    expect(await driverSslOption({ mode: 'require' })).toEqual({ rejectUnauthorized: false });
  });

  it("checks the chain and the host name against Node's own trust store for verify-full with the system CAs", async () => {
    expect(await driverSslOption({ mode: 'verify-full', ca: { kind: 'system' } })).toEqual({
      rejectUnauthorized: true,
      verifyIdentity: true,
    });
  });

  it("trusts only the RDS roots of every region and RDS Proxy's Amazon roots for rds", async () => {
    const ssl = await driverSslOption({ mode: 'verify-full', ca: { kind: 'rds' } });
    expect(ssl).toMatchObject({ rejectUnauthorized: true, verifyIdentity: true });
    const names = commonNames(trusted(ssl));
    // The G1 roots RDS issues server certificates from (its default since 2024), in regions far apart …
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      for (const kind of ['RSA2048', 'RSA4096', 'ECC384']) {
        expect(names).toContain(`Amazon RDS ${region} Root CA ${kind} G1`);
      }
    }
    // … and the public roots ACM certificates (RDS Proxy) chain to.
    expect(names).toContain('Amazon Root CA 1');
    expect(names.every((name) => name?.startsWith('Amazon') || name?.startsWith('Starfield'))).toBe(true);
  });

  it('reads every certificate of a PEM file, and names the variable when the file is unusable', async () => {
    const rds = await driverSslOption({ mode: 'verify-full', ca: { kind: 'rds' } });
    const [first, second] = trusted(rds);
    const file = join(dir, 'bundle.pem');
    writeFileSync(file, `# two roots\n${first}\n\nsubject=…\n${second}\n`);
    const ssl = await driverSslOption({ mode: 'verify-full', ca: { kind: 'file', path: file } });
    expect(ssl).toEqual({
      rejectUnauthorized: true,
      verifyIdentity: true,
      ca: [first?.trim(), second?.trim()],
      // Made once from `ca`, for pg (which would otherwise parse the list on every connection).
      secureContext: expect.objectContaining({ context: expect.anything() }),
    });

    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'not a certificate\n');
    await expect(driverSslOption({ mode: 'verify-full', ca: { kind: 'file', path: empty } })).rejects.toThrow(
      `DATABASE_SSL_CA: ${empty} holds no PEM certificate`,
    );
    const missing = join(dir, 'missing.pem');
    await expect(
      driverSslOption({ mode: 'verify-full', ca: { kind: 'file', path: missing } }),
    ).rejects.toThrow(`DATABASE_SSL_CA: cannot read ${missing} (ENOENT)`);
  });

  it('parses the certificates once per configuration, and reads an unreadable file again next time', async () => {
    const rds = { mode: 'verify-full', ca: { kind: 'rds' } } as const;
    const first = await driverSslOption(rds);
    expect(await driverSslOption(rds)).toBe(first);
    // Another configuration with the same settings gets its own.
    expect(await driverSslOption({ mode: 'verify-full', ca: { kind: 'rds' } })).not.toBe(first);

    const later = join(dir, 'later.pem');
    const fromFile = { mode: 'verify-full', ca: { kind: 'file', path: later } } as const;
    await expect(driverSslOption(fromFile)).rejects.toThrow('(ENOENT)');
    writeFileSync(later, trusted(first)[0] ?? '');
    expect(trusted(await driverSslOption(fromFile))).toHaveLength(1);
  });
});
