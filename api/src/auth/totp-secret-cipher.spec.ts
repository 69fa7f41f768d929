import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeSecretsManager,
  startFakeSecretsManager,
  testSecretArn,
} from '../../test/support/secrets-manager-server.js';
import { SecretsRepository } from '../aws/secrets.repository.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import { loadConfig } from '../config/app-config.js';
import { KEYRING_MAX_AGE_MS, TotpSecretCipher } from './totp-secret-cipher.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

const OLD_KEY = 'o'.repeat(40);
const NEW_KEY = 'n'.repeat(40);

function cipher(
  env: Record<string, string>,
  secrets?: SecretsRepository,
  clock?: ClockRepository,
): TotpSecretCipher {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'cloudnest-cipher-'));
  return new TotpSecretCipher(
    loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, ...env }, '/'),
    secrets,
    clock,
  );
}

/** A clock the test moves. */
function manualClock(): ClockRepository & { advance(ms: number): void } {
  let now = Date.parse('2026-12-06T03:00:00Z');
  return {
    now: () => new Date(now),
    sleep: async () => {},
    advance(ms: number) {
      now += ms;
    },
  };
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
    expect(sealed).toMatch(/^v2\.[0-9a-f]{12}\.[A-Za-z0-9_-]+$/);
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
    const [format, keyId, payload] = sealed.split('.');
    const bytes = Buffer.from(payload as string, 'base64url');
    bytes[20] = (bytes[20] as number) ^ 1;
    await expect(
      sealing.open('user-1', `${format}.${keyId}.${bytes.toString('base64url')}`),
    ).rejects.toThrow();
    await expect(sealing.open('user-1', SECRET)).rejects.toThrow('not a sealed authenticator secret');
    // Cut short: its last bytes are no full tag, and are not checked as a shorter one.
    const short = bytes.subarray(0, 12).toString('base64url');
    await expect(sealing.open('user-1', `${format}.${keyId}.${short}`)).rejects.toThrow(/tag length/);
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

  it('in development refuses a kept key file shorter than a configured key may be', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cloudnest-cipher-short-'));
    writeFileSync(join(dataDir, 'mfa-encryption.key'), 'short\n');
    await expect(cipher({ DATA_DIR: dataDir }).seal('user-1', SECRET)).rejects.toThrow(
      /mfa-encryption\.key must hold a key of at least 32 characters/,
    );
  });

  it('reads the key from MFA_ENCRYPTION_KEY_SECRET_ARN on first use, and names a bad secret', async () => {
    const secrets = new SecretsRepository({ sdk: fake.sdkConfig });
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

  describe('rotation', () => {
    const secretsClient = () => new SecretsRepository({ sdk: fake.sdkConfig });
    const callsFor = (arn: string) => fake.calls.filter((call) => call.secretId === arn).length;

    it('opens what a previous key sealed, seals under the current one, and reseals only what is not', async () => {
      const before = await cipher({ MFA_ENCRYPTION_KEY: OLD_KEY }).seal('user-1', SECRET);
      const rotated = cipher({ MFA_ENCRYPTION_KEY: NEW_KEY, MFA_ENCRYPTION_PREVIOUS_KEYS: OLD_KEY });
      expect(await rotated.open('user-1', before)).toBe(SECRET);
      const after = await rotated.reseal('user-1', before);
      expect(after).toMatch(new RegExp(`^v2\\.${await rotated.currentKeyId()}\\.`));
      expect(await rotated.reseal('user-1', after as string)).toBeUndefined();
      // Once resealed, the new key alone opens it, and the old key alone no longer does.
      expect(await cipher({ MFA_ENCRYPTION_KEY: NEW_KEY }).open('user-1', after as string)).toBe(SECRET);
      await expect(cipher({ MFA_ENCRYPTION_KEY: OLD_KEY }).open('user-1', after as string)).rejects.toThrow(
        /sealed under key [0-9a-f]{12}, which is neither the MFA encryption key nor one of its previous keys/,
      );
    });

    it('names the missing key when the key a value names was dropped', async () => {
      const oldKeyId = await cipher({ MFA_ENCRYPTION_KEY: OLD_KEY }).currentKeyId();
      const before = await cipher({ MFA_ENCRYPTION_KEY: OLD_KEY }).seal('user-1', SECRET);
      await expect(cipher({ MFA_ENCRYPTION_KEY: NEW_KEY }).reseal('user-1', before)).rejects.toThrow(
        `sealed under key ${oldKeyId}`,
      );
      expect(oldKeyId).not.toBe(await cipher({ MFA_ENCRYPTION_KEY: NEW_KEY }).currentKeyId());
    });

    it("opens the first release's values (no key id) under whichever key of the ring sealed them", async () => {
      const modern = await cipher({ MFA_ENCRYPTION_KEY: OLD_KEY }).seal('user-1', SECRET);
      const firstRelease = `v1.${modern.split('.')[2]}`;
      const rotated = cipher({ MFA_ENCRYPTION_KEY: NEW_KEY, MFA_ENCRYPTION_PREVIOUS_KEYS: OLD_KEY });
      expect(await rotated.open('user-1', firstRelease)).toBe(SECRET);
      expect(await rotated.reseal('user-1', firstRelease)).toMatch(/^v2\./);
      await expect(cipher({ MFA_ENCRYPTION_KEY: NEW_KEY }).open('user-1', firstRelease)).rejects.toThrow(
        'opens under none of the MFA encryption keys',
      );
      await expect(rotated.open('user-2', firstRelease)).rejects.toThrow('opens under none');
    });

    it('reads a rotated secret again after KEYRING_MAX_AGE_MS and seals under its new key', async () => {
      const arn = testSecretArn('mfa-rotating');
      fake.secrets.set(arn, JSON.stringify({ key: OLD_KEY }));
      const clock = manualClock();
      const running = cipher({ MFA_ENCRYPTION_KEY_SECRET_ARN: arn }, secretsClient(), clock);
      const oldKeyId = await running.currentKeyId();
      fake.secrets.set(arn, JSON.stringify({ key: NEW_KEY, previousKeys: [OLD_KEY] }));
      clock.advance(KEYRING_MAX_AGE_MS - 1);
      expect(await running.currentKeyId()).toBe(oldKeyId);
      clock.advance(1);
      const sealed = await running.seal('user-1', SECRET);
      expect(sealed).not.toContain(oldKeyId);
      expect(await cipher({ MFA_ENCRYPTION_KEY: NEW_KEY }).open('user-1', sealed)).toBe(SECRET);
      expect(callsFor(arn)).toBe(2);
    });

    it('reads the secret again when a value names a key it lacks, at most every 30 s', async () => {
      const arn = testSecretArn('mfa-unknown-key');
      fake.secrets.set(arn, JSON.stringify({ key: OLD_KEY }));
      const clock = manualClock();
      // A warm process: it read the ring before another process saw the rotated secret.
      const warm = cipher({ MFA_ENCRYPTION_KEY_SECRET_ARN: arn }, secretsClient(), clock);
      await warm.currentKeyId();
      const fromNewKey = await cipher({ MFA_ENCRYPTION_KEY: NEW_KEY }).seal('user-1', SECRET);
      clock.advance(30_000);
      fake.secrets.set(arn, JSON.stringify({ key: NEW_KEY, previousKeys: [OLD_KEY] }));
      expect(await warm.open('user-1', fromNewKey)).toBe(SECRET);
      expect(callsFor(arn)).toBe(2);

      // A value under a key no ring holds: one more read, then none for 30 s.
      const stray = await cipher({ MFA_ENCRYPTION_KEY: 'x'.repeat(40) }).seal('user-1', SECRET);
      clock.advance(30_000);
      await expect(warm.open('user-1', stray)).rejects.toThrow('sealed under key');
      await expect(warm.open('user-1', stray)).rejects.toThrow('sealed under key');
      clock.advance(29_999);
      await expect(warm.open('user-1', stray)).rejects.toThrow('sealed under key');
      expect(callsFor(arn)).toBe(3);
    });

    it('keeps sealing with the ring in hand when the secret cannot be read again', async () => {
      const arn = testSecretArn('mfa-unreachable');
      fake.secrets.set(arn, JSON.stringify({ key: OLD_KEY, previousKeys: [NEW_KEY] }));
      const clock = manualClock();
      const running = cipher({ MFA_ENCRYPTION_KEY_SECRET_ARN: arn }, secretsClient(), clock);
      const keyId = await running.currentKeyId();
      fake.secrets.delete(arn);
      clock.advance(KEYRING_MAX_AGE_MS);
      const sealed = await running.seal('user-1', SECRET);
      expect(sealed).toContain(keyId);
      expect(await running.open('user-1', sealed)).toBe(SECRET);
      // Tried once, then not again until the interval has passed once more.
      expect(callsFor(arn)).toBe(2);
      fake.secrets.set(arn, JSON.stringify({ key: NEW_KEY, previousKeys: [OLD_KEY] }));
      clock.advance(KEYRING_MAX_AGE_MS);
      expect(await running.currentKeyId()).not.toBe(keyId);
    });

    it('refuses a secret whose previousKeys is not a list of keys', async () => {
      const arn = testSecretArn('mfa-bad-previous');
      fake.secrets.set(arn, JSON.stringify({ key: NEW_KEY, previousKeys: OLD_KEY }));
      await expect(
        cipher({ MFA_ENCRYPTION_KEY_SECRET_ARN: arn }, secretsClient()).seal('user-1', SECRET),
      ).rejects.toThrow(
        `MFA encryption key secret ${arn}: "previousKeys" must be a list of keys of at least 32 characters.`,
      );
    });
  });
});
