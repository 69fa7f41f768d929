import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/common/errors/app-error.js';
import { toErrorResponse } from '../../src/common/errors/error-response.js';
import { freeLoopbackPort } from '../../src/common/net/free-loopback-port.js';
import { S3StorageRepository } from '../../src/files/s3-storage.repository.js';
import { bearer, type ErrorBody, RELAXED_LIMITS, readJson, registerUser } from '../support/auth-helpers.js';
import { type FileBody, fakePng, putToStorage, startUpload, uploadFile } from '../support/files-helpers.js';
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from '../support/s3-server.js';
import { testConfig } from '../support/test-config.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * The s3 driver against s3rver on loopback: real presigned PUT/GET over HTTP and real HEADs.
 * s3rver does not verify SigV4 signatures, so nothing here proves that S3 rejects an altered URL
 * (the local driver's tests do that for its own signatures); it does enforce expiry.
 */
describe('the s3 storage driver against an S3-compatible server', () => {
  let s3: TestS3Server;
  let storage: S3StorageRepository;
  let client: S3Client;
  beforeAll(async () => {
    for (const [name, value] of Object.entries(S3RVER_CREDENTIALS)) vi.stubEnv(name, value);
    s3 = await startS3Server();
    storage = new S3StorageRepository(testConfig(s3.env));
    client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true });
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.close();
    vi.unstubAllEnvs();
  });

  async function exists(key: string): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      return true;
    } catch {
      return false;
    }
  }

  const key = (name: string, extension = 'png') =>
    `uploads/temp/00000000-0000-4000-8000-000000000000/${name.padStart(8, '0')}-0000-4000-8000-000000000000.${extension}`;

  it('presigns a path-style PUT that signs Content-Type and Content-Length, and HEADs what was uploaded', async () => {
    const bytes = fakePng(1234);
    const upload = await storage.presignUpload({
      key: key('1'),
      contentType: 'image/png',
      size: bytes.length,
      signedAt: new Date(),
      expiresInSeconds: 300,
    });
    const url = new URL(upload.url);
    expect(`${url.protocol}//${url.host}`).toBe(s3.endpoint);
    expect(url.pathname).toBe(`/${s3.bucket}/${key('1')}`);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^S3RVER\//);
    expect([...url.searchParams.keys()].some((name) => name.toLowerCase().includes('checksum'))).toBe(false);
    expect(upload.headers).toEqual({ 'Content-Type': 'image/png', 'Content-Length': '1234' });

    expect(await storage.head(key('1'))).toBeUndefined();
    const put = await fetch(upload.url, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: bytes,
    });
    expect(put.status).toBe(200);
    expect(await storage.head(key('1'))).toEqual({ size: 1234, contentType: 'image/png' });

    const download = await fetch(
      await storage.presignDownload(key('1'), { signedAt: new Date(), expiresInSeconds: 60 }),
    );
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);

    await storage.delete(key('1'));
    expect(await storage.head(key('1'))).toBeUndefined();
    expect(await exists(key('1'))).toBe(false);
    await storage.delete(key('1'));
  });

  it('issues URLs that the server refuses once expired', async () => {
    const upload = await storage.presignUpload({
      key: key('2'),
      contentType: 'image/png',
      size: 10,
      signedAt: new Date(Date.now() - 600_000),
      expiresInSeconds: 60,
    });
    const put = await fetch(upload.url, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: fakePng(10),
    });
    expect(put.status).toBe(403);
    expect(await put.text()).toContain('Request has expired');
    expect(await exists(key('2'))).toBe(false);
  });

  // Found in review (2026-12-07): the socket error reached the client as 503 DATABASE_UNAVAILABLE
  // and the operator as "database unavailable".
  it('answers S3 that cannot be reached with 503 STORAGE_UNAVAILABLE, not "database unavailable"', async () => {
    const nowhere = new S3StorageRepository(
      testConfig({ ...s3.env, S3_ENDPOINT: `http://127.0.0.1:${await freeLoopbackPort()}` }),
    );
    for (const attempt of [
      () => nowhere.head(key('unreachable')),
      () => nowhere.delete(key('unreachable')),
    ]) {
      const failure = await attempt().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(AppError);
      expect(toErrorResponse(failure, 'r')).toMatchObject({
        body: { statusCode: 503, code: 'STORAGE_UNAVAILABLE' },
        headers: { 'retry-after': '2' },
        unexpected: false,
      });
      expect((failure as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    }
  });

  it('gives public URLs only when S3_PUBLIC_BASE_URL is set', () => {
    expect(storage.publicUrl(key('3'))).toBeUndefined();
    const cdn = new S3StorageRepository(
      testConfig({ ...s3.env, S3_PUBLIC_BASE_URL: 'https://cdn.example.com/' }),
    );
    expect(cdn.publicUrl(key('3'))).toBe(`https://cdn.example.com/${key('3')}`);
  });

  describe('through the API', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ ...RELAXED_LIMITS, ...s3.env });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('uploads straight to the bucket, completes after a HEAD, and redirects to a presigned GET', async () => {
      const { tokens } = await registerUser(server);
      const bytes = fakePng(2048);
      const upload = await startUpload(server, tokens.accessToken, {
        purpose: 'avatar',
        contentType: 'image/png',
        size: bytes.length,
      });
      expect(
        upload.upload.url.startsWith(`${s3.endpoint}/${s3.bucket}/uploads/users/${tokens.user.id}/`),
      ).toBe(true);
      const early = await server.request(`/files/${upload.fileId}/complete`, {
        method: 'POST',
        headers: bearer(tokens.accessToken),
      });
      expect(early.status).toBe(409);
      expect((await readJson<ErrorBody>(early)).code).toBe('FILE_NOT_UPLOADED');

      expect((await putToStorage(upload, bytes)).status).toBe(200);
      const complete = await server.request(`/files/${upload.fileId}/complete`, {
        method: 'POST',
        headers: bearer(tokens.accessToken),
      });
      expect(complete.status).toBe(200);
      expect(await readJson<FileBody>(complete)).toMatchObject({ status: 'ready', size: 2048 });

      const redirect = await server.request(`/files/${upload.fileId}`, {
        headers: bearer(tokens.accessToken),
        redirect: 'manual',
      });
      expect(redirect.status).toBe(302);
      const location = redirect.headers.get('location') ?? '';
      expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/${upload.key}?`)).toBe(true);
      expect(new Uint8Array(await (await fetch(location)).arrayBuffer())).toEqual(bytes);

      const removed = await server.request(`/files/${upload.fileId}`, {
        method: 'DELETE',
        headers: bearer(tokens.accessToken),
      });
      expect(removed.status).toBe(204);
      expect(await exists(upload.key)).toBe(false);
    });

    it('refuses to complete an object that differs from the declaration (409 FILE_UPLOAD_MISMATCH) and deletes it', async () => {
      const { tokens } = await registerUser(server);
      const upload = await startUpload(server, tokens.accessToken, {
        purpose: 'temp',
        contentType: 'image/png',
        size: 100,
      });
      // Real S3 rejects this PUT (the length is signed); s3rver does not check, which lets the HEAD check show.
      expect((await putToStorage(upload, fakePng(150))).status).toBe(200);
      const complete = await server.request(`/files/${upload.fileId}/complete`, {
        method: 'POST',
        headers: bearer(tokens.accessToken),
      });
      expect(complete.status).toBe(409);
      const body = await readJson<ErrorBody>(complete);
      expect(body.code).toBe('FILE_UPLOAD_MISMATCH');
      expect(body.details).toEqual({
        expected: { size: 100, contentType: 'image/png' },
        actual: { size: 150, contentType: 'image/png' },
      });
      expect(await exists(upload.key)).toBe(false);
    });

    it('does not mount the local driver routes', async () => {
      const response = await server.request('/files/local?key=x', {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: fakePng(10),
      });
      expect(response.status).toBe(404);
      expect((await readJson<ErrorBody>(response)).code).toBe('ROUTE_NOT_FOUND');
    });
  });

  describe('through the API, with public files read from the bucket (S3_PUBLIC_BASE_URL)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({
        ...RELAXED_LIMITS,
        ...s3.env,
        S3_PUBLIC_BASE_URL: `${s3.endpoint}/${s3.bucket}`,
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('deletes an account’s public objects with the account, not at the purge 30 days later', async () => {
      const { credentials, tokens } = await registerUser(server);
      const avatar = await uploadFile(server, tokens.accessToken, 'avatar');
      const story = await uploadFile(server, tokens.accessToken, 'story');
      const temp = await uploadFile(server, tokens.accessToken, 'temp');
      const set = await server.request('/users/me', {
        method: 'PATCH',
        headers: bearer(tokens.accessToken),
        json: { avatarFileId: avatar.id },
      });
      expect(set.status).toBe(200);
      // Straight from the bucket: the URL the profile hands out, which the API cannot take back.
      for (const file of [avatar, story]) {
        expect(file.url).toBe(`${s3.endpoint}/${s3.bucket}/${file.key}`);
        expect((await fetch(file.url ?? '')).status).toBe(200);
      }

      const deleted = await server.request('/users/me', {
        method: 'DELETE',
        headers: bearer(tokens.accessToken),
        json: { password: credentials.password },
      });
      expect(deleted.status).toBe(204);
      for (const file of [avatar, story]) {
        expect((await fetch(file.url ?? '')).status).toBe(404);
        expect(await exists(file.key)).toBe(false);
      }
      // A private file is no one's to read meanwhile; it goes with the purge.
      expect(await exists(temp.key)).toBe(true);
    });
  });
});

/**
 * Role credentials as ECS, EC2 and Lambda give them: temporary, with an expiry, fetched by the SDK's
 * default chain (here its container-credentials provider, from an endpoint on loopback as ECS
 * serves them). S3 refuses a presigned URL once the credentials that signed it expire.
 */
describe('the s3 storage driver with role credentials that expire before the URL would', () => {
  let s3: TestS3Server;
  let endpoint: Server;
  let credentialsExpire: Date;
  beforeAll(async () => {
    s3 = await startS3Server();
    credentialsExpire = new Date(Date.now() + 10 * 60_000);
    endpoint = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          // The keys s3rver knows (it checks the key id, not the signature).
          AccessKeyId: S3RVER_CREDENTIALS.AWS_ACCESS_KEY_ID,
          SecretAccessKey: S3RVER_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
          Token: 'role-session-token',
          Expiration: credentialsExpire.toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const { port } = endpoint.address() as AddressInfo;
    // Nothing ahead of the container provider in the default chain: no keys in the environment, no
    // profile or shared files (a developer's ~/.aws would otherwise sign with its keys).
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    vi.stubEnv('AWS_SESSION_TOKEN', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/cloudnest-credentials');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/cloudnest-config');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', `http://127.0.0.1:${port}/credentials`);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await new Promise((resolve) => endpoint?.close(resolve));
    await s3?.close();
  });

  // Found in review (2026-12-07): the URL and the API's `expiresAt` promised the full TTL, and S3
  // refused the URL when the credentials expired, up to the whole TTL earlier.
  it('signs uploads and downloads for no longer than the credentials live, and says so', async () => {
    const storage = new S3StorageRepository(testConfig(s3.env));
    const signedAt = new Date();
    const upload = await storage.presignUpload({
      key: 'uploads/temp/00000000-0000-4000-8000-000000000000/00000009-0000-4000-8000-000000000000.png',
      contentType: 'image/png',
      size: 10,
      signedAt,
      expiresInSeconds: 3600,
    });
    const url = new URL(upload.url);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('role-session-token');
    const left = Math.floor((credentialsExpire.getTime() - signedAt.getTime()) / 1000);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(left));
    expect(upload.expiresAt.getTime()).toBe(signedAt.getTime() + left * 1000);
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: fakePng(10) });
    expect(put.status).toBe(200);
    const download = new URL(
      await storage.presignDownload('uploads/x.png', { signedAt, expiresInSeconds: 3600 }),
    );
    expect(download.searchParams.get('X-Amz-Expires')).toBe(String(left));
    // Asked for less than the credentials' life: as asked.
    const short = new URL(await storage.presignDownload('uploads/x.png', { signedAt, expiresInSeconds: 60 }));
    expect(short.searchParams.get('X-Amz-Expires')).toBe('60');
  });
});

// S3 answers a HEAD of a missing key with 403 when the role may not list the bucket; that is "not
// uploaded yet", not a storage failure (a 5xx on completing an upload). s3rver always answers 404.
describe('S3StorageRepository.head on a bucket the role may not list', () => {
  it('reads a 403 HEAD as no object', async () => {
    for (const [name, value] of Object.entries(S3RVER_CREDENTIALS)) vi.stubEnv(name, value);
    const s3 = createServer((request, response) => {
      request.resume();
      response.writeHead(403, { 'content-type': 'application/xml' }).end();
    });
    await new Promise<void>((resolve) => s3.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = s3.address() as AddressInfo;
      const storage = new S3StorageRepository(
        testConfig({ S3_BUCKET: 'bucket', S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_REGION: 'us-east-1' }),
      );
      await expect(
        storage.head(
          'uploads/temp/00000000-0000-4000-8000-000000000000/00000001-0000-4000-8000-000000000000.png',
        ),
      ).resolves.toBeUndefined();
    } finally {
      await new Promise((resolve) => s3.close(resolve));
      vi.unstubAllEnvs();
    }
  });
});
