import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsSigning } from '../../src/config/app-config.js';
import { AwsSha256 } from './aws-sha256.js';

/** The only credentials the fake accepts (dummy ones; nothing here reaches AWS). */
const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' } as const;
const TEST_REGION = 'eu-west-1';
const CURRENT_VERSION = '00000000-0000-0000-0000-000000000001';
const PENDING_VERSION = '00000000-0000-0000-0000-000000000002';

/** A request the fake received, for assertions. */
export interface SecretsManagerCall {
  readonly target: string | undefined;
  readonly secretId: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

/** A loopback server speaking Secrets Manager's JSON 1.1 protocol (`GetSecretValue`, `DescribeSecret`). */
export interface FakeSecretsManager {
  readonly endpoint: string;
  readonly calls: SecretsManagerCall[];
  /** Secret values by id (ARN); a missing id answers ResourceNotFoundException. */
  readonly secrets: Map<string, string | Buffer>;
  /**
   * Secrets in the middle of a rotation: the `AWSPENDING` value by id. `DescribeSecret` lists a
   * pending version beside the current one, and `GetSecretValue` with `VersionStage: AWSPENDING`
   * answers it; `secrets` stays the `AWSCURRENT` value, as until the rotation's finishSecret.
   */
  readonly pending: Map<string, string>;
  /**
   * What a Lambda function's process needs to call this fake as it calls Secrets Manager: the
   * variables Lambda's runtime sets (the function's name, a region, the role's keys; dummies here)
   * and the SDK's own endpoint variable (the production code path, pointed here).
   */
  readonly clientEnvironment: Readonly<Record<string, string>>;
  /** The same for an SDK client made in this process (`SecretsRepository`'s `sdk` option). */
  readonly sdkConfig: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: typeof TEST_CREDENTIALS;
  };
  /** What the configuration would hold for the signed path with `clientEnvironment` set. */
  readonly signing: AwsSigning;
  /** Per request for `secretId`, in order: whether the AWS SDK made it (it sends an invocation id). */
  viaSdk(secretId: string): boolean[];
  /** Answers the next `count` requests with a 500 InternalServiceError, as a bad moment of the service would. */
  failNext(count: number): void;
  /** Holds every answer until the returned function is called (to prove nobody waits for it). */
  hold(): () => void;
  close(): Promise<void>;
}

/**
 * Starts the fake on 127.0.0.1. It checks what the real service checks first: the target header,
 * and a SigV4 signature it recomputes with AWS's own signer over what arrived (the signed headers,
 * path and body, the credential scope's date, region and service), so a request signed wrongly, or
 * changed after signing, fails here as it would at AWS.
 */
export async function startFakeSecretsManager(): Promise<FakeSecretsManager> {
  const calls: SecretsManagerCall[] = [];
  const secrets = new Map<string, string | Buffer>();
  const pending = new Map<string, string>();
  let gate: Promise<void> = Promise.resolve();
  let failures = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      await gate;
      const target = request.headers['x-amz-target'];
      const targetName = Array.isArray(target) ? target[0] : target;
      let secretId: string | undefined;
      let versionStage: string | undefined;
      try {
        ({ SecretId: secretId, VersionStage: versionStage } = JSON.parse(
          Buffer.concat(chunks).toString('utf8'),
        ) as { SecretId?: string; VersionStage?: string });
      } catch {
        secretId = undefined;
      }
      calls.push({ target: targetName, secretId, headers: request.headers });
      const reply = (status: number, body: unknown, errorType?: string) => {
        response.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': `fake-${calls.length}`,
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        });
        response.end(JSON.stringify(body));
      };
      if (
        request.method !== 'POST' ||
        (targetName !== 'secretsmanager.GetSecretValue' && targetName !== 'secretsmanager.DescribeSecret')
      ) {
        return reply(
          400,
          { __type: 'UnknownOperationException', message: 'unsupported' },
          'UnknownOperationException',
        );
      }
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
        return reply(
          400,
          { __type: 'MissingAuthenticationTokenException', message: 'not signed' },
          'MissingAuthenticationTokenException',
        );
      }
      const signatureProblem = await checkSignature(request, Buffer.concat(chunks));
      if (signatureProblem !== undefined) {
        return reply(
          403,
          { __type: 'InvalidSignatureException', message: signatureProblem },
          'InvalidSignatureException',
        );
      }
      if (failures > 0) {
        failures--;
        return reply(
          500,
          { __type: 'InternalServiceError', Message: 'injected failure' },
          'InternalServiceError',
        );
      }
      const current = secretId === undefined ? undefined : secrets.get(secretId);
      const pendingValue = secretId === undefined ? undefined : pending.get(secretId);
      const value = versionStage === 'AWSPENDING' ? pendingValue : current;
      if (value === undefined) {
        return reply(
          400,
          // The service's own exceptions carry `Message` (the request's signing errors, above,
          // `message`), as AWS sends them.
          {
            __type: 'ResourceNotFoundException',
            Message: "Secrets Manager can't find the specified secret.",
          },
          'ResourceNotFoundException',
        );
      }
      if (targetName === 'secretsmanager.DescribeSecret') {
        return reply(200, {
          ARN: secretId,
          Name: secretId?.split(':').at(-1),
          RotationEnabled: true,
          VersionIdsToStages: {
            [CURRENT_VERSION]: ['AWSCURRENT'],
            ...(pendingValue === undefined ? {} : { [PENDING_VERSION]: ['AWSPENDING'] }),
          },
        });
      }
      return reply(200, {
        ARN: secretId,
        Name: secretId?.split(':').at(-1),
        VersionId: versionStage === 'AWSPENDING' ? PENDING_VERSION : CURRENT_VERSION,
        ...(Buffer.isBuffer(value) ? { SecretBinary: value.toString('base64') } : { SecretString: value }),
        VersionStages: [versionStage === 'AWSPENDING' ? 'AWSPENDING' : 'AWSCURRENT'],
        CreatedDate: 1_795_000_000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    clientEnvironment: {
      AWS_LAMBDA_FUNCTION_NAME: 'cloudnest-test-function',
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    },
    sdkConfig: { endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS },
    signing: { region: TEST_REGION, secretsManagerEndpoint: endpoint, credentials: () => TEST_CREDENTIALS },
    viaSdk: (secretId) =>
      calls
        .filter((call) => call.secretId === secretId)
        .map((call) => call.headers['amz-sdk-invocation-id'] !== undefined),
    failNext(count) {
      failures = count;
    },
    calls,
    secrets,
    pending,
    hold() {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => release();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Why the request's signature is wrong, or `undefined` when it is right: the request is signed
 * again, from the headers it says it signed, with the one key pair the fake knows, and the two
 * signatures must match; the signing time must be within AWS's 5 minutes.
 */
async function checkSignature(request: IncomingMessage, body: Buffer): Promise<string | undefined> {
  const match = AUTHORIZATION.exec(String(request.headers.authorization));
  if (match === null) return 'malformed Authorization header';
  const [, accessKeyId, day, region, service, signedHeaderList, signature] = match as unknown as string[];
  if (accessKeyId !== TEST_CREDENTIALS.accessKeyId) return `unknown access key ${accessKeyId}`;
  if (service !== 'secretsmanager') return `signed for service ${service}`;
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (signedAt === null || !amzDate.startsWith(String(day))) return 'bad X-Amz-Date';
  const [, y, mo, d, h, mi, sec] = signedAt.map(Number) as number[];
  const signingDate = new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, sec));
  if (Math.abs(Date.now() - signingDate.getTime()) > 5 * 60_000) return 'signature expired';
  const headers: Record<string, string> = {};
  for (const name of String(signedHeaderList).split(';')) {
    const value = request.headers[name];
    if (value === undefined) return `signed header ${name} missing`;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(request.url ?? '/', 'http://fake');
  const signer = new SignatureV4({
    credentials: TEST_CREDENTIALS,
    region: String(region),
    service: 'secretsmanager',
    sha256: AwsSha256,
    applyChecksum: false,
  });
  const expected = await signer.sign(
    {
      method: request.method ?? 'POST',
      protocol: 'http:',
      hostname: String(request.headers.host),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    },
    { signingDate, signableHeaders: new Set(Object.keys(headers)) },
  );
  const recomputed = AUTHORIZATION.exec(String(expected.headers.authorization));
  if (recomputed === null || recomputed[5] !== signedHeaderList)
    return `signed headers ${signedHeaderList} are not what AWS signs`;
  return recomputed[6] === signature
    ? undefined
    : 'The request signature we calculated does not match the signature you provided.';
}

/** The JSON of an RDS-shaped secret (what CDK's DatabaseSecret holds once attached) for a database URL. */
export function rdsSecretFor(url: string, engine: string): string {
  const parsed = new URL(url);
  return JSON.stringify({
    engine,
    host: parsed.hostname,
    port: Number(parsed.port),
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    dbname: parsed.pathname.slice(1),
  });
}

/** A syntactically valid secret ARN for tests. */
export function testSecretArn(name: string): string {
  return `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
}
