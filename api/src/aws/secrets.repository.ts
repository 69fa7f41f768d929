import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { SECRET_UNAVAILABLE } from '../common/errors/secret-unavailable.js';
import type { AwsSigning } from '../config/app-config.js';
import { awsRequestHandler } from './http-limits.js';
import type { SecretValue, SignedSecretsManager } from './signed-secrets-manager.js';
import { isTransientAwsFailure } from './transient-failure.js';

/**
 * One fetch per secret per process (a Lambda execution environment), shared by every repository
 * instance. Promises are cached, so concurrent first callers share one request; a failed fetch is
 * forgotten so the next call retries instead of failing until the next cold start.
 */
const cache = new Map<string, Promise<string>>();

export interface SecretsRepositoryOptions {
  /**
   * The configuration's `awsSigning`: when present, a read is one request CloudNest signs itself
   * ({@link SignedSecretsManager}), and the SDK is loaded only if that fails.
   */
  readonly signing?: AwsSigning | undefined;
  /** SDK client overrides (tests point it at a local server); production passes none. */
  readonly sdk?: SecretsManagerClientConfig;
}

/**
 * Reads secrets from AWS Secrets Manager with the default credential chain's credentials (the
 * Lambda or task role; never static keys). On Lambda, where the runtime puts the role's
 * credentials in the environment, a read is one signed request without the SDK (its client,
 * ~225 KiB, cost a cold start more than anything else it loaded); anywhere else, or when that
 * request fails for any reason,
 * the SDK's client reads it, imported on first use, so a process that never needs a secret never
 * loads it.
 *
 * Tests point either path at a local server (`AWS_ENDPOINT_URL_SECRETS_MANAGER`, or `sdk` with
 * an endpoint and dummy credentials); the request path is the production one either way.
 */
export class SecretsRepository {
  private client: Promise<SecretsManagerClient> | undefined;
  private signed: Promise<SignedSecretsManager> | undefined;
  private readonly signing: AwsSigning | undefined;
  private readonly sdkConfig: SecretsManagerClientConfig;

  constructor({ signing, sdk = {} }: SecretsRepositoryOptions = {}) {
    this.signing = signing;
    this.sdkConfig = sdk;
  }

  /**
   * The secret's `SecretString`, fetched once per process and cached; `{fresh: true}` fetches it
   * again (for a secret that may have been rotated) and caches the new value, leaving the cached
   * one in place if that fetch fails.
   */
  getString(secretId: string, { fresh = false }: { fresh?: boolean } = {}): Promise<string> {
    const key = `${this.signing?.secretsManagerEndpoint ?? String(this.sdkConfig.endpoint ?? '')}|${secretId}`;
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

  /**
   * Whether a rotation of the secret has begun and not finished: a version carries `AWSPENDING`
   * without `AWSCURRENT` (between the rotation's createSecret and finishSecret steps; a failed
   * rotation leaves it so until the next attempt). The database may already hold the pending
   * password then, so whoever sets a password from `AWSCURRENT` would undo the rotation. Always
   * asked of the service (never cached), through the SDK: only the migration function asks, once
   * per run, where the SDK's load time does not matter.
   */
  async rotationInProgress(secretId: string): Promise<boolean> {
    const { DescribeSecretCommand } = await import('@aws-sdk/client-secrets-manager');
    const client = await this.sdkClient();
    let stages: Record<string, string[]> | undefined;
    try {
      ({ VersionIdsToStages: stages } = await client.send(new DescribeSecretCommand({ SecretId: secretId })));
    } catch (error) {
      throw new Error(`Could not describe secret ${secretId}: ${(error as Error).message}`, { cause: error });
    }
    return Object.values(stages ?? {}).some(
      (labels) => labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT'),
    );
  }

  private async fetch(secretId: string): Promise<string> {
    const output =
      (this.signing && (await this.fetchSigned(this.signing, secretId))) ??
      (await this.fetchWithSdk(secretId));
    if (output.SecretString === undefined) {
      throw new Error(`Secret ${secretId} has no SecretString (binary secrets are not supported).`);
    }
    return output.SecretString;
  }

  /**
   * The signed request, or `undefined` after a warning when it failed: the SDK then reads the secret
   * with its retries, and reports the error if there is one. The warning (Node's, on stderr, in
   * the function's log) is there because a signed path that always failed would otherwise only
   * show as slower cold starts.
   */
  private async fetchSigned(signing: AwsSigning, secretId: string): Promise<SecretValue | undefined> {
    try {
      // Imported on the first read, so a process without secrets (the target's figure in
      // docs/lambda.md) does not load even the signer.
      this.signed ??= import('./signed-secrets-manager.js').then(
        ({ SignedSecretsManager }) => new SignedSecretsManager(signing),
      );
      return await (await this.signed).getSecretValue(secretId);
    } catch (error) {
      process.emitWarning(
        `Reading secret ${secretId} with a signed request failed (${(error as Error).message}); reading it with the AWS SDK.`,
        'SecretsManagerWarning',
      );
      return undefined;
    }
  }

  private async fetchWithSdk(secretId: string): Promise<SecretValue> {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const client = await this.sdkClient();
    try {
      return await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      const unread = new Error(`Could not read secret ${secretId}: ${(error as Error).message}`, {
        cause: error,
      });
      // Only a failure to wait out is a 503; a wrong ARN, a missing permission or a key that cannot
      // decrypt it stays a loud 500 (found in review, 2026-12-07).
      throw isTransientAwsFailure(error) ? Object.assign(unread, { code: SECRET_UNAVAILABLE }) : unread;
    }
  }

  private sdkClient(): Promise<SecretsManagerClient> {
    this.client ??= import('@aws-sdk/client-secrets-manager').then(
      ({ SecretsManagerClient }) =>
        new SecretsManagerClient({
          maxAttempts: 3,
          requestHandler: awsRequestHandler(),
          ...this.sdkConfig,
        }),
    );
    return this.client;
  }
}
