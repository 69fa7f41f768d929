import { Readable } from 'node:stream';
import { Inject, Injectable, StreamableFile } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { mediaType } from './file-purposes.js';
import type { LocalDownloadQuery, LocalUploadQuery } from './files.dto.js';
import { LocalStorageRepository } from './local-storage.repository.js';

/** The request headers an upload is checked against. */
export interface UploadHeaders {
  readonly contentType: string | undefined;
  readonly contentLength: string | undefined;
}

/**
 * The local driver's stand-in for S3: accepts the PUTs and serves the GETs that
 * `LocalStorageRepository` signed. The signature is checked first (constant time), then the expiry,
 * then that the request carries exactly the signed Content-Type and length.
 */
@Injectable()
export class LocalStorageService {
  constructor(
    @Inject(LocalStorageRepository) private readonly storage: LocalStorageRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
  ) {}

  async receiveUpload(query: LocalUploadQuery, headers: UploadHeaders, body: unknown): Promise<void> {
    const fields = {
      method: 'PUT',
      key: query.key,
      contentType: query.type,
      size: query.size,
      expires: query.expires,
    } as const;
    if (!(await this.storage.verify(fields, query.sig))) throw new AppError('UPLOAD_URL_INVALID');
    if (this.expired(query.expires)) throw new AppError('UPLOAD_URL_EXPIRED');
    if (mediaType(headers.contentType) !== query.type) {
      throw new AppError('UPLOAD_CONTENT_MISMATCH', `Send Content-Type: ${query.type}.`);
    }
    if (headers.contentLength !== query.size || !(body instanceof Readable)) {
      throw new AppError('UPLOAD_CONTENT_MISMATCH', `Send exactly ${query.size} bytes with Content-Length.`);
    }
    if (!(await this.storage.write(query.key, query.type, Number(query.size), body))) {
      throw new AppError('UPLOAD_CONTENT_MISMATCH', `The body was not exactly ${query.size} bytes.`);
    }
  }

  async download(query: LocalDownloadQuery): Promise<StreamableFile> {
    const fields = {
      method: 'GET',
      key: query.key,
      contentType: '',
      size: '',
      expires: query.expires,
    } as const;
    if (!(await this.storage.verify(fields, query.sig))) throw new AppError('DOWNLOAD_URL_INVALID');
    if (this.expired(query.expires)) throw new AppError('DOWNLOAD_URL_EXPIRED');
    const object = await this.storage.open(query.key);
    if (!object) throw new AppError('FILE_NOT_FOUND');
    return new StreamableFile(object.stream, { type: object.contentType, length: object.size });
  }

  private expired(expires: string): boolean {
    return Number(expires) * 1000 <= this.clock.now().getTime();
  }
}
