import { METHODS, STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import awsLambdaFastify, { type LambdaResponse } from '@fastify/aws-lambda';
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { errorBodyFor } from '../common/errors/error-response.js';
import { isAcceptableRequestId, requestIdFrom } from '../common/http/request-id.js';
import { API_SECURITY_HEADERS } from '../common/http/security-headers.js';

/** The events one handler answers: API Gateway REST (payload 1.0), HTTP API (2.0) and ALB. */
export type LambdaHttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent;

/** What the handler returns; ALB additionally wants a status line and, when enabled, multi-value headers. */
export interface LambdaHttpResponse extends LambdaResponse {
  multiValueHeaders?: Record<string, string[]>;
  statusDescription?: string;
}

/** A Lambda handler for HTTP events in front of a Fastify instance. */
export type LambdaHttpHandler = (event: LambdaHttpEvent, context: Context) => Promise<LambdaHttpResponse>;

// Bodies of these types go out as UTF-8 text; anything else (images, PDFs, octet streams) as base64,
// so binary responses survive API Gateway and ALB without listing every binary type up front.
const TEXTUAL_TYPE =
  /^(text\/|application\/([\w.+-]+\+)?(json|xml|javascript|x-www-form-urlencoded)$|image\/svg\+xml$)/i;

/** True when a response body must be base64-encoded for API Gateway / ALB. */
export function isBinaryResponse(response: LightMyRequestResponse): boolean {
  const encoding = response.headers['content-encoding'];
  if (typeof encoding === 'string' && encoding !== 'identity') return true;
  const contentType =
    String(response.headers['content-type'] ?? '')
      .split(';', 1)[0]
      ?.trim() ?? '';
  return contentType !== '' && !TEXTUAL_TYPE.test(contentType);
}

/**
 * Wraps a Fastify instance (Nest's adapter instance) as one handler for all three event kinds, on
 * top of `@fastify/aws-lambda`. It adds what that library leaves out: HTTP API named stages
 * stripped from the path, which arrives decoded and is escaped again, the HTTP API's and ALB's
 * query strings routed verbatim (so `?tag=a,b` stays one value, repeated keys stay repeated, and
 * Fastify decodes them as the HTTP server does),
 * base64 for every non-text response, and for ALB the status line, multi-value response headers,
 * the client's address and a Set-Cookie the single-value mode can carry.
 *
 * It first finishes the instance's boot. Nest's `app.init()` leaves Fastify's queued work (the
 * routes' and hooks' registration, some sixty steps for CloudNest) to the first `inject()`, i.e. to the
 * first request; done here it belongs to Lambda's Init phase, so a plugin that fails to load fails
 * Init instead of every request, and a pre-initialised environment (provisioned concurrency)
 * answers its first request without it.
 */
export async function createLambdaProxy(app: FastifyInstance): Promise<LambdaHttpHandler> {
  await app.ready();
  // A fresh options object per call: the library writes its defaults into the one it is given.
  const options = () => ({
    // Fastify is already started by Nest; decorating requests now would throw.
    decorateRequest: false,
    retainStage: true,
    parseCommaSeparatedQueryParams: false,
    enforceBase64: isBinaryResponse,
  });
  const proxy = awsLambdaFastify<LambdaHttpEvent>(app, options());
  const albMultiValueProxy = awsLambdaFastify<LambdaHttpEvent>(app, {
    ...options(),
    albMultiValueHeaders: true,
  });
  let warnedAboutCookies = false;
  const answer: LambdaHttpHandler = async (event, context) => {
    if (isAlbEvent(event)) {
      const multiValue = event.multiValueHeaders !== undefined;
      const response: LambdaHttpResponse = await (multiValue ? albMultiValueProxy : proxy)(
        albRequest(event),
        context,
      );
      if (!multiValue && keepFirstSetCookie(response) && !warnedAboutCookies) {
        warnedAboutCookies = true;
        app.log.warn(
          'A response set several cookies, and an ALB target group without multi-value headers can carry one: only the first was sent. Enable lambda.multi_value_headers.enabled on the target group.',
        );
      }
      response.statusDescription = `${response.statusCode} ${STATUS_CODES[response.statusCode] ?? ''}`.trim();
      return response;
    }
    return proxy(normalisePath(event), context);
  };
  return async (event, context) => {
    // The function is invoked by API Gateway and ALB; anything else is someone's direct invoke.
    if (!isHttpApiEvent(event) && !isAlbEvent(event) && !isRestEvent(event)) throw unsupported(event);
    const method = requestMethod(event);
    if (!KNOWN_METHODS.has(method)) return badRequestAnswer(event);
    try {
      if (method !== 'HEAD') return await answer(event, context);
      return withoutBody(await answer(asGetRequest(event), context));
    } catch (error) {
      // A request line light-my-request cannot make a URL of, which the HTTP server refuses with
      // 400 (answerClientError): failing the invocation would be a 502 without the error shape.
      if ((error as { code?: unknown }).code === 'ERR_INVALID_URL') return badRequestAnswer(event);
      throw error;
    }
  };
}

/**
 * HEAD is answered here, as the GET of the same URL without its body (RFC 9110 §9.3.2: the same
 * status and headers, Content-Length included), because the Lambda function's app registers no
 * HEAD route beside each GET route (`createApp({ headRoutes: false })`): Fastify's sixteen twins
 * were ~2% of a cold start's instructions. The app sees, and logs, a GET.
 */
function requestMethod(event: LambdaHttpEvent): string {
  return isHttpApiEvent(event) ? event.requestContext.http.method : event.httpMethod;
}

/** What Node's HTTP parser accepts; light-my-request throws on anything else. */
const KNOWN_METHODS = new Set(METHODS);

/**
 * A method Node does not know (`FOO`; ALB forwards any token), or a URL it cannot parse: the HTTP
 * server's parser refuses it with 400 BAD_REQUEST in the API's error shape (`answerClientError`),
 * while light-my-request throws, which failed the invocation (a 502 without the shape, counted as
 * a function error; found in review). Answered here the way the server answers, headers included.
 */
function badRequestAnswer(event: LambdaHttpEvent): LambdaHttpResponse {
  // The caller's id, else API Gateway's (the library's order), else a new one.
  const gatewayId = 'requestId' in event.requestContext ? event.requestContext.requestId : undefined;
  const requestId = requestIdFrom(headerOf(event, 'x-request-id'), gatewayId);
  const body = errorBodyFor('BAD_REQUEST', requestId);
  const headers: Record<string, string> = {
    ...API_SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': requestId,
  };
  const response: LambdaHttpResponse = {
    statusCode: body.statusCode,
    body: JSON.stringify(body),
    isBase64Encoded: false,
    headers,
  };
  if (!isAlbEvent(event)) return response;
  response.statusDescription = `${body.statusCode} ${STATUS_CODES[body.statusCode] ?? ''}`.trim();
  // As the library answers that mode: both forms of the headers.
  if (event.multiValueHeaders !== undefined)
    response.multiValueHeaders = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, [value]]),
    );
  return response;
}

/** A request header of any event kind, by its lower-case name (REST keeps the client's case). */
function headerOf(event: LambdaHttpEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  const multi = 'multiValueHeaders' in event ? event.multiValueHeaders : undefined;
  for (const [key, values] of Object.entries(multi ?? {})) {
    if (key.toLowerCase() === name && values?.[0] !== undefined) return values[0];
  }
  return undefined;
}

function asGetRequest(event: LambdaHttpEvent): LambdaHttpEvent {
  if (!isHttpApiEvent(event)) return { ...event, httpMethod: 'GET' };
  const { requestContext } = event;
  return { ...event, requestContext: { ...requestContext, http: { ...requestContext.http, method: 'GET' } } };
}

function withoutBody(response: LambdaHttpResponse): LambdaHttpResponse {
  return { ...response, body: '', isBase64Encoded: false };
}

/**
 * What the library should see of an ALB event. ALB hands over the query string as the client sent
 * it (percent-encoded, `+` for a space) and no client address. Left to the library, every
 * parameter goes through `decodeURIComponent` (a stray `%` throws, which fails the invocation
 * and the client gets a 502; a `+` stays a plus), and the request comes from light-my-request's
 * 127.0.0.1, so every client of the function would share one per-IP rate limit. So the query
 * string goes to Fastify verbatim, to be parsed as the HTTP server parses it, and the client
 * address is the last one in X-Forwarded-For: the one the load balancer appended for the
 * connection it received (its default `append` mode; with `remove` there is none to take).
 */
function albRequest(event: ALBEvent): LambdaHttpEvent {
  const query = albRawQuery(event);
  const sourceIp = albClientAddress(event);
  return {
    ...event,
    path: query ? `${withEscapedBackslashes(event.path)}?${query}` : withEscapedBackslashes(event.path),
    headers: withoutMadeUpUserAgent(event.headers),
    queryStringParameters: undefined,
    multiValueQueryStringParameters: undefined,
    requestContext: sourceIp ? { ...event.requestContext, identity: { sourceIp } } : event.requestContext,
  } as ALBEvent;
}

/** The query string back as `key=value` pairs, still encoded (single-value mode keeps the last of each key). */
function albRawQuery(event: ALBEvent): string {
  const pairs: string[] = [];
  if (event.multiValueQueryStringParameters) {
    for (const [key, values] of Object.entries(event.multiValueQueryStringParameters)) {
      for (const value of values ?? []) pairs.push(`${key}=${value}`);
    }
  } else if (event.queryStringParameters) {
    for (const [key, value] of Object.entries(event.queryStringParameters))
      pairs.push(`${key}=${value ?? ''}`);
  }
  return pairs.join('&');
}

function albClientAddress(event: ALBEvent): string | undefined {
  const forwarded =
    headerIn(event.multiValueHeaders, 'x-forwarded-for')?.at(-1) ??
    headerIn(event.headers, 'x-forwarded-for');
  const last = forwarded?.split(',').at(-1)?.trim();
  return last !== undefined && isIP(last) !== 0 ? last : undefined;
}

function headerIn<T>(headers: Record<string, T | undefined> | undefined, name: string): T | undefined {
  const key = keyIn(headers, name);
  return key === undefined ? undefined : headers?.[key];
}

/** The key under which `headers` holds the (lower-case) header `name`, in whatever case it came. */
function keyIn(headers: object | undefined, name: string): string | undefined {
  return headers && Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
}

/**
 * In single-value mode ALB reads only `headers`, but the library moves several Set-Cookie values
 * to `multiValueHeaders`, so none would reach the client. Keeps the first in `headers`; true when
 * others were dropped.
 */
function keepFirstSetCookie(response: LambdaHttpResponse): boolean {
  const multiValueHeaders = response.multiValueHeaders;
  const key = keyIn(multiValueHeaders, 'set-cookie');
  if (!multiValueHeaders || key === undefined) return false;
  const cookies = multiValueHeaders[key] ?? [];
  delete multiValueHeaders[key];
  if (Object.keys(multiValueHeaders).length === 0) delete response.multiValueHeaders;
  const [first] = cookies;
  if (first !== undefined) response.headers = { ...response.headers, [key]: first };
  return cookies.length > 1;
}

/*
 * The three payloads, told apart by the fields this file and the library read, so an event of
 * another kind (`{}`, a test event, version 2.0 without `requestContext.http`) is refused with a
 * message rather than failing on the first field it lacks with a TypeError. The parameter types say
 * what a well-formed event is; the checks hold for whatever arrives.
 */
type Fields = Partial<Record<string, unknown>>;

function fieldsOf(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null ? (value as Fields) : undefined;
}

/** API Gateway HTTP API, payload 2.0. */
function isHttpApiEvent(event: LambdaHttpEvent): event is APIGatewayProxyEventV2 {
  const fields = fieldsOf(event);
  return (
    fields?.version === '2.0' &&
    typeof fields.rawPath === 'string' &&
    typeof fieldsOf(fieldsOf(fields.requestContext)?.http)?.method === 'string'
  );
}

/** Payload 1.0 (REST, or an HTTP API set to 1.0) and ALB share these fields. */
function hasVersion1Request(event: LambdaHttpEvent): boolean {
  const fields = fieldsOf(event);
  return (
    fields?.version !== '2.0' &&
    typeof fields?.httpMethod === 'string' &&
    typeof fields.path === 'string' &&
    fieldsOf(fields.requestContext) !== undefined
  );
}

function isAlbEvent(event: LambdaHttpEvent): event is ALBEvent {
  return hasVersion1Request(event) && 'elb' in event.requestContext;
}

function isRestEvent(event: LambdaHttpEvent): event is APIGatewayProxyEvent {
  return hasVersion1Request(event) && !('elb' in event.requestContext);
}

/** Names the event's top-level fields (not their values, which may be anything). */
function unsupported(event: unknown): Error {
  const fields = fieldsOf(event);
  const shape = fields ? `an object with ${JSON.stringify(Object.keys(fields).slice(0, 20))}` : typeof event;
  return new Error(
    `Unsupported event: expected an API Gateway REST (payload 1.0), HTTP API (2.0) or ALB request, got ${shape}`,
  );
}

/**
 * The path the app should route, without the API Gateway stage. HTTP API puts a named stage in
 * `rawPath` (`/prod/health`), on its execute-api domain and on a custom domain's API mapping alike
 * (CodeGenieApp/serverless-express#465: the mapping key is dropped, the stage kept). REST never
 * puts it in `path` (only in `requestContext.path`), so a REST path is routed as it is: on a
 * custom domain `/v1/users` is the app's own `/v1` prefix even when the stage is also named `v1`.
 */
function normalisePath(event: APIGatewayProxyEvent | APIGatewayProxyEventV2): LambdaHttpEvent {
  if (!isHttpApiEvent(event)) {
    const rest = withoutUnusableRequestId(
      withLowerCaseHeaders({ ...event, path: withEscapedBackslashes(event.path) }),
    );
    return { ...rest, headers: withoutMadeUpUserAgent(rest.headers) };
  }
  const stage = event.requestContext.stage;
  const path = stage && stage !== '$default' ? withoutStage(event.rawPath, stage) : event.rawPath;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const httpApi = withoutUnusableRequestId(event);
  return {
    ...httpApi,
    headers: withoutMadeUpUserAgent(httpApi.headers),
    rawPath: `${asEncodedPath(path)}${query}`,
    queryStringParameters: undefined,
  };
}

/**
 * The event without an X-Request-Id the app would not use (`isAcceptableRequestId`): the library
 * gives the app API Gateway's request id only when the header is absent, so an unusable one became
 * a random UUID matching no line of API Gateway's access log (found in review, 2026-12-07). Header
 * names are lower-case here (HTTP API's are; REST's were made so).
 */
function withoutUnusableRequestId<Event extends APIGatewayProxyEvent | APIGatewayProxyEventV2>(
  event: Event,
): Event {
  const headers = event.headers ?? {};
  const multiValue = 'multiValueHeaders' in event ? event.multiValueHeaders : undefined;
  const given = multiValue?.['x-request-id'] ?? headers['x-request-id'];
  if (given === undefined || isAcceptableRequestId(given)) return event;
  const { 'x-request-id': _dropped, ...kept } = headers;
  if (!multiValue) return { ...event, headers: kept };
  const { 'x-request-id': _droppedValues, ...keptValues } = multiValue;
  return { ...event, headers: kept, multiValueHeaders: keptValues };
}

/**
 * REST keeps header names as the client wrote them (`X-Request-Id`), and the library looks some up
 * by their lower-case name only: it added API Gateway's request id as `x-request-id` beside the
 * caller's `X-Request-Id`, which then lost (found in review). Header names are case-insensitive, so
 * the app sees them lower-cased, as from HTTP API, ALB and Node's server (values of names differing
 * only in case are kept together).
 */
function withLowerCaseHeaders(event: APIGatewayProxyEvent): APIGatewayProxyEvent {
  const headers: APIGatewayProxyEvent['headers'] = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  if (!event.multiValueHeaders) return { ...event, headers };
  const multiValueHeaders: APIGatewayProxyEvent['multiValueHeaders'] = {};
  for (const [name, values] of Object.entries(event.multiValueHeaders)) {
    const key = name.toLowerCase();
    multiValueHeaders[key] = [...(multiValueHeaders[key] ?? []), ...(values ?? [])];
  }
  return { ...event, headers, multiValueHeaders };
}

/**
 * Characters an encoded path never holds literally: a `%` that starts no escape, `?`, `#`, `\`,
 * space, controls and anything beyond ASCII. The surrogate range is matched whole, so a pair is encoded as
 * its one character.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const NOT_IN_ENCODED_PATH = /%(?![0-9A-Fa-f]{2})|[?#\\\u0000-\u0020\u007f]|[^\u0000-\u007f]+/g;

/**
 * The headers with `user-agent` explicitly absent when the client sent none (in neither form),
 * which light-my-request reads as "none" instead of making one up (`lightMyRequest`): every such
 * client was one device in sessions, activity and new-device mail (found in review, 2026-12-07).
 */
function withoutMadeUpUserAgent<Headers extends Record<string, string | undefined>>(
  headers: Headers | null | undefined,
): Headers {
  const given = headers ?? ({} as Headers);
  if (Object.keys(given).some((name) => name.toLowerCase() === 'user-agent')) return given;
  return { ...given, 'user-agent': undefined };
}

/**
 * A backslash in a path goes to the app as `%5C`, as the server reads it. light-my-request parses
 * the URL with the WHATWG parser, for which `\` is a `/` in an http URL: `/\x/health` became the
 * host `x` and the path `/health` (answered 200 where the server says 404), and `/\` threw, which
 * failed the invocation with a 502 without the error shape (found in review, 2026-12-07).
 */
function withEscapedBackslashes(path: string): string {
  return path.replaceAll('\\', '%5C');
}

/**
 * HTTP API delivers `rawPath` percent-decoded (`/items/a%3Fb` arrives as `/items/a?b`;
 * fastify/aws-lambda-fastify#169), so a `?` or `#` the client encoded would split the URL we hand
 * Fastify: `/health%3Fx` was answered as `/health` (200 where the server says 404), and a decoded
 * `#` turned the real query string into a fragment. Escaping what cannot appear literally in an
 * encoded path restores those and leaves an encoded path (REST's, or a future HTTP API's) as it is.
 * What decoding merged cannot be told apart again: `%2F` arrives as `/` (a path parameter holding
 * a slash splits in two) and `%2541` as `%41`, read as `A`.
 */
function asEncodedPath(path: string): string {
  return path.replace(NOT_IN_ENCODED_PATH, (characters) =>
    [...Buffer.from(characters, 'utf8')]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

function withoutStage(path: string, stage: string): string {
  if (path === `/${stage}`) return '/';
  return path.startsWith(`/${stage}/`) ? path.slice(stage.length + 1) : path;
}
