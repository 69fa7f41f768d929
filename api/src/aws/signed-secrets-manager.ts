import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AwsSigning } from '../config/app-config.js';
import { signRequest } from './sigv4.js';

/** What a GetSecretValue answer carries that CloudNest reads. */
export interface SecretValue {
  readonly SecretString?: string;
}

/** An answer the service gave that was not a secret (the SDK would throw the same exception). */
export class SecretsManagerError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(`${type}: ${message}`);
    this.name = 'SecretsManagerError';
  }
}

/**
 * An attempt is given up after this and the SDK path takes over, with its own retries and limits;
 * Secrets Manager answers in well under a second.
 */
const ATTEMPT_TIMEOUT_MS = 5_000;
/** The service's answers are a few KiB; anything this large is not one of them. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * `GetSecretValue` as one SigV4-signed POST of Secrets Manager's JSON 1.1 protocol — without the
 * SDK's client, its credential chain, retry and middleware stacks and HTTP handler (~225 KiB),
 * whose loading was most of what a Lambda cold start with `DATABASE_SECRET_ARN` paid beyond one
 * with `DATABASE_URL` (docs/lambda.md, "Secrets"). Only used where `AwsSigning` says the
 * environment holds what the SDK's chain would use; `SecretsRepository` falls back to the SDK on
 * any failure.
 */
export class SignedSecretsManager {
  private readonly endpoint: URL;

  /** @param attemptTimeoutMs @default 5000 */
  constructor(
    private readonly signing: AwsSigning,
    private readonly attemptTimeoutMs = ATTEMPT_TIMEOUT_MS,
  ) {
    this.endpoint = new URL(signing.secretsManagerEndpoint);
  }

  async getSecretValue(secretId: string): Promise<SecretValue> {
    const body = JSON.stringify({ SecretId: secretId });
    const headers = signRequest(
      {
        method: 'POST',
        host: this.endpoint.host,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'secretsmanager.GetSecretValue',
        },
        body,
      },
      {
        region: this.signing.region,
        service: 'secretsmanager',
        credentials: this.signing.credentials(),
        date: new Date(),
      },
    );
    const { status, text } = await this.send(headers, body);
    const answer = parseAnswer(text);
    if (status !== 200) {
      const type = typeof answer?.__type === 'string' ? answer.__type.split('#').at(-1) : `HTTP ${status}`;
      // The service's exceptions say `Message`, its request layer's (signature, token) `message`:
      // reading only the latter put the raw JSON in the warning (found in review, 2026-12-07).
      const said = answer?.Message ?? answer?.message;
      const message = typeof said === 'string' ? said : text.slice(0, 200);
      throw new SecretsManagerError(type ?? `HTTP ${status}`, message);
    }
    if (answer === undefined)
      throw new SecretsManagerError('InvalidResponse', 'the answer is not a JSON object');
    return typeof answer.SecretString === 'string' ? { SecretString: answer.SecretString } : {};
  }

  private send(headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
    const send = this.endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(
        this.endpoint,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          signal: AbortSignal.timeout(this.attemptTimeoutMs),
        },
        (response: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) response.destroy(new Error('answer too large'));
            else chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
}

function parseAnswer(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
