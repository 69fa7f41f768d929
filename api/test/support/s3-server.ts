import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// s3rver ships no types; the surface used here is declared in s3rver.d.ts beside this file.
import S3rver from 's3rver';

/** A throwaway S3-compatible server on loopback (s3rver: presigned URLs work; SigV4 signatures are not verified). */
export interface TestS3Server {
  readonly endpoint: string;
  readonly bucket: string;
  /** Environment for the API to use it (dummy credentials go through the SDK's default chain). */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/** The credentials s3rver accepts; the SDK reads them from the environment like any real ones. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

export async function startS3Server(bucket = 'cloudnest-test'): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'cloudnest-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: { S3_BUCKET: bucket, S3_ENDPOINT: endpoint, S3_REGION: 'us-east-1' },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
