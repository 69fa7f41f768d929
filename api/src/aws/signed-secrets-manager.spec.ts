import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeSecretsManager,
  startFakeSecretsManager,
  testSecretArn,
} from '../../test/support/secrets-manager-server.js';
import { SecretsManagerError, SignedSecretsManager } from './signed-secrets-manager.js';

// The fake recomputes every request's SigV4 signature with AWS's signer, so these pass only for
// requests AWS would accept (and the wrong-key case shows the check is real).
describe('SignedSecretsManager against a Secrets Manager JSON endpoint', () => {
  let fake: FakeSecretsManager;
  beforeAll(async () => {
    fake = await startFakeSecretsManager();
  });
  afterAll(async () => {
    await fake?.close();
  });
  const lastCallFor = (arn: string) => fake.calls.filter((call) => call.secretId === arn).at(-1);

  it('reads a secret with one signed GetSecretValue request of the JSON 1.1 protocol', async () => {
    const arn = testSecretArn('signed');
    fake.secrets.set(arn, '{"password":"p@ss"}');
    expect(await new SignedSecretsManager(fake.signing).getSecretValue(arn)).toEqual({
      SecretString: '{"password":"p@ss"}',
    });
    const call = lastCallFor(arn);
    expect(call?.target).toBe('secretsmanager.GetSecretValue');
    expect(call?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(call?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=[^,]*host[^,]*x-amz-target/,
    );
    // Not the SDK: it sends its invocation id on every call.
    expect(fake.viaSdk(arn)).toEqual([false]);
  });

  it('signs the session token that a role’s temporary credentials come with', async () => {
    const arn = testSecretArn('session');
    fake.secrets.set(arn, 'value');
    const signing = {
      ...fake.signing,
      credentials: () => ({ ...fake.signing.credentials(), sessionToken: 'token/with+chars=' }),
    };
    expect(await new SignedSecretsManager(signing).getSecretValue(arn)).toEqual({ SecretString: 'value' });
    const call = lastCallFor(arn);
    expect(call?.headers['x-amz-security-token']).toBe('token/with+chars=');
    expect(call?.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-security-token/);
  });

  it('is refused when signed with another key, as AWS would refuse it', async () => {
    const arn = testSecretArn('wrong-key');
    fake.secrets.set(arn, 'value');
    const signing = {
      ...fake.signing,
      credentials: () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'not-the-secret' }),
    };
    const read = new SignedSecretsManager(signing).getSecretValue(arn);
    await expect(read).rejects.toThrow(SecretsManagerError);
    await expect(read).rejects.toThrow(/^InvalidSignatureException: The request signature we calculated/);
  });

  it('names the service’s exception, and reads a binary secret as having no string', async () => {
    const client = new SignedSecretsManager(fake.signing);
    await expect(client.getSecretValue(testSecretArn('absent'))).rejects.toMatchObject({
      type: 'ResourceNotFoundException',
      message: "ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    });
    fake.failNext(1);
    await expect(client.getSecretValue(testSecretArn('absent'))).rejects.toMatchObject({
      type: 'InternalServiceError',
    });
    const binary = testSecretArn('signed-binary');
    fake.secrets.set(binary, Buffer.from([1, 2, 3]));
    expect(await client.getSecretValue(binary)).toEqual({});
  });

  it('gives up an attempt that gets no answer in time', async () => {
    const arn = testSecretArn('stalled');
    fake.secrets.set(arn, 'value');
    const release = fake.hold();
    try {
      const started = Date.now();
      await expect(new SignedSecretsManager(fake.signing, 200).getSecretValue(arn)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      release();
    }
  });
});
