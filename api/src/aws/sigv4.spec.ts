import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AwsSha256 } from '../../test/support/aws-sha256.js';
import { type RequestToSign, type SigningScope, signRequest } from './sigv4.js';

/** The SDK's signer over the same request: the reference. */
async function referenceHeaders(
  request: RequestToSign,
  scope: SigningScope,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: scope.credentials,
    region: scope.region,
    service: scope.service,
    sha256: AwsSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: request.host,
      path: '/',
      query: {},
      headers: { ...request.headers, host: request.host },
      body: request.body,
    },
    { signingDate: scope.date },
  );
  return signed.headers;
}

const request = (body: string, host = 'secretsmanager.eu-west-1.amazonaws.com'): RequestToSign => ({
  method: 'POST',
  host,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
  body,
});

describe('signRequest (SigV4)', () => {
  it('signs exactly as the AWS SDK’s signer does, for any secret id, credentials, region and time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.stringMatching(/^[A-Z0-9]{16,24}$/),
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.option(fc.stringMatching(/^[A-Za-z0-9+/=]{1,300}$/), { nil: undefined }),
        fc.constantFrom('eu-west-1', 'us-east-1', 'cn-north-1', 'us-gov-west-1', 'ap-southeast-2'),
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2099-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom('secretsmanager.eu-west-1.amazonaws.com', '127.0.0.1:4599', 'localhost:4566'),
        async (secretId, accessKeyId, secretAccessKey, sessionToken, region, date, host) => {
          const scope: SigningScope = {
            region,
            service: 'secretsmanager',
            credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
            date,
          };
          const toSign = request(JSON.stringify({ SecretId: secretId }), host);
          expect(signRequest(toSign, scope)).toEqual(await referenceHeaders(toSign, scope));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('signs every header it sends and the body’s hash, so a change to either breaks the signature', async () => {
    const scope: SigningScope = {
      region: 'eu-west-1',
      service: 'secretsmanager',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' },
      date: new Date('2026-12-07T14:55:00.123Z'),
    };
    const headers = signRequest(request('{"SecretId":"a"}'), scope);
    expect(headers['x-amz-date']).toBe('20261207T145500Z');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261207\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(signRequest(request('{"SecretId":"b"}'), scope).authorization).not.toBe(headers.authorization);
    expect(signRequest(request('{"SecretId":"a"}', 'other.example'), scope).authorization).not.toBe(
      headers.authorization,
    );
    expect(
      signRequest(request('{"SecretId":"a"}'), {
        ...scope,
        credentials: { ...scope.credentials, sessionToken: 'x' },
      }).authorization,
    ).not.toBe(headers.authorization);
  });
});
