import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

/** The three event kinds the Lambda handler answers. */
export type EventKind = 'rest' | 'http' | 'alb';

export const EVENT_KINDS: readonly EventKind[] = ['rest', 'http', 'alb'];

/** A request to turn into an event, in HTTP terms. */
export interface EventRequest {
  readonly method?: string;
  /** Path as the app routes it, with an optional query string (`/users?tag=a&tag=b`). */
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** Headers the client did not send, of the ones every event has otherwise (`user-agent`). */
  readonly without?: readonly string[];
  readonly cookies?: readonly string[];
  readonly body?: string | Buffer;
  /** Send the body base64-encoded, as API Gateway does for binary media types. @default false */
  readonly base64?: boolean;
  /** API Gateway stage; HTTP API puts a named stage in rawPath, REST only in requestContext.path. */
  readonly stage?: string;
  /** ALB only: whether the target group has multi-value headers enabled. @default true */
  readonly albMultiValue?: boolean;
}

/** Builds an event shaped like the one AWS delivers for `request` (documented payload formats). */
export function eventFor(
  kind: EventKind,
  request: EventRequest,
): APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent {
  const method = request.method ?? 'GET';
  const [path = '/', rawQuery = ''] = request.path.split('?', 2);
  const params = new URLSearchParams(rawQuery);
  const headers: Record<string, string> = {
    host: 'api.example.com',
    'user-agent': 'vitest',
    ...request.headers,
  };
  for (const name of request.without ?? []) delete headers[name];
  const bodyBuffer =
    request.body === undefined
      ? undefined
      : Buffer.isBuffer(request.body)
        ? request.body
        : Buffer.from(request.body);
  const base64 = request.base64 ?? false;
  const body =
    bodyBuffer === undefined ? null : base64 ? bodyBuffer.toString('base64') : bodyBuffer.toString('utf8');
  const cookies = request.cookies ?? [];
  const requestId = `req-${Math.random().toString(36).slice(2, 10)}`;
  if (kind === 'http') {
    const stage = request.stage ?? '$default';
    const rawPath = stage === '$default' ? path : `/${stage}${path}`;
    const single: Record<string, string> = {};
    for (const key of new Set(params.keys())) single[key] = params.getAll(key).join(',');
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath,
      rawQueryString: rawQuery,
      ...(cookies.length > 0 ? { cookies: [...cookies] } : {}),
      headers,
      ...(rawQuery ? { queryStringParameters: single } : {}),
      requestContext: {
        accountId: '123456789012',
        apiId: 'api-id',
        domainName: 'api.example.com',
        domainPrefix: 'api',
        http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
        requestId,
        routeKey: '$default',
        stage,
        time: '21/Nov/2026:10:00:00 +0000',
        timeEpoch: 1_795_000_000_000,
      },
      ...(body !== null ? { body } : {}),
      isBase64Encoded: base64,
    } satisfies APIGatewayProxyEventV2;
  }
  const withCookies = cookies.length > 0 ? { ...headers, cookie: cookies.join('; ') } : headers;
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(withCookies)) multiValueHeaders[key] = [value];
  const multiQuery: Record<string, string[]> = {};
  for (const key of new Set(params.keys())) multiQuery[key] = params.getAll(key);
  if (kind === 'alb') {
    const multiValue = request.albMultiValue ?? true;
    // The load balancer appends the address of the connection it received (its default mode).
    const forwardedFor = headers['x-forwarded-for'];
    const albHeaders = {
      ...withCookies,
      'x-forwarded-for': forwardedFor ? `${forwardedFor}, 203.0.113.7` : '203.0.113.7',
    };
    const albMultiValueHeaders: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(albHeaders)) albMultiValueHeaders[key] = [value];
    // ALB passes the query string still percent-encoded.
    const encoded = (value: string) => encodeURIComponent(value);
    const encodedMulti: Record<string, string[]> = {};
    const encodedSingle: Record<string, string> = {};
    for (const [key, values] of Object.entries(multiQuery)) {
      encodedMulti[encoded(key)] = values.map(encoded);
      encodedSingle[encoded(key)] = encoded(values.at(-1) ?? '');
    }
    return {
      requestContext: {
        elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/abc' },
      },
      httpMethod: method,
      path,
      ...(multiValue
        ? { multiValueQueryStringParameters: encodedMulti, multiValueHeaders: albMultiValueHeaders }
        : { queryStringParameters: encodedSingle, headers: albHeaders }),
      body,
      isBase64Encoded: base64,
    } satisfies ALBEvent;
  }
  const stage = request.stage ?? 'prod';
  const single: Record<string, string> = {};
  for (const [key, values] of Object.entries(multiQuery)) single[key] = values.at(-1) ?? '';
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers: withCookies,
    multiValueHeaders,
    queryStringParameters: rawQuery ? single : null,
    multiValueQueryStringParameters: rawQuery ? multiQuery : null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        sourceIp: '203.0.113.7',
        userAgent: 'vitest',
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn: null,
      },
      path: `/${stage}${path}`,
      stage,
      requestId,
      requestTimeEpoch: 1_795_000_000_000,
      resourceId: 'abc123',
      resourcePath: '/{proxy+}',
    },
    body,
    isBase64Encoded: base64,
  } satisfies APIGatewayProxyEvent;
}

/** The response as a test wants it: status, headers (lower-cased, multi-values joined), cookies, body bytes. */
export interface DecodedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly setCookies: string[];
  readonly body: Buffer;
  readonly isBase64Encoded: boolean;
  json<T>(): T;
}

/**
 * Which fields of a response the front end that sent `event` reads: HTTP API (payload 2.0)
 * `headers` and `cookies`; REST `headers` and `multiValueHeaders`, merged; ALB `multiValueHeaders`
 * when its target group sends multi-value events, `headers` otherwise. Without the event, every
 * field is read (for tests about other things than headers).
 */
function fieldsReadFor(event: object | undefined) {
  if (event === undefined) return { headers: true, multiValueHeaders: true, cookies: true };
  if ((event as { version?: unknown }).version === '2.0')
    return { headers: true, multiValueHeaders: false, cookies: true };
  if ((event as { requestContext?: { elb?: unknown } }).requestContext?.elb !== undefined) {
    const multiValue = (event as { multiValueHeaders?: unknown }).multiValueHeaders !== undefined;
    return { headers: !multiValue, multiValueHeaders: multiValue, cookies: false };
  }
  return { headers: true, multiValueHeaders: true, cookies: false };
}

/**
 * Reads a handler's result the way API Gateway or ALB would before sending it to the client: given
 * the event that was sent (`via`), only what that front end reads, so a header or cookie put where
 * it would drop it is missing here too (found in review, 2026-12-07: merged alike for every kind,
 * v2 cookies only in `multiValueHeaders` would still have passed).
 */
export function decodeResponse(
  result: {
    statusCode: number;
    headers?: Record<string, string | number | boolean>;
    multiValueHeaders?: Record<string, (string | number | boolean)[]>;
    cookies?: string[];
    body?: string;
    isBase64Encoded?: boolean;
  },
  via?: object,
): DecodedResponse {
  const read = fieldsReadFor(via);
  const headers: Record<string, string> = {};
  const setCookies: string[] = read.cookies ? [...(result.cookies ?? [])] : [];
  for (const [key, value] of Object.entries(read.headers ? (result.headers ?? {}) : {})) {
    if (key.toLowerCase() === 'set-cookie') setCookies.push(String(value));
    else headers[key.toLowerCase()] = String(value);
  }
  for (const [key, values] of Object.entries(
    read.multiValueHeaders ? (result.multiValueHeaders ?? {}) : {},
  )) {
    if (key.toLowerCase() === 'set-cookie') {
      for (const value of values) if (!setCookies.includes(String(value))) setCookies.push(String(value));
    } else headers[key.toLowerCase()] = values.map(String).join(', ');
  }
  const isBase64Encoded = result.isBase64Encoded ?? false;
  const body = Buffer.from(result.body ?? '', isBase64Encoded ? 'base64' : 'utf8');
  return {
    statusCode: result.statusCode,
    headers,
    setCookies,
    body,
    isBase64Encoded,
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}
