import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorCodes } from '../../src/common/errors/error-codes.js';
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

  // Found in review: the router and Node's parser answered these before any hook or filter, with
  // Fastify's own body (`FST_ERR_BAD_URL`, no request id).
  it('answers URLs the router refuses with the JSON error shape, the request id and the security headers', async () => {
    for (const [path, status, code] of [
      ['/api/users/%zz', 400, 'BAD_REQUEST'],
      [`/api/files/${'a'.repeat(201)}`, 414, 'URI_TOO_LONG'],
    ] as const) {
      const response = await server.request(path, {
        headers: { 'x-request-id': 'trace-43', origin: 'https://app.example.com' },
      });
      expect(response.status).toBe(status);
      expect(response.headers.get('x-request-id')).toBe('trace-43');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      // Readable by a browser on an allowed origin, as every other error is (review, 2026-12-07).
      expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(await response.json()).toEqual({
        statusCode: status,
        code,
        message: expect.any(String),
        requestId: 'trace-43',
      });
    }
  });

  it("answers requests Node's HTTP parser refuses with the JSON error shape, then closes", async () => {
    const cases = [
      [
        `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
        431,
        'HEADERS_TOO_LARGE',
      ],
      [
        'GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
        400,
        'BAD_REQUEST',
      ],
      ['NOT A REQUEST\r\n\r\n', 400, 'BAD_REQUEST'],
    ] as const;
    for (const [raw, status, code] of cases) {
      const answer = await rawExchange(server.baseUrl, raw);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head.split('\r\n')[0]).toBe(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}`,
      );
      expect(head.toLowerCase()).toContain('content-type: application/json');
      expect(head.toLowerCase()).toContain('x-content-type-options: nosniff');
      const parsed = JSON.parse(body) as { requestId: string };
      expect(parsed).toEqual({
        statusCode: status,
        code,
        message: errorCodes[code].message,
        requestId: expect.any(String),
      });
      expect(head).toContain(`x-request-id: ${parsed.requestId}`);
    }
  });

  // Found in review: Node refused these itself (requireHostHeader), with a bare 400.
  it('answers an HTTP/1.1 request without Host with the JSON error shape (HTTP/1.0 needs none)', async () => {
    const answer = await rawExchange(
      server.baseUrl,
      'GET /api/health HTTP/1.1\r\nX-Request-Id: trace-46\r\n\r\n',
    );
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    // …and closes the connection, as Node did (rawExchange reads until it closes).
    expect(head.toLowerCase()).toContain('connection: close');
    expect(head.toLowerCase()).toContain('x-content-type-options: nosniff');
    expect(head.toLowerCase()).toContain('x-request-id: trace-46');
    expect(JSON.parse(body)).toEqual({
      statusCode: 400,
      code: 'BAD_REQUEST',
      message: errorCodes.BAD_REQUEST.message,
      requestId: 'trace-46',
    });
    const http10 = await rawExchange(server.baseUrl, 'GET /api/health HTTP/1.0\r\n\r\n');
    expect(http10.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });

  // Found in review (2026-12-07): Node answered a bare 417, without the error shape or the headers.
  it('ignores an Expect other than 100-continue', async () => {
    const expecting = await rawExchange(
      server.baseUrl,
      'GET /api/health HTTP/1.1\r\nHost: localhost\r\nExpect: foo\r\nConnection: close\r\n\r\n',
    );
    expect(expecting.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(expecting.toLowerCase()).toContain('x-content-type-options: nosniff');
    expect(expecting.toLowerCase()).toContain('x-request-id: ');
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

  // Found in review: @fastify/cors allows GET, HEAD and POST unless told otherwise, so browsers
  // refused cross-origin PATCH /users/me, DELETE /auth/sessions/:id and PUT /files/local.
  it('allows in a preflight every method the API has', async () => {
    for (const [method, path] of [
      ['PATCH', '/api/users/me'],
      ['DELETE', '/api/auth/sessions/00000000-0000-4000-8000-000000000000'],
      ['PUT', '/api/files/local'],
    ] as const) {
      const preflight = await server.request(path, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      const allowed = (preflight.headers.get('access-control-allow-methods') ?? '').split(/,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']));
    }
  });

  // Found in review: an OPTIONS that is no preflight got @fastify/cors's plain-text
  // `400 Invalid Preflight Request`; it is routed like any request the API has no route for.
  it('answers an OPTIONS that is not a preflight as an unknown route, with the JSON error shape', async () => {
    const notPreflights: Record<string, string>[] = [
      {},
      { origin: 'https://app.example.com' },
      { 'access-control-request-method': 'PATCH' },
    ];
    for (const headers of notPreflights) {
      const response = await server.request('/api/health', {
        method: 'OPTIONS',
        headers: { ...headers, 'x-request-id': 'trace-44' },
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('x-request-id')).toBe('trace-44');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('access-control-allow-methods')).toBeNull();
      expect(await response.json()).toEqual({
        statusCode: 404,
        code: 'ROUTE_NOT_FOUND',
        message: expect.any(String),
        requestId: 'trace-44',
      });
    }
  });

  // Found in review: `OPTIONS *` reaches no hook, so its 404 carried the request id in the body only.
  it('answers OPTIONS * with the JSON error shape and the request id in the header too', async () => {
    const answer = await rawExchange(
      server.baseUrl,
      'OPTIONS * HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-45\r\nConnection: close\r\n\r\n',
    );
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    expect(head.toLowerCase()).toContain('x-content-type-options: nosniff');
    const parsed = JSON.parse(body) as { requestId: string; code: string };
    expect(parsed.code).toBe('ROUTE_NOT_FOUND');
    expect(head.toLowerCase()).toContain(`x-request-id: ${parsed.requestId}`);
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
      'x-error-codes': string[];
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/health/ready']?.get?.responses['503']).toBeDefined();
    // Found in review (2026-12-07): the codes were prose only, the refresh body was "required"
    // though cookie mode sends none, and the account routes needed no key by the document.
    type Operation = {
      security: unknown[];
      requestBody?: { required: boolean };
      responses: Record<string, { 'x-error-codes'?: string[] }>;
    };
    const operation = (path: string, method: string) =>
      (doc.paths[path] as Record<string, Operation> | undefined)?.[method];
    // The handler's own codes, then the body parser's and the validation pipe's (a public route:
    // no guard codes).
    expect(operation('/api/auth/password/reset', 'post')?.responses.default?.['x-error-codes']).toEqual([
      'INVALID_OR_EXPIRED_TOKEN',
      'PASSWORD_TOO_COMMON',
      'RATE_LIMITED',
      'INVALID_JSON',
      'UNSUPPORTED_MEDIA_TYPE',
      'PAYLOAD_TOO_LARGE',
      'VALIDATION_FAILED',
    ]);
    // A signed-in route lists the guard's codes; a GET reads no body.
    expect(operation('/api/auth/me', 'get')?.responses.default?.['x-error-codes']).toEqual([
      'UNAUTHENTICATED',
      'INVALID_TOKEN',
      'TOKEN_EXPIRED',
      'SESSION_REVOKED',
      'BEARER_REQUIRED',
    ]);
    expect(operation('/api/admin/users', 'get')?.responses.default?.['x-error-codes']).toContain('FORBIDDEN');
    expect(operation('/api/files/uploads', 'post')?.responses.default?.['x-error-codes']).toEqual(
      expect.arrayContaining(['INVALID_API_KEY', 'INSUFFICIENT_SCOPE']),
    );
    expect(doc['x-error-codes']).toEqual(expect.arrayContaining(['ROUTE_NOT_FOUND', 'DATABASE_UNAVAILABLE']));
    expect(operation('/api/auth/refresh', 'post')?.requestBody?.required).toBe(false);
    expect(operation('/api/auth/login', 'post')?.requestBody?.required).toBe(true);
    expect(operation('/api/auth/me', 'get')?.security).toEqual([{ bearer: [] }]);
    const ui = await server.request('/api/docs');
    expect(ui.headers.get('content-type')).toContain('text/html');
    expect(await ui.text()).toContain('/api/docs/json');
    const script = await server.request('/api/docs/assets/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
  });
});

// Found in review: Fastify's return503OnClosing answered with its own body (no code, no request id,
// no security headers).
describe('requests that arrive while the server shuts down', () => {
  it('get 503 SERVICE_UNAVAILABLE in the JSON error shape, and the connection closes', async () => {
    const server = await startTestServer();
    const httpServer = server.app.getHttpServer();
    const { port } = new URL(server.baseUrl);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    let closing: Promise<void> | undefined;
    try {
      // A request in progress keeps the connection from being reaped as idle when the server
      // closes; the 100 Continue says its headers have been read.
      socket.write(
        'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n',
      );
      await vi.waitFor(() => expect(received).toContain('100 Continue'));
      closing = server.close();
      await vi.waitFor(() => expect(httpServer.listening).toBe(false));
      // The first request's body, then a second request behind it on the same connection.
      socket.write('{}GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-47\r\n\r\n');
      await socketClosed;
    } finally {
      socket.destroy();
      await closing;
    }
    const second = received.slice(received.lastIndexOf('HTTP/1.1 '));
    const [head = '', body = ''] = second.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    expect(head.toLowerCase()).toContain('x-content-type-options: nosniff');
    expect(head.toLowerCase()).toContain('x-request-id: trace-47');
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toEqual({
      statusCode: 503,
      code: 'SERVICE_UNAVAILABLE',
      message: errorCodes.SERVICE_UNAVAILABLE.message,
      requestId: 'trace-47',
    });
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

/** Writes `raw` to the server as it is and reads until the server closes the connection. */
function rawExchange(baseUrl: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(raw));
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error('the server did not close the connection')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
