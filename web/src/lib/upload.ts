import type { UploadTarget } from './api-types';

/** Headers a browser sets itself and refuses from scripts. */
const BROWSER_HEADERS = new Set(['content-length', 'host', 'connection']);

/** Thrown when the bytes did not reach storage; `code` maps to a message in error-messages.ts. */
export class UploadError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
  ) {
    super(code);
    this.name = 'UploadError';
  }
}

/**
 * Sends a file straight to storage at a presigned target (S3, or the API's local driver), reporting
 * progress from 0 to 1. XMLHttpRequest because fetch has no upload progress events.
 */
export function uploadToStorage(
  target: UploadTarget,
  file: Blob,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.url);
    for (const [name, value] of Object.entries(target.headers ?? {})) {
      if (!BROWSER_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        reject(new UploadError(errorCodeOf(xhr.responseText) ?? 'UPLOAD_FAILED', xhr.status));
      }
    };
    xhr.onerror = () => reject(new UploadError('UPLOAD_FAILED', 0));
    xhr.onabort = () => reject(new UploadError('UPLOAD_FAILED', 0));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    if (target.fields) {
      // A presigned POST: the policy fields first, the file last.
      const form = new FormData();
      for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
      form.append('file', file);
      xhr.send(form);
    } else {
      xhr.send(file);
    }
  });
}

/** The API's local driver answers errors as JSON with a code; S3 answers XML (no code we map). */
function errorCodeOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { code?: unknown };
    return typeof body.code === 'string' ? body.code : undefined;
  } catch {
    return undefined;
  }
}
