import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake received, for assertions. */
export interface SecretsManagerCall {
  readonly target: string | undefined;
  readonly secretId: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

/** A loopback server speaking Secrets Manager's JSON 1.1 protocol (`GetSecretValue` only). */
export interface FakeSecretsManager {
  readonly endpoint: string;
  readonly calls: SecretsManagerCall[];
  /** Secret values by id (ARN); a missing id answers ResourceNotFoundException. */
  readonly secrets: Map<string, string | Buffer>;
  /**
   * What a process's AWS SDK needs to call this fake through its default credential chain: the
   * SDK's own endpoint variable, a region and dummy keys (the production code path, pointed here).
   */
  readonly clientEnvironment: Readonly<Record<string, string>>;
  /** Holds every answer until the returned function is called (to prove nobody waits for it). */
  hold(): () => void;
  close(): Promise<void>;
}

/**
 * Starts the fake on 127.0.0.1. It checks what the real service checks first (the target
 * header and a SigV4 Authorization header) so a client that skipped signing would fail here too.
 */
export async function startFakeSecretsManager(): Promise<FakeSecretsManager> {
  const calls: SecretsManagerCall[] = [];
  const secrets = new Map<string, string | Buffer>();
  let gate: Promise<void> = Promise.resolve();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      await gate;
      const target = request.headers['x-amz-target'];
      const targetName = Array.isArray(target) ? target[0] : target;
      let secretId: string | undefined;
      try {
        secretId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: string }).SecretId;
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
      if (request.method !== 'POST' || targetName !== 'secretsmanager.GetSecretValue') {
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
      const value = secretId === undefined ? undefined : secrets.get(secretId);
      if (value === undefined) {
        return reply(
          400,
          {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          },
          'ResourceNotFoundException',
        );
      }
      return reply(200, {
        ARN: secretId,
        Name: secretId?.split(':').at(-1),
        VersionId: '00000000-0000-0000-0000-000000000001',
        ...(Buffer.isBuffer(value) ? { SecretBinary: value.toString('base64') } : { SecretString: value }),
        VersionStages: ['AWSCURRENT'],
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
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    },
    calls,
    secrets,
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

/** A syntactically valid secret ARN for tests. */
export function testSecretArn(name: string): string {
  return `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
}
