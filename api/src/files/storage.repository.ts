/** A presigned request the client sends straight to storage. */
export interface PresignedUpload {
  readonly url: string;
  readonly method: 'PUT';
  /** Headers the client must send as given (they are part of the signature). */
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: Date;
}

/** What storage knows about a stored object. */
export interface StoredObject {
  readonly size: number;
  readonly contentType: string | undefined;
}

/** When a presigned URL is signed and how long it lives (the clock is the service's, so tests control it). */
export interface Validity {
  readonly signedAt: Date;
  readonly expiresInSeconds: number;
}

/** What a presigned upload binds: the key, the exact content type and the exact length. */
export interface UploadRequest extends Validity {
  readonly key: string;
  readonly contentType: string;
  readonly size: number;
}

/**
 * Object storage behind one interface: `S3StorageRepository` (AWS SDK v3, presigned URLs) or
 * `LocalStorageRepository` (DATA_DIR/uploads, the app's own HMAC-signed URLs). Clients follow the
 * same flow with either. Used as the injection token.
 */
export abstract class StorageRepository {
  abstract presignUpload(request: UploadRequest): Promise<PresignedUpload>;
  /** A short-lived URL that reads the object. */
  abstract presignDownload(key: string, validity: Validity): Promise<string>;
  /** The object's size and content type, or undefined when it does not exist. */
  abstract head(key: string): Promise<StoredObject | undefined>;
  /** Deletes the object; deleting a missing object is not an error. */
  abstract delete(key: string): Promise<void>;
  /** A URL anyone can read without signing, when the deployment serves public objects (S3_PUBLIC_BASE_URL). */
  abstract publicUrl(key: string): string | undefined;
}
