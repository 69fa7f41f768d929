import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ZOD_ONLY_SCHEMA_CONTROLLER } from './schema-compilers.js';

describe('ZOD_ONLY_SCHEMA_CONTROLLER', () => {
  it('serves routes without a Fastify schema', async () => {
    const app = Fastify({ schemaController: ZOD_ONLY_SCHEMA_CONTROLLER });
    app.post('/echo', async (request) => request.body);
    const response = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(response.json()).toEqual({ a: 1 });
    await app.close();
  });

  it('refuses a route that declares a Fastify JSON schema, naming the zod alternative', async () => {
    const app = Fastify({ schemaController: ZOD_ONLY_SCHEMA_CONTROLLER });
    app.post('/typed', { schema: { body: { type: 'object' } } }, async () => ({}));
    await expect(app.ready()).rejects.toThrow(/zod DTOs/);
    await app.close().catch(() => undefined);
  });
});
