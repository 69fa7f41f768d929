import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { awsRequestHandler } from './http-limits.js';

/**
 * One fetch per secret per process (a Lambda execution environment), shared by every repository
 * instance. Promises are cached, so concurrent first callers share one request; a failed fetch is
 * forgotten so the next call retries instead of failing until the next cold start.
 */
const cache = new Map<string, Promise<string>>();

/**
 * Reads secrets from AWS Secrets Manager with the SDK's default credential chain (the Lambda or
 * task role; never static keys). The SDK is imported on the first fetch, so a process that never
 * needs a secret never loads it.
 *
 * Tests point it at a local server with `clientConfig` (endpoint and dummy credentials) or with the
 * SDK's own `AWS_ENDPOINT_URL_SECRETS_MANAGER`; the request path is the production one either way.
 */
export class SecretsRepository {
  private client: Promise<SecretsManagerClient> | undefined;

  /** @param clientConfig SDK client overrides; production passes none. */
  constructor(private readonly clientConfig: SecretsManagerClientConfig = {}) {}

  /**
   * The secret's `SecretString`, fetched once per process and cached; `{fresh: true}` fetches it
   * again (for a secret that may have been rotated) and caches the new value, leaving the cached
   * one in place if that fetch fails.
   */
  getString(secretId: string, { fresh = false }: { fresh?: boolean } = {}): Promise<string> {
    const key = `${String(this.clientConfig.endpoint ?? '')}|${secretId}`;
    let value = cache.get(key);
    if (fresh && value !== undefined) {
      const refetched = this.fetch(secretId);
      refetched.then(
        () => cache.set(key, refetched),
        () => {},
      );
      return refetched;
    }
    if (value === undefined) {
      value = this.fetch(secretId);
      cache.set(key, value);
      value.catch(() => cache.delete(key));
    }
    return value;
  }

  /**
   * Starts fetching a secret that is about to be needed, without waiting for it: the Lambda handler
   * overlaps the database secret's round trip with the rest of init. Failures are left for the
   * real read to report (and retry).
   */
  prefetch(secretId: string): void {
    this.getString(secretId).catch(() => {});
  }

  /** The secret parsed as a JSON object (the shape RDS and most AWS integrations store). */
  async getJson(secretId: string, options: { fresh?: boolean } = {}): Promise<Record<string, unknown>> {
    const text = await this.getString(secretId, options);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`Secret ${secretId} is not JSON; store it as a JSON object.`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`Secret ${secretId} must hold a JSON object.`);
    }
    return parsed as Record<string, unknown>;
  }

  private async fetch(secretId: string): Promise<string> {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const client = await this.sdkClient();
    let output: { SecretString?: string };
    try {
      output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      throw new Error(`Could not read secret ${secretId}: ${(error as Error).message}`, { cause: error });
    }
    if (output.SecretString === undefined) {
      throw new Error(`Secret ${secretId} has no SecretString (binary secrets are not supported).`);
    }
    return output.SecretString;
  }

  private sdkClient(): Promise<SecretsManagerClient> {
    this.client ??= import('@aws-sdk/client-secrets-manager').then(
      ({ SecretsManagerClient }) =>
        new SecretsManagerClient({
          maxAttempts: 3,
          requestHandler: awsRequestHandler(),
          ...this.clientConfig,
        }),
    );
    return this.client;
  }
}
