import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('HTTP basics under API_PREFIX with CORS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ API_PREFIX: '/api', CORS_ALLOWED_ORIGINS: 'https://app.example.com' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('mounts every route under the prefix', async () => {
    expect((await server.request('/api/health')).status).toBe(200);
    expect((await server.request('/api/health/ready')).status).toBe(200);
    const outside = await server.request('/health');
    expect(outside.status).toBe(404);
  });

  it('answers unknown routes with the JSON error shape and the request id', async () => {
    const response = await server.request('/api/no-such-route', { headers: { 'x-request-id': 'trace-42' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
      message: expect.any(String),
      requestId: 'trace-42',
    });
  });

  it('allows listed origins and no others', async () => {
    const allowed = await server.request('/api/health', { headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const preflight = await server.request('/api/health', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    const other = await server.request('/api/health', { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sets the API security headers on data responses, unknown routes included', async () => {
    for (const path of ['/api/health', '/api/no-such-route', '/api/docsearch']) {
      const response = await server.request(path);
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('strict-transport-security')).toContain('max-age=31536000');
      expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cache-control')).toBe('no-store');
      // Document-only headers stay off data responses.
      expect(response.headers.get('x-dns-prefetch-control')).toBeNull();
    }
    // A route whose answer may be cached replaces the default.
    const jwks = await server.request('/api/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
  });

  it("sets helmet's document headers on the documentation pages", async () => {
    for (const path of ['/api/docs', '/api/docs?x=1', '/api/docs/assets/init.js']) {
      const response = await server.request(path);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves an OpenAPI 3.1 document and the Swagger UI page', async () => {
    const doc = (await (await server.request('/api/docs/json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/health/ready']?.get?.responses['503']).toBeDefined();
    const ui = await server.request('/api/docs');
    expect(ui.headers.get('content-type')).toContain('text/html');
    expect(await ui.text()).toContain('/api/docs/json');
    const script = await server.request('/api/docs/assets/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
  });
});

describe('docs can be switched off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DOCS_ENABLED: 'false' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 404 NOT_FOUND for the document', async () => {
    const response = await server.request('/docs/json');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('NOT_FOUND');
  });
});
