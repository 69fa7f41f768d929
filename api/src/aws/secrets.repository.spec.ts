import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeSecretsManager,
  startFakeSecretsManager,
  testSecretArn,
} from '../../test/support/secrets-manager-server.js';
import { SECRET_UNAVAILABLE } from '../common/errors/secret-unavailable.js';
import { SecretsRepository } from './secrets.repository.js';

describe('SecretsRepository against a Secrets Manager JSON endpoint', () => {
  let fake: FakeSecretsManager;
  let repository: () => SecretsRepository;
  beforeAll(async () => {
    fake = await startFakeSecretsManager();
    // Dummy credentials exist only here; production uses the default chain (the function's role).
    repository = () => new SecretsRepository({ sdk: fake.sdkConfig });
  });
  afterAll(async () => {
    await fake?.close();
  });
  const callsFor = (arn: string) => fake.calls.filter((call) => call.secretId === arn).length;

  it('reads a JSON secret with a signed GetSecretValue request', async () => {
    const arn = testSecretArn('json');
    fake.secrets.set(arn, JSON.stringify({ username: 'app', password: 'p@ss' }));
    expect(await repository().getJson(arn)).toEqual({ username: 'app', password: 'p@ss' });
    const call = fake.calls.find((c) => c.secretId === arn);
    expect(call?.target).toBe('secretsmanager.GetSecretValue');
    expect(call?.headers.authorization).toContain('Credential=AKIDTEST/');
  });

  it('fetches each secret once per process, even for concurrent first callers and new instances', async () => {
    const arn = testSecretArn('cached');
    fake.secrets.set(arn, 'v1');
    const values = await Promise.all([repository().getString(arn), repository().getString(arn)]);
    fake.secrets.set(arn, 'v2');
    expect([...values, await repository().getString(arn)]).toEqual(['v1', 'v1', 'v1']);
    expect(callsFor(arn)).toBe(1);
  });

  it('reports a missing secret and retries on the next call instead of caching the failure', async () => {
    const arn = testSecretArn('late');
    await expect(repository().getString(arn)).rejects.toThrow(/Could not read secret .*late.*can't find/);
    fake.secrets.set(arn, 'now-there');
    expect(await repository().getString(arn)).toBe('now-there');
    expect(callsFor(arn)).toBe(2);
  });

  // Found in review (2026-12-07): every failure was marked "unavailable" (a 503 to retry), a wrong
  // ARN or a missing permission included, which must stay a loud 500.
  it('marks only a failure to wait out as SECRET_UNAVAILABLE, not a missing secret', async () => {
    const missing = await repository()
      .getString(testSecretArn('never-there'))
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Error);
    expect((missing as { code?: unknown }).code).toBeUndefined();
    const arn = testSecretArn('busy');
    fake.secrets.set(arn, 'value');
    // More server errors than the SDK's attempts: the read fails for now.
    fake.failNext(10);
    const busy = await repository()
      .getString(arn)
      .catch((error: unknown) => error);
    fake.failNext(0);
    expect((busy as { code?: unknown }).code).toBe(SECRET_UNAVAILABLE);
  });

  it('a fresh read fetches a rotated value and caches it; a failed one leaves the cached value', async () => {
    const arn = testSecretArn('rotated');
    fake.secrets.set(arn, 'before');
    expect(await repository().getString(arn)).toBe('before');
    fake.secrets.set(arn, 'after');
    expect(await repository().getString(arn)).toBe('before');
    expect(await repository().getString(arn, { fresh: true })).toBe('after');
    expect(await repository().getString(arn)).toBe('after');
    fake.secrets.delete(arn);
    await expect(repository().getString(arn, { fresh: true })).rejects.toThrow(/Could not read secret/);
    expect(await repository().getString(arn)).toBe('after');
    expect(callsFor(arn)).toBe(3);
  });

  it('prefetch starts the read without waiting and never rejects', async () => {
    const present = testSecretArn('prefetched');
    fake.secrets.set(present, 'early');
    const client = repository();
    client.prefetch(present);
    client.prefetch(testSecretArn('absent-prefetch'));
    expect(await client.getString(present)).toBe('early');
    expect(callsFor(present)).toBe(1);
  });

  describe('with the environment’s credentials (as on Lambda)', () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    beforeAll(() => {
      process.on('warning', onWarning);
    });
    afterAll(() => {
      process.off('warning', onWarning);
    });

    it('reads with its own signed request, not the SDK', async () => {
      const arn = testSecretArn('signed-path');
      fake.secrets.set(arn, 'signed');
      expect(await new SecretsRepository({ signing: fake.signing }).getString(arn)).toBe('signed');
      expect(fake.viaSdk(arn)).toEqual([false]);
    });

    it('falls back to the SDK, with a warning, when the signed request fails', async () => {
      const arn = testSecretArn('fallback');
      fake.secrets.set(arn, 'through-the-sdk');
      fake.failNext(1);
      expect(await new SecretsRepository({ signing: fake.signing, sdk: fake.sdkConfig }).getString(arn)).toBe(
        'through-the-sdk',
      );
      expect(fake.viaSdk(arn)).toEqual([false, true]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(
        warnings.some((warning) => warning.includes(arn) && warning.includes('InternalServiceError')),
      ).toBe(true);
    });

    it('reports what the SDK reports when both fail, and still has no binary secrets', async () => {
      const arn = testSecretArn('absent-both');
      const repository = new SecretsRepository({ signing: fake.signing, sdk: fake.sdkConfig });
      await expect(repository.getString(arn)).rejects.toThrow(
        /Could not read secret .*absent-both.*can't find/,
      );
      expect(fake.viaSdk(arn)).toEqual([false, true]);
      const binary = testSecretArn('signed-path-binary');
      fake.secrets.set(binary, Buffer.from([1]));
      await expect(repository.getString(binary)).rejects.toThrow('has no SecretString');
      expect(fake.viaSdk(binary)).toEqual([false]);
    });
  });

  // A deploy whose migration ran between a rotation's setSecret and finishSecret set the API
  // user's password back to the outgoing value (found in review, 2026-12-07).
  it('tells a secret in the middle of a rotation (an AWSPENDING version) from one at rest', async () => {
    const arn = testSecretArn('rotating');
    fake.secrets.set(arn, 'current');
    expect(await repository().rotationInProgress(arn)).toBe(false);
    fake.pending.set(arn, 'pending');
    expect(await repository().rotationInProgress(arn)).toBe(true);
    // Asked of the service every time: a rotation starts and ends while a process lives.
    fake.pending.delete(arn);
    expect(await repository().rotationInProgress(arn)).toBe(false);
    expect(fake.calls.filter((call) => call.secretId === arn).map((call) => call.target)).toEqual([
      'secretsmanager.DescribeSecret',
      'secretsmanager.DescribeSecret',
      'secretsmanager.DescribeSecret',
    ]);
    await expect(repository().rotationInProgress(testSecretArn('not-there'))).rejects.toThrow(
      /Could not describe secret .*not-there/,
    );
  });

  it('refuses secrets that are not JSON objects or have no string', async () => {
    const text = testSecretArn('text');
    fake.secrets.set(text, 'not json');
    await expect(repository().getJson(text)).rejects.toThrow('is not JSON');
    const list = testSecretArn('list');
    fake.secrets.set(list, '[1,2]');
    await expect(repository().getJson(list)).rejects.toThrow('must hold a JSON object');
    const binary = testSecretArn('binary');
    fake.secrets.set(binary, Buffer.from([1, 2, 3]));
    await expect(repository().getString(binary)).rejects.toThrow('has no SecretString');
  });
});
