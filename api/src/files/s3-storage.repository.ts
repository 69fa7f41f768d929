import type { S3Client } from '@aws-sdk/client-s3';
import { Inject, Injectable } from '@nestjs/common';
import { awsRequestHandler } from '../aws/http-limits.js';
import { isTransientAwsFailure } from '../aws/transient-failure.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  type PresignedUpload,
  StorageRepository,
  type StoredObject,
  type UploadRequest,
  type Validity,
} from './storage.repository.js';

type S3Module = typeof import('@aws-sdk/client-s3');
type PresignerModule = typeof import('@aws-sdk/s3-request-presigner');

interface Sdk {
  readonly client: S3Client;
  readonly s3: S3Module;
  readonly getSignedUrl: PresignerModule['getSignedUrl'];
}

/**
 * What an S3 call's failure becomes: S3 unreachable, timing out, throttling or failing on its side
 * is 503 STORAGE_UNAVAILABLE (before 2026-12-07 a socket error answered "database unavailable",
 * which sent the operator to the wrong system, and a 5xx from S3 an opaque 500); anything else
 * (credentials, access denied, a missing bucket: configuration) stays an error to log with its
 * stack.
 */
function storageFailure(error: unknown): unknown {
  // The cause goes into the warning the exception filter logs.
  return isTransientAwsFailure(error)
    ? Object.assign(new AppError('STORAGE_UNAVAILABLE', undefined, undefined, { 'retry-after': '2' }), {
        cause: error,
      })
    : error;
}

/** Headers S3 must check against the signature, so the client cannot upload another type or length. */
const SIGNED_UPLOAD_HEADERS = new Set(['content-type', 'content-length']);

/**
 * Files in an S3 bucket. Credentials come from the SDK's default provider chain (the IAM role on
 * Lambda, ECS and EC2; never static keys); S3_ENDPOINT points it at an S3-compatible server with
 * path-style addressing. The SDK is imported on first use so a Lambda cold start does not load it.
 */
@Injectable()
export class S3StorageRepository extends StorageRepository {
  private sdk: Promise<Sdk> | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async presignUpload(request: UploadRequest): Promise<PresignedUpload> {
    const { client, s3, getSignedUrl } = await this.loadSdk();
    const command = new s3.PutObjectCommand({
      Bucket: this.settings().bucket,
      Key: request.key,
      ContentType: request.contentType,
      ContentLength: request.size,
    });
    const expiresIn = await this.validSeconds(client, request);
    const url = await getSignedUrl(client, command, {
      expiresIn,
      signingDate: request.signedAt,
      signableHeaders: SIGNED_UPLOAD_HEADERS,
    });
    return {
      url,
      method: 'PUT',
      headers: { 'Content-Type': request.contentType, 'Content-Length': String(request.size) },
      expiresAt: new Date(request.signedAt.getTime() + expiresIn * 1000),
    };
  }

  async presignDownload(key: string, validity: Validity): Promise<string> {
    const { client, s3, getSignedUrl } = await this.loadSdk();
    return getSignedUrl(client, new s3.GetObjectCommand({ Bucket: this.settings().bucket, Key: key }), {
      expiresIn: await this.validSeconds(client, validity),
      signingDate: validity.signedAt,
    });
  }

  /**
   * How long a URL signed now can work: what was asked, cut to the life left in the credentials
   * that sign it. S3 refuses a presigned URL once the temporary credentials that signed it expire
   * (ExpiredToken), and the role credentials on ECS, EC2 and Lambda rotate every few hours, the
   * SDK renewing them only in their last minutes: a URL signed then stopped working long before
   * the `expiresAt` the API returned. Now the URL and `expiresAt` say the same, true time.
   * Credentials without an expiry (long-term keys, the local stand-ins) leave it as asked.
   */
  private async validSeconds(client: S3Client, validity: Validity): Promise<number> {
    // The provider the signer itself calls: memoised, so this is the identity that signs.
    const { expiration } = await client.config.credentials();
    if (expiration === undefined) return validity.expiresInSeconds;
    const left = Math.floor((expiration.getTime() - validity.signedAt.getTime()) / 1000);
    return Math.max(1, Math.min(validity.expiresInSeconds, left));
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const { client, s3 } = await this.loadSdk();
    try {
      const output = await client.send(
        new s3.HeadObjectCommand({ Bucket: this.settings().bucket, Key: key }),
      );
      return { size: output.ContentLength ?? 0, contentType: output.ContentType };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // S3 answers a HEAD of a missing key with 403 when the role may not list the bucket (a
      // condition on s3:prefix is enough to cause it), and a HEAD has no body telling the two apart:
      // "not uploaded yet" must not become a 500.
      if (status === 404 || status === 403 || (error as Error).name === 'NotFound') return undefined;
      throw storageFailure(error);
    }
  }

  async delete(key: string): Promise<void> {
    const { client, s3 } = await this.loadSdk();
    try {
      await client.send(new s3.DeleteObjectCommand({ Bucket: this.settings().bucket, Key: key }));
    } catch (error) {
      throw storageFailure(error);
    }
  }

  publicUrl(key: string): string | undefined {
    const base = this.settings().publicBaseUrl;
    return base === undefined ? undefined : `${base}/${key}`;
  }

  private settings(): Extract<AppConfig['storage'], { driver: 's3' }> {
    const storage = this.config.storage;
    if (storage.driver !== 's3') throw new Error('S3StorageRepository needs S3_BUCKET');
    return storage;
  }

  private loadSdk(): Promise<Sdk> {
    this.sdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]).then(
      ([s3, presigner]) => {
        const { region, endpoint } = this.settings();
        const client = new s3.S3Client({
          ...(region ? { region } : {}),
          ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
          // Flexible checksums would add x-amz-checksum-* to presigned PUTs that browsers cannot compute.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          requestHandler: awsRequestHandler(),
        });
        return { client, s3, getSignedUrl: presigner.getSignedUrl };
      },
    );
    return this.sdk;
  }
}
