import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../../src/config/app-config.js';
import { APP_CONFIG } from '../../src/config/config.module.js';
import { bearer, readJson } from './auth-helpers.js';
import type { TestServer } from './test-server.js';

export { freePort } from './server-process.js';

/** Environment for a test server on `port` whose signed URLs point back at itself. */
export function selfAddressedEnv(port: number): Record<string, string> {
  return { PORT: String(port), API_BASE_URL: `http://127.0.0.1:${port}` };
}

/** The body of `POST /files/uploads`. */
export interface UploadBody {
  fileId: string;
  upload: { url: string; method: 'PUT'; headers: Record<string, string> };
  key: string;
  expiresAt: string;
}

/** The file as the API shows it. */
export interface FileBody {
  id: string;
  purpose: string;
  contentType: string;
  size: number;
  status: 'pending' | 'ready';
  key: string;
  url: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** Bytes that look like a PNG (the API never decodes images; only type and length matter). */
export function fakePng(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].slice(0, size));
  return bytes;
}

/** Starts an upload and expects 201. */
export async function startUpload(
  server: TestServer,
  accessToken: string,
  body: { purpose: string; contentType: string; size: number },
): Promise<UploadBody> {
  const response = await server.request('/files/uploads', {
    method: 'POST',
    headers: bearer(accessToken),
    json: body,
  });
  if (response.status !== 201)
    throw new Error(`upload start failed: ${response.status} ${await response.text()}`);
  return readJson<UploadBody>(response);
}

/** Sends the bytes to the presigned URL as a client would (only Content-Type; fetch sets the length). */
export function putToStorage(upload: UploadBody, bytes: Uint8Array, contentType?: string): Promise<Response> {
  return fetch(upload.upload.url, {
    method: 'PUT',
    headers: { 'content-type': contentType ?? upload.upload.headers['Content-Type'] ?? '' },
    body: bytes,
  });
}

/** Start, upload and complete a file; returns the completed file. */
export async function uploadFile(
  server: TestServer,
  accessToken: string,
  purpose = 'avatar',
  bytes = fakePng(64),
): Promise<FileBody> {
  const upload = await startUpload(server, accessToken, {
    purpose,
    contentType: 'image/png',
    size: bytes.length,
  });
  const put = await putToStorage(upload, bytes);
  if (!put.ok) throw new Error(`upload failed: ${put.status} ${await put.text()}`);
  const complete = await server.request(`/files/${upload.fileId}/complete`, {
    method: 'POST',
    headers: bearer(accessToken),
  });
  if (complete.status !== 200)
    throw new Error(`complete failed: ${complete.status} ${await complete.text()}`);
  return readJson<FileBody>(complete);
}

/** Every file under the local driver's upload directory (objects, metadata and any partial uploads). */
export async function filesOnDisk(server: TestServer): Promise<string[]> {
  const root = join(server.app.get<AppConfig>(APP_CONFIG).dataDir, 'uploads');
  try {
    return (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}
