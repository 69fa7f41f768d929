import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createApp } from '../../src/app.js';
import { testConfig } from './test-config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** The real app listening on a real loopback socket, on its own fresh database. */
export interface TestServer {
  readonly app: NestFastifyApplication;
  readonly baseUrl: string;
  readonly database: TestDatabase;
  /** `fetch` relative to the server, JSON in and out. */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * @param options.database another server's database, to run a second app on it (a process after
 *   a configuration change); it is left for that server to drop.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  dialect: 'postgres' | 'mysql' = 'postgres',
  { database: shared, ...options }: { logger?: Logger; database?: TestDatabase } = {},
): Promise<TestServer> {
  const database = shared ?? (await createTestDatabase(dialect));
  const config = testConfig(env);
  const app = await createApp({ config, database: database.connection, ...options });
  // A free port unless the test chose one (URLs the app builds, e.g. signed file URLs, need it up front).
  await app.listen({ port: env.PORT !== undefined ? config.http.port : 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    database,
    request(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${baseUrl}${path}`, {
        ...rest,
        headers,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      });
    },
    async close() {
      await app.close();
      if (!shared) await database.drop();
    },
  };
}
