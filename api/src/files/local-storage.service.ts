import { Readable } from 'node:stream';
import { Inject, Injectable, StreamableFile } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { byteRangeOf } from './byte-range.js';
import { mediaType } from './file-purposes.js';
import type { LocalDownloadQuery, LocalUploadQuery } from './files.dto.js';
import { LocalStorageRepository } from './local-storage.repository.js';

/** What a download answers: the bytes, and for a range, its `Content-Range` (a 206). */
export interface LocalDownload {
  readonly file: StreamableFile;
  readonly contentRange: string | undefined;
}

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

  /**
   * The object at a signed download URL, whole or the one byte range `range` asks for (players seek
   * with ranges, and Safari plays an MP4 only from 206 answers, as S3 gives them). `ifRange`: a
   * range made conditional on a validator this driver does not keep, so the object is served whole.
   */
  async download(query: LocalDownloadQuery, range?: string, ifRange?: string): Promise<LocalDownload> {
    const fields = {
      method: 'GET',
      key: query.key,
      contentType: '',
      size: '',
      expires: query.expires,
    } as const;
    if (!(await this.storage.verify(fields, query.sig))) throw new AppError('DOWNLOAD_URL_INVALID');
    if (this.expired(query.expires)) throw new AppError('DOWNLOAD_URL_EXPIRED');
    const asked = ifRange === undefined ? range : undefined;
    const object = await this.storage.open(query.key, (size) => {
      const bytes = byteRangeOf(asked, size);
      if (bytes !== 'unsatisfiable') return bytes;
      throw new AppError(
        'RANGE_NOT_SATISFIABLE',
        undefined,
        { size },
        { 'content-range': `bytes */${size}` },
      );
    });
    if (!object) throw new AppError('FILE_NOT_FOUND');
    const { range: served, size } = object;
    const length = served ? served.end - served.start + 1 : size;
    return {
      file: new StreamableFile(object.stream, { type: object.contentType, length }),
      contentRange: served ? `bytes ${served.start}-${served.end}/${size}` : undefined,
    };
  }

  private expired(expires: string): boolean {
    return Number(expires) * 1000 <= this.clock.now().getTime();
  }
}
