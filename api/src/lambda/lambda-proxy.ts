import { STATUS_CODES } from 'node:http';
import awsLambdaFastify, { type LambdaResponse } from '@fastify/aws-lambda';
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

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
 * top of `@fastify/aws-lambda`. It adds what that library leaves out: stage prefixes stripped for
 * HTTP API named stages as well as REST, the HTTP API's raw query string routed verbatim (so
 * `?tag=a,b` stays one value and repeated keys stay repeated), base64 for every non-text response,
 * and ALB's status line and multi-value response headers.
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
  return async (event, context) => {
    if (isAlbEvent(event)) {
      const response: LambdaHttpResponse = await (event.multiValueHeaders ? albMultiValueProxy : proxy)(
        event,
        context,
      );
      response.statusDescription = `${response.statusCode} ${STATUS_CODES[response.statusCode] ?? ''}`.trim();
      return response;
    }
    return proxy(normalisePath(event), context);
  };
}

function isAlbEvent(event: LambdaHttpEvent): event is ALBEvent {
  return 'elb' in event.requestContext;
}

function isHttpApiEvent(event: LambdaHttpEvent): event is APIGatewayProxyEventV2 {
  return 'version' in event && event.version === '2.0';
}

/**
 * The path the app should route, without the API Gateway stage. HTTP API puts a named stage in
 * `rawPath` (`/prod/health`); REST puts it only in `requestContext.path`, but some front ends
 * (custom domains without a base path mapping, proxies) forward `/prod/health` as the path.
 */
function normalisePath(event: APIGatewayProxyEvent | APIGatewayProxyEventV2): LambdaHttpEvent {
  const stage = event.requestContext.stage;
  if (isHttpApiEvent(event)) {
    const path = stage && stage !== '$default' ? withoutStage(event.rawPath, stage) : event.rawPath;
    const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
    return { ...event, rawPath: `${path}${query}`, queryStringParameters: undefined };
  }
  // REST: the path already lacks the stage unless the client-side path shows it twice.
  const clientPath = event.requestContext.path;
  const stageAlreadyRemoved = clientPath !== undefined && clientPath === `/${stage}${event.path}`;
  if (!stage || stageAlreadyRemoved) return event;
  return { ...event, path: withoutStage(event.path, stage) };
}

function withoutStage(path: string, stage: string): string {
  if (path === `/${stage}`) return '/';
  return path.startsWith(`/${stage}/`) ? path.slice(stage.length + 1) : path;
}
