import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createApp } from '../../src/app.js';
import { type ErrorAnswer, undocumentedErrorAnswers } from './documented-error-codes.js';
import { testConfig } from './test-config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** The real app listening on a real loopback socket, on its own fresh database. */
export interface TestServer {
  readonly app: NestFastifyApplication;
  readonly baseUrl: string;
  readonly database: TestDatabase;
  /** `fetch` relative to the server, JSON in and out. */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /**
   * Stops the server; fails if an error answer that `request` received has a code the OpenAPI
   * document does not list for its operation, so every e2e test also checks the document.
   */
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
  const errorAnswers: ErrorAnswer[] = [];
  return {
    app,
    baseUrl,
    database,
    request(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      const method = (rest.method ?? 'GET').toUpperCase();
      return fetch(`${baseUrl}${path}`, {
        ...rest,
        headers,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      }).then(async (response) => {
        if (response.status >= 400 && response.headers.get('content-type')?.startsWith('application/json')) {
          // A body that is not JSON (a HEAD's, which has none) is the test's to judge, not this check's.
          const body = (await response
            .clone()
            .json()
            .catch(() => undefined)) as { code?: unknown } | undefined;
          if (typeof body?.code === 'string') errorAnswers.push({ method, path, code: body.code });
        }
        return response;
      });
    },
    async close() {
      try {
        const undocumented = await undocumentedErrorAnswers(app, errorAnswers);
        if (undocumented.length > 0)
          throw new Error(
            `error codes answered that the OpenAPI document does not list: ${undocumented.join(', ')}`,
          );
      } finally {
        await app.close();
        if (!shared) await database.drop();
      }
    },
  };
}
