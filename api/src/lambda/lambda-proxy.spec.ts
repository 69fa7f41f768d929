import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeResponse,
  EVENT_KINDS,
  type EventRequest,
  eventFor,
} from '../../test/support/lambda-events.js';
import { createLambdaProxy, type LambdaHttpEvent, type LambdaHttpHandler } from './lambda-proxy.js';

const context = { awsRequestId: 'test', callbackWaitsForEmptyEventLoop: true } as Context;
const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x0a]);

/** A bare Fastify app with echo routes, so each translation is observable from inside the app. */
async function echoApp(): Promise<FastifyInstance> {
  const app = Fastify();
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  const echo = async (request: {
    url: string;
    query: unknown;
    ip: string;
    headers: Record<string, unknown>;
  }) => ({
    url: request.url,
    query: request.query,
    ip: request.ip,
    cookie: request.headers.cookie ?? null,
    multi: request.headers['x-multi'] ?? null,
    userAgent: request.headers['user-agent'] ?? null,
    requestIdHeader: request.headers['x-request-id'] ?? null,
  });
  app.get('/', echo);
  app.get('/echo', echo);
  app.get('/api/echo', echo);
  app.post('/bytes', async (request) => ({ hex: (request.body as Buffer).toString('hex') }));
  app.get('/png', async (_request, reply) => reply.type('image/png').send(PNG_BYTES));
  app.get('/cookies', async (_request, reply) => {
    reply.header('set-cookie', ['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure']);
    return { ok: true };
  });
  await app.ready();
  return app;
}

/** The echo app and a proxy in front of it for the enclosing describe, closed after it. */
function withEchoProxy(use: (handler: LambdaHttpHandler, app: FastifyInstance) => void): void {
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    app = await echoApp();
    use(await createLambdaProxy(app), app);
  });
  afterAll(async () => {
    await app?.close();
  });
}

describe.each(EVENT_KINDS)('createLambdaProxy with %s events', (kind) => {
  let handler: LambdaHttpHandler;
  const invoke = async (request: EventRequest) => {
    const event = eventFor(kind, request);
    return decodeResponse(await handler(event, context), event);
  };

  withEchoProxy((proxy) => {
    handler = proxy;
  });

  it('routes the path and keeps repeated query keys as lists', async () => {
    const response = await invoke({ path: '/echo?tag=a&tag=b&one=x%20y' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ query: { tag: ['a', 'b'], one: 'x y' } });
  });

  it("gives the app the client's address", async () => {
    expect((await invoke({ path: '/echo' })).json()).toMatchObject({ ip: '203.0.113.7' });
    // A client's own X-Forwarded-For is not believed (no trusted proxies configured).
    const spoofed = await invoke({ path: '/echo', headers: { 'x-forwarded-for': '198.51.100.9' } });
    expect(spoofed.json()).toMatchObject({ ip: '203.0.113.7' });
  });

  it('answers a method Node does not know as the HTTP server does: 400 BAD_REQUEST in the error shape', async () => {
    // light-my-request throws on it, which failed the invocation (found in review).
    const response = await invoke({
      method: 'FOO',
      path: '/echo',
      headers: { 'x-request-id': 'trace-foo' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      code: 'BAD_REQUEST',
      message: expect.any(String),
      requestId: 'trace-foo',
    });
    expect(response.headers['x-request-id']).toBe('trace-foo');
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  // Found in review (2026-12-07): light-my-request parses the URL as a browser would, `\` as `/`:
  // `/\x/echo` lost its first segment as a host and reached /echo, and `/\` threw (a failed
  // invocation, a 502 without the error shape). The HTTP server answers each 404.
  it.each(['/\\', '/\\[/echo', '/\\x/echo', '//x/echo'])(
    'answers %s as the HTTP server does: 404',
    async (path) => {
      const response = await invoke({ path });
      expect(response.statusCode).toBe(404);
    },
  );

  it('answers a request line no URL can be made of as the HTTP server does: 400 in the error shape', async () => {
    // Not from API Gateway or ALB, whose paths start with `/`; a direct invoke can send anything.
    const response = await invoke({ path: 'http://[' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
  });

  // Found in review (2026-12-07): light-my-request names a request without one `lightMyRequest`,
  // so every such client was one "device" in sessions, activity and new-device mail.
  it('passes no User-Agent when the client sent none, and the one it sent otherwise', async () => {
    expect((await invoke({ path: '/echo', without: ['user-agent'] })).json()).toMatchObject({
      userAgent: null,
    });
    expect((await invoke({ path: '/echo' })).json()).toMatchObject({ userAgent: 'vitest' });
  });

  it('answers 404 for a route that does not exist', async () => {
    expect((await invoke({ path: '/nope' })).statusCode).toBe(404);
  });

  it('passes request cookies to the app', async () => {
    const response = await invoke({ path: '/echo', cookies: ['session=abc', 'theme=dark'] });
    expect(response.json<{ cookie: string }>().cookie.replace(/;\s*/g, ';')).toBe('session=abc;theme=dark');
  });

  it('returns every Set-Cookie the app sets', async () => {
    const response = await invoke({ path: '/cookies' });
    expect(response.setCookies).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure']);
  });

  it('decodes a base64 request body byte for byte', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    const response = await invoke({
      method: 'POST',
      path: '/bytes',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
      base64: true,
    });
    expect(response.json()).toEqual({ hex: '000102feff' });
  });

  it('base64-encodes binary responses but not JSON', async () => {
    const png = await invoke({ path: '/png' });
    expect(png.isBase64Encoded).toBe(true);
    expect(png.body.equals(PNG_BYTES)).toBe(true);
    const json = await invoke({ path: '/echo' });
    expect(json.isBase64Encoded).toBe(false);
  });
});

describe('REST header names, which keep the case the client wrote', () => {
  let handler: LambdaHttpHandler;
  withEchoProxy((proxy) => {
    handler = proxy;
  });

  it("keeps the caller's X-Request-Id, not API Gateway's request id (found in review)", async () => {
    const event = eventFor('rest', { path: '/echo', headers: { 'X-Request-Id': 'trace-abc' } });
    const response = decodeResponse(await handler(event, context));
    expect(response.json()).toMatchObject({ requestIdHeader: 'trace-abc' });
  });

  // Found in review (2026-12-07): the library falls back to API Gateway's id only when the header is
  // absent, so an unusable one became a random UUID that matched no line of API Gateway's log.
  it.each(['rest', 'http'] as const)(
    "hands the app API Gateway's request id when the caller's X-Request-Id is unusable (%s)",
    async (kind) => {
      for (const unusable of ['has space', 'x'.repeat(129), 'quote"d']) {
        const event = eventFor(kind, { path: '/echo', headers: { 'x-request-id': unusable } });
        const gatewayId = (event as APIGatewayProxyEvent).requestContext.requestId;
        expect(gatewayId).toMatch(/\S/);
        const response = decodeResponse(await handler(event, context));
        expect(response.json(), unusable).toMatchObject({ requestIdHeader: gatewayId });
      }
    },
  );

  it('hands every header to the app under its lower-case name, values of one name kept together', async () => {
    const event = eventFor('rest', { path: '/echo' }) as APIGatewayProxyEvent;
    const response = decodeResponse(
      await handler(
        { ...event, multiValueHeaders: { ...event.multiValueHeaders, 'X-Multi': ['a'], 'x-multi': ['b'] } },
        context,
      ),
    );
    expect(response.json()).toMatchObject({ multi: 'a, b' });
  });
});

describe('boot', () => {
  it('finishes the instance boot before it returns the handler', async () => {
    const app = Fastify();
    app.get('/echo', async () => ({ ok: true }));
    const handler = await createLambdaProxy(app);
    // A booted instance refuses new routes; one still booting would take this one.
    expect(() => app.get('/late', async () => ({ late: true }))).toThrow();
    expect(decodeResponse(await handler(eventFor('http', { path: '/echo' }), context)).statusCode).toBe(200);
    await app.close();
  });

  it('rejects when a plugin fails to load, so Init fails instead of every request', async () => {
    const app = Fastify();
    app.register(async () => {
      throw new Error('plugin failed to load');
    });
    await expect(createLambdaProxy(app)).rejects.toThrow('plugin failed to load');
    await app.close().catch(() => undefined);
  });
});

// Found in review: a direct invoke with anything else failed with an opaque TypeError
// (`Cannot read properties of undefined (reading 'method')`).
describe('events that are not HTTP requests', () => {
  let handler: LambdaHttpHandler;
  withEchoProxy((proxy) => {
    handler = proxy;
  });

  it('refuses each with an error that says so', async () => {
    const http = eventFor('http', { path: '/echo' }) as APIGatewayProxyEventV2;
    const { http: _http, ...contextWithoutHttp } = http.requestContext;
    const rest = eventFor('rest', { path: '/echo' }) as APIGatewayProxyEvent;
    const alb = eventFor('alb', { path: '/echo' }) as ALBEvent;
    for (const event of [
      {},
      null,
      'GET /echo',
      { version: '2.0' },
      { ...http, requestContext: contextWithoutHttp },
      { ...http, rawPath: undefined },
      { ...rest, requestContext: undefined },
      { ...rest, httpMethod: undefined },
      { ...alb, path: 42 },
      { source: 'aws.events', 'detail-type': 'Scheduled Event' },
    ]) {
      await expect(handler(event as unknown as LambdaHttpEvent, context)).rejects.toThrow(
        /^Unsupported event: /,
      );
    }
  });

  it('still answers the three kinds it supports', async () => {
    for (const kind of EVENT_KINDS) {
      expect(decodeResponse(await handler(eventFor(kind, { path: '/echo' }), context)).statusCode).toBe(200);
    }
  });
});

describe('stage prefixes', () => {
  let handler: LambdaHttpHandler;
  withEchoProxy((proxy) => {
    handler = proxy;
  });
  const urlOf = async (event: ReturnType<typeof eventFor>) => {
    const response = decodeResponse(await handler(event, context));
    return response.statusCode === 200
      ? response.json<{ url: string }>().url
      : `status ${response.statusCode}`;
  };

  it('strips a named HTTP API stage from rawPath and keeps $default paths as they are', async () => {
    expect(await urlOf(eventFor('http', { path: '/echo?x=1', stage: 'prod' }))).toBe('/echo?x=1');
    expect(await urlOf(eventFor('http', { path: '/echo', stage: '$default' }))).toBe('/echo');
  });

  it('strips a named HTTP API stage on a custom domain too, where the mapping key is gone and the stage stays', async () => {
    // CodeGenieApp/serverless-express#465: https://api.example.com/{mapping}/echo arrives as /{stage}/echo.
    const event = eventFor('http', { path: '/api/echo', stage: 'api' }) as APIGatewayProxyEventV2;
    const onCustomDomain = {
      ...event,
      requestContext: { ...event.requestContext, domainName: 'api.example.com', domainPrefix: 'api' },
    };
    expect(onCustomDomain.rawPath).toBe('/api/api/echo');
    expect(await urlOf(onCustomDomain)).toBe('/api/echo');
  });

  // Found by mutation testing (2026-12-07): only /{stage}/… paths were ever sent.
  it('routes an HTTP API request for the bare named stage (/prod) to /', async () => {
    const event = eventFor('http', { path: '/', stage: 'prod' }) as APIGatewayProxyEventV2;
    const bare = {
      ...event,
      rawPath: '/prod',
      requestContext: { ...event.requestContext, http: { ...event.requestContext.http, path: '/prod' } },
    };
    expect(await urlOf(bare)).toBe('/');
  });

  it('keeps an HTTP API path whose first segment only starts with the stage name', async () => {
    const event = eventFor('http', { path: '/echo', stage: 'e' }) as APIGatewayProxyEventV2;
    expect(await urlOf({ ...event, rawPath: '/echo' })).toBe('/echo');
  });

  it('routes a REST request for /{stage}/echo to /echo', async () => {
    expect(await urlOf(eventFor('rest', { path: '/echo', stage: 'prod' }))).toBe('/echo');
  });

  it('keeps a REST path whose first segment only looks like the stage', async () => {
    // execute-api domain: the stage is in requestContext.path only.
    expect(await urlOf(eventFor('rest', { path: '/api/echo', stage: 'api' }))).toBe('/api/echo');
    // Custom domain: its mapping picked the stage, and the client's path is the path.
    const customDomain = eventFor('rest', { path: '/api/echo', stage: 'api' }) as APIGatewayProxyEvent;
    const onCustomDomain = {
      ...customDomain,
      requestContext: { ...customDomain.requestContext, path: '/api/echo' },
    };
    expect(await urlOf(onCustomDomain)).toBe('/api/echo');
  });
});

// Found in review: HTTP API hands over rawPath percent-decoded (fastify/aws-lambda-fastify#169), and
// appending `?rawQueryString` to it let a decoded `?` or `#` change what was path and what query.
describe('HTTP API paths, which arrive decoded', () => {
  let app: FastifyInstance;
  let handler: LambdaHttpHandler;
  beforeAll(async () => {
    app = Fastify();
    app.get('/items', async () => ({ list: [] }));
    app.get('/items/:id', async (request) => ({ params: request.params, query: request.query }));
    handler = await createLambdaProxy(app);
  });
  afterAll(async () => {
    await app.close();
  });

  /** The HTTP API event for a client's `encodedUrl`, with rawPath decoded as API Gateway delivers it. */
  const decodedEvent = (encodedUrl: string): APIGatewayProxyEventV2 => {
    const [encodedPath = '', rawQueryString = ''] = encodedUrl.split('?', 2);
    const event = eventFor('http', { path: encodedPath }) as APIGatewayProxyEventV2;
    return { ...event, rawPath: decodeURIComponent(encodedPath), rawQueryString };
  };

  it.each([
    ['/items/a%3Fb', 'a decoded ? that would start a query'],
    ['/items/a%3Fb?mode=cookie', 'a decoded ? before the real query'],
    ['/items/a%23b?mode=cookie', 'a decoded # that would swallow the query as a fragment'],
    ['/items/100%25?x=1', 'a decoded % not followed by two hex digits'],
    ['/items/caf%C3%A9%20au%20lait', 'a space and non-ASCII'],
    ['/items/tab%09', 'a control character'],
  ])('routes %s as the HTTP server does (%s)', async (encodedUrl) => {
    const response = decodeResponse(await handler(decodedEvent(encodedUrl), context));
    const server = await app.inject({ url: encodedUrl });
    expect([response.statusCode, response.json()]).toEqual([server.statusCode, server.json()]);
  });

  it('answers 404 for a path whose decoded ? made it look like a route with a query', async () => {
    const response = decodeResponse(await handler(decodedEvent('/items%3Fx'), context));
    expect(response.statusCode).toBe(404);
    expect((await app.inject({ url: '/items%3Fx' })).statusCode).toBe(404);
  });

  it('leaves an encoded path as it is, stage stripped', async () => {
    const event = eventFor('http', { path: '/items/a%2Fb?x=1', stage: 'prod' });
    expect(decodeResponse(await handler(event, context)).json()).toEqual({
      params: { id: 'a/b' },
      query: { x: '1' },
    });
  });
});

describe('ALB specifics', () => {
  let app: FastifyInstance;
  let handler: LambdaHttpHandler;
  withEchoProxy((proxy, echo) => {
    app = echo;
    handler = proxy;
  });

  it('adds the status line ALB requires', async () => {
    expect((await handler(eventFor('alb', { path: '/echo' }), context)).statusDescription).toBe('200 OK');
    expect((await handler(eventFor('alb', { path: '/nope' }), context)).statusDescription).toBe(
      '404 Not Found',
    );
  });

  it('answers in multiValueHeaders only when the target group sends them', async () => {
    const multi = await handler(eventFor('alb', { path: '/echo', albMultiValue: true }), context);
    expect(multi.multiValueHeaders?.['content-type']).toEqual([expect.stringContaining('application/json')]);
    const single = await handler(eventFor('alb', { path: '/echo', albMultiValue: false }), context);
    expect(single.multiValueHeaders).toBeUndefined();
    expect(single.headers['content-type']).toContain('application/json');
  });

  /** An ALB event whose query parameters are exactly `query`, as the load balancer passes them (not decoded). */
  const withRawQuery = (multiValue: boolean, query: Record<string, string>): ALBEvent => {
    const event = eventFor('alb', { path: '/echo', albMultiValue: multiValue }) as ALBEvent;
    if (!multiValue) return { ...event, queryStringParameters: query };
    const lists = Object.fromEntries(Object.entries(query).map(([key, value]) => [key, [value]]));
    return { ...event, multiValueQueryStringParameters: lists };
  };

  it.each([true, false])(
    'decodes the query string as the HTTP server does, a stray percent sign and + included (multi-value %s)',
    async (multiValue) => {
      const response = decodeResponse(
        await handler(
          withRawQuery(multiValue, { q: 'hello+world', pct: '100%', 'k%20ey': 'caf%C3%A9' }),
          context,
        ),
      );
      expect(response.statusCode).toBe(200);
      const server = await app.inject({ url: '/echo?q=hello+world&pct=100%&k%20ey=caf%C3%A9' });
      expect(response.json<{ query: unknown }>().query).toEqual(server.json<{ query: unknown }>().query);
      expect(response.json()).toMatchObject({ query: { q: 'hello world', 'k ey': 'café' } });
    },
  );

  // Found by mutation testing (2026-12-07): with multi-value headers the client's own lines come
  // first; reading the first one instead of ALB's last let a client choose its address.
  it('takes the address ALB appended to the last X-Forwarded-For line in multi-value mode', async () => {
    const event = eventFor('alb', { path: '/echo', albMultiValue: true }) as ALBEvent;
    const twoLines = {
      ...event,
      multiValueHeaders: {
        ...event.multiValueHeaders,
        'x-forwarded-for': ['198.51.100.66', '198.51.100.9, 192.0.2.44'],
      },
    };
    expect(decodeResponse(await handler(twoLines, context)).json()).toMatchObject({ ip: '192.0.2.44' });
  });

  it('takes the client address the load balancer appended to X-Forwarded-For', async () => {
    const event = eventFor('alb', { path: '/echo', albMultiValue: false }) as ALBEvent;
    const viaProxy = {
      ...event,
      headers: { ...event.headers, 'x-forwarded-for': '198.51.100.9, 192.0.2.44' },
    };
    expect(decodeResponse(await handler(viaProxy, context)).json()).toMatchObject({ ip: '192.0.2.44' });
  });

  it('sends one Set-Cookie in single-value mode, where ALB reads only headers, and warns once', async () => {
    const lines: string[] = [];
    const logged = Fastify({
      logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } },
    });
    logged.get('/cookies', async (_request, reply) => {
      reply.header('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      return { ok: true };
    });
    const cookieHandler = await createLambdaProxy(logged);
    for (let round = 0; round < 2; round++) {
      const response = await cookieHandler(
        eventFor('alb', { path: '/cookies', albMultiValue: false }),
        context,
      );
      expect(response.headers['set-cookie']).toBe('a=1; Path=/');
      expect(response.multiValueHeaders).toBeUndefined();
    }
    expect(lines.filter((line) => line.includes('multi_value_headers'))).toHaveLength(1);
    await logged.close();
  });

  it('passes multi-value request headers to the app', async () => {
    const event = eventFor('alb', { path: '/echo', albMultiValue: true }) as ALBEvent;
    const withMulti = { ...event, multiValueHeaders: { ...event.multiValueHeaders, 'x-multi': ['a', 'b'] } };
    const response = decodeResponse(await handler(withMulti, context));
    expect(response.json<{ multi: unknown }>().multi).toEqual(expect.stringMatching(/^a,\s?b$/));
  });
});

describe.each(EVENT_KINDS)('HEAD with %s events, on an app without HEAD routes', (kind) => {
  let app: FastifyInstance;
  let handler: LambdaHttpHandler;
  const invoke = async (request: EventRequest) => {
    const event = eventFor(kind, request);
    return decodeResponse(await handler(event, context), event);
  };

  beforeAll(async () => {
    app = Fastify({ exposeHeadRoutes: false });
    app.get('/echo', async (request) => ({ method: request.method, url: request.url }));
    app.get('/png', async (_request, reply) => reply.type('image/png').send(PNG_BYTES));
    handler = await createLambdaProxy(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('has no HEAD route of its own (what the proxy makes up for)', async () => {
    expect((await app.inject({ method: 'HEAD', url: '/echo' })).statusCode).toBe(404);
  });

  it("answers HEAD with the GET's status and headers and no body", async () => {
    const get = await invoke({ path: '/echo?x=1' });
    const head = await invoke({ method: 'HEAD', path: '/echo?x=1' });
    expect(head.statusCode).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(String(get.body.length));
  });

  it('sends no base64 body for a binary resource', async () => {
    const head = await invoke({ method: 'HEAD', path: '/png' });
    expect(head).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(PNG_BYTES.length));
  });

  it('answers 404 without a body where no GET route exists', async () => {
    const head = await invoke({ method: 'HEAD', path: '/nope' });
    expect(head.statusCode).toBe(404);
    expect(head.body.length).toBe(0);
  });

  it('leaves other methods alone', async () => {
    expect((await invoke({ method: 'POST', path: '/echo' })).statusCode).toBe(404);
    expect((await invoke({ path: '/echo' })).json()).toMatchObject({ method: 'GET' });
  });
});
