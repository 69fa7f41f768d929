import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeSecretsManager,
  startFakeSecretsManager,
  testSecretArn,
} from '../../test/support/secrets-manager-server.js';
import { SecretsRepository } from '../aws/secrets.repository.js';
import { loadConfig } from '../config/app-config.js';
import { TotpSecretCipher } from './totp-secret-cipher.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function cipher(env: Record<string, string>, secrets?: SecretsRepository): TotpSecretCipher {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'cloudnest-cipher-'));
  return new TotpSecretCipher(loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, ...env }, '/'), secrets);
}

describe('TotpSecretCipher', () => {
  let fake: FakeSecretsManager;
  beforeAll(async () => {
    fake = await startFakeSecretsManager();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('seals so that only the same key and account open it, and never shows the secret', async () => {
    const key = 'k'.repeat(40);
    const sealed = await cipher({ MFA_ENCRYPTION_KEY: key }).seal('user-1', SECRET);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(await cipher({ MFA_ENCRYPTION_KEY: key }).open('user-1', sealed)).toBe(SECRET);
    // A fresh IV each time: the same secret never seals the same way twice.
    expect(await cipher({ MFA_ENCRYPTION_KEY: key }).seal('user-1', SECRET)).not.toBe(sealed);
    await expect(cipher({ MFA_ENCRYPTION_KEY: key }).open('user-2', sealed)).rejects.toThrow();
    await expect(cipher({ MFA_ENCRYPTION_KEY: 'other'.repeat(8) }).open('user-1', sealed)).rejects.toThrow();
  });

  it('refuses an altered or unsealed value', async () => {
    const sealing = cipher({ MFA_ENCRYPTION_KEY: 'k'.repeat(40) });
    const sealed = await sealing.seal('user-1', SECRET);
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    bytes[20] = (bytes[20] as number) ^ 1;
    await expect(sealing.open('user-1', `v1.${bytes.toString('base64url')}`)).rejects.toThrow();
    await expect(sealing.open('user-1', SECRET)).rejects.toThrow('not a sealed authenticator secret');
  });

  it('in development generates a key once under DATA_DIR (0600) and every process uses it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cloudnest-cipher-dev-'));
    const [first, second] = await Promise.all([
      cipher({ DATA_DIR: dataDir }).seal('user-1', SECRET),
      cipher({ DATA_DIR: dataDir }).seal('user-1', SECRET),
    ]);
    const file = join(dataDir, 'mfa-encryption.key');
    expect(readFileSync(file, 'utf8')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const later = cipher({ DATA_DIR: dataDir });
    expect(await later.open('user-1', first)).toBe(SECRET);
    expect(await later.open('user-1', second)).toBe(SECRET);
    await expect(cipher({}).open('user-1', first)).rejects.toThrow();
  });

  it('reads the key from MFA_ENCRYPTION_KEY_SECRET_ARN on first use, and names a bad secret', async () => {
    const secrets = new SecretsRepository({
      endpoint: fake.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    });
    const arn = testSecretArn('mfa-key');
    fake.secrets.set(arn, JSON.stringify({ key: 's'.repeat(64) }));
    const fromSecret = cipher({ MFA_ENCRYPTION_KEY_SECRET_ARN: arn }, secrets);
    expect(fake.calls.filter((call) => call.secretId === arn)).toHaveLength(0);
    const sealed = await fromSecret.seal('user-1', SECRET);
    expect(await cipher({ MFA_ENCRYPTION_KEY: 's'.repeat(64) }).open('user-1', sealed)).toBe(SECRET);

    const short = testSecretArn('mfa-key-short');
    fake.secrets.set(short, JSON.stringify({ key: 'too short' }));
    await expect(
      cipher({ MFA_ENCRYPTION_KEY_SECRET_ARN: short }, secrets).seal('user-1', SECRET),
    ).rejects.toThrow(`MFA encryption key secret ${short} must hold "key" of at least 32 characters.`);
  });
});
