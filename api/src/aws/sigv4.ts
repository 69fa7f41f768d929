import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentials } from '../config/app-config.js';

/** A request to sign: an AWS JSON-protocol POST to an endpoint's root path. */
export interface RequestToSign {
  readonly method: 'POST';
  /** Host header value: the endpoint's host, with its port when it is not the scheme's default. */
  readonly host: string;
  /** Headers besides host and the ones signing adds, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface SigningScope {
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  readonly date: Date;
}

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * AWS Signature Version 4 for one request to the root path `/` with no query string, written from
 * AWS's specification ("Create a signed AWS API request", IAM user guide) because the SDK's
 * signer, bundled, drags in shared SDK chunks that a cold start would then load (docs/lambda.md,
 * "Secrets"). Its spec checks it against the SDK's signer (`@smithy/signature-v4`) on random
 * inputs, and the test Secrets Manager verifies every request with that signer too.
 * @returns the headers to send: the given ones, host, X-Amz-Date, the session token when there is
 *   one, and Authorization; every one of them but Authorization is signed
 */
export function signRequest(request: RequestToSign, scope: SigningScope): Record<string, string> {
  const { credentials } = scope;
  // 20261207T145500Z and 20261207
  const amzDate = scope.date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...request.headers,
    host: request.host,
    'x-amz-date': amzDate,
    ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  // Values trimmed, inner runs of spaces collapsed, as the specification's canonical headers want.
  const canonicalHeaders = names
    .map((name) => `${name}:${String(headers[name]).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    '/',
    '',
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), scope.region), scope.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
