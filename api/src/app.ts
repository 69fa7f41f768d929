import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { AppError } from './common/errors/app-error.js';
import { answerClientError, answerFrameworkError } from './common/http/framework-errors.js';
import { requestIdFor } from './common/http/request-id.js';
import { ZOD_ONLY_SCHEMA_CONTROLLER } from './common/http/schema-compilers.js';
import { API_SECURITY_HEADERS, documentSecurityHeaders } from './common/http/security-headers.js';
import { lazyRequestLogger } from './common/logging/lazy-request-logger.js';
import { createLogger, PinoNestLogger } from './common/logging/logger.js';
import { RequestLog } from './common/logging/request-log.js';
import type { AppConfig } from './config/app-config.js';
import type { DatabaseConnectionOptions } from './database/database.factory.js';

/** What every entrypoint (server, Lambda, tests) hands to {@link createApp}. */
export interface CreateAppOptions {
  readonly config: AppConfig;
  readonly database: DatabaseConnectionOptions;
  /** @default a pino logger built from config.log */
  readonly logger?: Logger;
  /**
   * Whether Fastify registers a HEAD route beside every GET route. The Lambda handler answers HEAD
   * itself (as a GET without the body, lambda-proxy.ts) and passes false: the twins cost ~2% of a
   * cold start's instructions.
   * @default true
   */
  readonly headRoutes?: boolean;
}

/**
 * Builds the fully configured application (not listening). Every entrypoint uses this, so the
 * server, the Lambda handler and the tests run the same pipeline.
 */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const corsHeaders = corsHeadersFor(config.http.corsOrigins);
  const logger = options.logger ?? createLogger(config.log);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    genReqId: requestIdFor,
    logController: new RequestLog(logger),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: config.http.bodyLimitBytes,
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: 72_000,
    // Node checks request and header deadlines on this interval (default 30 s): without it a
    // client trickling its headers kept its connection up to 30 s past REQUEST_TIMEOUT_MS.
    // Node's own Host check answered a bare 400 (no JSON, no request id): the onRequest hook does it.
    http: {
      connectionsCheckingInterval: Math.min(1000, config.http.requestTimeoutMs),
      requireHostHeader: false,
    },
    trustProxy: config.http.trustedProxies.length > 0 ? [...config.http.trustedProxies] : false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Fastify's 503 during shutdown has its own body (no code, no request id, no security headers):
    // the onRequest hook answers instead.
    return503OnClosing: false,
    schemaController: ZOD_ONLY_SCHEMA_CONTROLLER,
    // What the router and Node's HTTP parser refuse before any hook or filter runs gets the same
    // error shape as everything else.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      reply.headers(corsHeaders(request.headers.origin));
      answerFrameworkError(error, request, reply);
    },
    clientErrorHandler: answerClientError,
    // No Nest middleware anywhere (guards, pipes and Fastify hooks do that work), so no
    // @fastify/middie: registering it cost ~3 ms of every Lambda cold start and left a hook on
    // every request. A middleware added later stops the boot ("this.instance.use is not a
    // function"): then drop this option.
    skipMiddie: true,
    exposeHeadRoutes: options.headRoutes ?? true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register({ ...options, logger }),
    adapter,
    {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
      // The API reads JSON only (its OpenAPI document says so). Nest's default parsers added
      // application/x-www-form-urlencoded, and Fastify parses text/plain into a string: both kinds
      // of body reached validation (400 instead of 415), and both are what a cross-site HTML form
      // or a no-preflight fetch can send. Fastify's own JSON parser is the one Nest wrapped.
      bodyParser: false,
    },
  );
  if (config.http.prefix) app.setGlobalPrefix(config.http.prefix);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  // An `Expect` other than 100-continue is answered as if absent (RFC 9110 §10.1.1 lets a server
  // ignore it): Node answered it a bare 417, no JSON, request id or security headers (found in
  // review, 2026-12-07).
  fastify.server.on('checkExpectation', (request, response) =>
    fastify.server.emit('request', request, response),
  );
  // The documentation pages are HTML and get helmet's document headers; everything else is data.
  // Decided on the raw URL: `request.routeOptions` builds a fresh object on every access.
  const docsPath = `${config.http.prefix}/docs`;
  let documentHeaders: Readonly<Record<string, string>> | undefined;
  const securityHeadersFor = (url: string) => {
    const next = url.charAt(docsPath.length);
    if (!url.startsWith(docsPath) || (next !== '' && next !== '/' && next !== '?'))
      return API_SECURITY_HEADERS;
    documentHeaders ??= documentSecurityHeaders();
    return documentHeaders;
  };
  const corsEnabled = config.http.corsOrigins.length > 0;
  // Set when Fastify starts closing (it then also marks every response Connection: close). Requests
  // still arriving on open connections, pipelined or kept alive, are refused with a 503, as
  // Fastify's return503OnClosing did, but in the API's error shape.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // Callback-style hook: an async hook costs a promise per request on every route.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeadersFor(request.url));
    reply.header('x-request-id', request.id);
    if (closing) {
      reply.headers(corsHeaders(request.headers.origin));
      done(new AppError('SERVICE_UNAVAILABLE'));
      return;
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400 (HTTP/1.0 has no such rule).
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      reply.header('connection', 'close');
      reply.headers(corsHeaders(request.headers.origin));
      done(new AppError('BAD_REQUEST'));
      return;
    }
    // @fastify/cors routes every OPTIONS to itself and answered one that is no preflight with a
    // plain-text `400 Invalid Preflight Request`. The API has no OPTIONS routes, so such a request
    // gets what it gets without CORS: the JSON 404 of an unknown route. This hook runs before the
    // plugin's (registered first), so the plugin sees only real preflights.
    if (corsEnabled && request.method === 'OPTIONS' && !isPreflight(request.headers)) {
      reply.callNotFound();
      return;
    }
    if (hasBody(request.headers)) armBodyDeadline(request.raw, reply.raw, config.http.requestTimeoutMs);
    done();
  });
  if (corsEnabled) {
    const origins = config.http.corsOrigins;
    // Imported only when configured: most deployments serve the browser app from the same origin.
    const { default: cors } = await import('@fastify/cors');
    await app.register(cors, {
      origin: origins.includes('*') ? true : [...origins],
      credentials: !origins.includes('*'),
      // Every method a route uses (the plugin's default is GET, HEAD and POST, which made browsers
      // refuse cross-origin PATCH, PUT and DELETE).
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    });
  }
  await app.init();
  return app;
}

/**
 * Node's request timeout stops applying once the headers are in, so a client trickling its body a
 * byte at a time held its connection for as long as it liked. A request that announces a body gets
 * the same deadline for it, cleared once the body has arrived or the response is over. Listeners on
 * the request rather than Fastify hooks, which would run on every request, with a body or not.
 */
function armBodyDeadline(request: IncomingMessage, response: ServerResponse, timeoutMs: number): void {
  const deadline = setTimeout(() => request.destroy(), timeoutMs).unref();
  const clear = () => clearTimeout(deadline);
  request.once('end', clear);
  response.once('close', clear);
}

/**
 * The CORS headers @fastify/cors would add for `origin`, for the answers given before its hook runs:
 * the router's refusals, the 503 while shutting down and the missing-Host 400 had none, so a
 * browser on an allowed origin saw a network error instead of the error (found in review,
 * 2026-12-07). None when CORS is off or the origin is not allowed.
 */
function corsHeadersFor(
  origins: readonly string[],
): (origin: string | undefined) => Readonly<Record<string, string>> {
  const none = {};
  if (origins.length === 0) return () => none;
  const exposed = { 'access-control-expose-headers': 'x-request-id, retry-after' };
  if (origins.includes('*')) return () => ({ 'access-control-allow-origin': '*', ...exposed });
  return (origin) =>
    origin !== undefined && origins.includes(origin)
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          vary: 'Origin',
          ...exposed,
        }
      : { vary: 'Origin' };
}

/** Whether an OPTIONS request is a CORS preflight (Fetch standard: it names an origin and a method). */
function isPreflight(headers: IncomingHttpHeaders): boolean {
  return headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

/** Whether a request announces a body (only those need a body deadline). */
function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}
