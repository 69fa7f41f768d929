import 'reflect-metadata';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import * as z from 'zod';
import { type RoutePolicy, routePolicyOf } from '../auth/auth.decorators.js';
import {
  API_OPERATION,
  API_REQUEST_SCHEMAS,
  type ApiOperationOptions,
  type RequestSchemas,
} from '../common/openapi/api-docs.decorators.js';
import type { DtoSchema } from '../common/validation/dto-schema.js';

type JsonSchema = Record<string, unknown>;

/** The parts of an OpenAPI 3.1 document we produce. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  /** Codes any request may get whichever operation it was meant for (see `PROTOCOL_ERROR_CODES`). */
  'x-error-codes': string[];
  servers: { url: string }[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: { securitySchemes: Record<string, JsonSchema>; schemas: Record<string, JsonSchema> };
}

/** A controller class as Nest registered it. */
export type ControllerClass = abstract new (...args: never[]) => unknown;

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['statusCode', 'code', 'message', 'requestId'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'Stable UPPER_SNAKE code from the error registry.' },
    message: { type: 'string' },
    requestId: { type: 'string' },
    details: { type: 'object' },
  },
};

function toJsonSchema(schema: DtoSchema, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema.zod, {
    io,
    unrepresentable: 'any',
    reused: 'inline',
  }) as JsonSchema;
  return rest;
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment.length > 0)
    .map((segment) => (segment.startsWith(':') ? `{${segment.slice(1)}}` : segment))
    .join('/');
  return `/${joined}`;
}

/** Who may call a route, as the guard decides it: public, a Bearer token, or also an API key. */
function securityOf(policy: RoutePolicy): JsonSchema[] {
  if (policy.isPublic) return [];
  return policy.apiKeyScopes === undefined ? [{ bearer: [] }] : [{ bearer: [] }, { apiKey: [] }];
}

/**
 * `requirements` under REQUIRE_API_KEY=true, where the guard asks every route but the exempt ones
 * for a valid X-API-KEY as well: each alternative also needs the key, and a route that needs
 * nothing needs the key alone. A client generated from the plain table called POST /auth/login
 * without one and always got 401 API_KEY_REQUIRED (found in review, 2026-12-07).
 */
function withApiKey(requirements: readonly JsonSchema[]): JsonSchema[] {
  return (requirements.length === 0 ? [{}] : requirements).map((requirement) => ({
    ...requirement,
    apiKey: [],
  }));
}

/**
 * Codes any request may get before (or instead of) reaching an operation, or from any of them:
 * a URL, header block or request that the HTTP layer refuses, a path or method no route has, and
 * the 5xx of an outage or a fault. The document lists them once, at its root.
 */
const PROTOCOL_ERROR_CODES = [
  'BAD_REQUEST',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'URI_TOO_LONG',
  'HEADERS_TOO_LARGE',
  'INTERNAL_ERROR',
  'DATABASE_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
];

/** Methods whose body Fastify reads (and refuses when it is not JSON, too large, or of another type). */
const BODY_METHODS = new Set<RequestMethod>([
  RequestMethod.POST,
  RequestMethod.PUT,
  RequestMethod.PATCH,
  RequestMethod.DELETE,
]);

/**
 * Every code an operation may answer with: the ones its handler documents, then what runs before
 * the handler adds for it — reading the body, the guard (by the route's policy and REQUIRE_API_KEY)
 * and the validation pipes. Only the handler's own codes were listed until 2026-12-08, so a client
 * generated from the document did not know an expired token's TOKEN_EXPIRED or a wrong field's
 * VALIDATION_FAILED on most routes (found by checking the fuzzer's answers against the document).
 */
function errorCodesOf(
  method: RequestMethod,
  operation: ApiOperationOptions,
  schemas: RequestSchemas,
  policy: RoutePolicy,
  keyRequired: boolean,
): string[] {
  const codes = new Set(operation.errors ?? []);
  const add = (...more: string[]) => {
    for (const code of more) codes.add(code);
  };
  if (BODY_METHODS.has(method)) add('INVALID_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE');
  if (keyRequired) add('API_KEY_REQUIRED', 'INVALID_API_KEY');
  if (!policy.isPublic) {
    add('UNAUTHENTICATED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'SESSION_REVOKED');
    // A key on a route that takes none is told to send a Bearer token; on one that takes keys it is
    // looked up and judged.
    if (policy.apiKeyScopes === undefined) add('BEARER_REQUIRED');
    else add('INVALID_API_KEY', 'INSUFFICIENT_SCOPE');
  }
  if (policy.requiredRole !== undefined) add('FORBIDDEN');
  if (schemas.params ?? schemas.query ?? schemas.body) add('VALIDATION_FAILED');
  return [...codes];
}

/** How the document is built for this deployment. */
export interface OpenApiOptions {
  /** REQUIRE_API_KEY: every route but `@ApiKeyExempt()` ones also needs X-API-KEY. @default false */
  readonly requireApiKey?: boolean;
}

/**
 * Builds the OpenAPI document from the routes' own metadata: Nest's path/method decorators plus
 * the zod schemas that `ValidBody`/`ValidQuery`/`ValidParams` validate with, so the document cannot
 * drift from what the server enforces. Built on first request, never at startup, and only once zod
 * is loaded (`loadZod()`), as it reads each DTO's schema synchronously.
 */
export function buildOpenApiDocument(
  controllers: readonly ControllerClass[],
  prefix: string,
  options: OpenApiOptions = {},
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const controller of controllers) {
    const controllerPaths = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
    const prototype = controller.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[key];
      if (key === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const operation = Reflect.getMetadata(API_OPERATION, prototype, key) as ApiOperationOptions | undefined;
      if (method === undefined || operation === undefined) continue;
      const routePaths = [Reflect.getMetadata(PATH_METADATA, handler) ?? ''].flat() as string[];
      const schemas = (Reflect.getMetadata(API_REQUEST_SCHEMAS, prototype, key) ?? {}) as RequestSchemas;
      const policy = routePolicyOf(handler, controller);
      const keyRequired = options.requireApiKey === true && !policy.apiKeyExempt;
      const plain = securityOf(policy);
      const security = keyRequired ? withApiKey(plain) : plain;
      const errors = errorCodesOf(method, operation, schemas, policy, keyRequired);
      for (const controllerPath of controllerPaths) {
        for (const routePath of routePaths) {
          const path = joinPath(prefix, controllerPath, routePath);
          paths[path] ??= {};
          (paths[path] as Record<string, JsonSchema>)[RequestMethod[method].toLowerCase()] =
            describeOperation(path, key, operation, schemas, security, errors);
        }
      }
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'CloudNest API',
      version: '0.1.0',
      description: 'Every error response is JSON {statusCode, code, message, requestId} with a stable code.',
    },
    'x-error-codes': [...PROTOCOL_ERROR_CODES],
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY' },
      },
      schemas: { Error: errorSchema },
    },
  };
}

function describeOperation(
  path: string,
  key: string,
  operation: ApiOperationOptions,
  schemas: RequestSchemas,
  security: JsonSchema[],
  errors: readonly string[],
): JsonSchema {
  const parameters: JsonSchema[] = [];
  for (const part of ['params', 'query'] as const) {
    const schema = schemas[part];
    if (!schema) continue;
    const json = toJsonSchema(schema, 'input');
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries((json.properties as Record<string, JsonSchema>) ?? {})) {
      parameters.push({
        name,
        in: part === 'params' ? 'path' : 'query',
        required: part === 'params' || required.has(name),
        schema: property,
      });
    }
  }
  for (const match of path.matchAll(/\{([^}]+)\}/g)) {
    const name = match[1] as string;
    if (!parameters.some((p) => p.name === name && p.in === 'path')) {
      parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
    }
  }
  const responses: Record<string, JsonSchema> = {};
  for (const [status, schema] of Object.entries(operation.responses)) {
    responses[status] = describeResponse(Number(status), schema);
  }
  responses.default = {
    description: `Error${errors.length ? ` (codes: ${errors.join(', ')})` : ''}`,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    // The same codes for a client generator to read (the description is prose); those of any
    // operation are at the document's root.
    'x-error-codes': [...errors],
  };
  const described: JsonSchema = {
    operationId: key,
    summary: operation.summary,
    tags: operation.tags ?? [],
    security,
    parameters,
    responses,
  };
  // The local driver's upload takes the file's bytes, not JSON: without this the document showed
  // no body at all (found in review, 2026-12-07).
  if (operation.bytesBody) described.requestBody = { required: true, content: { '*/*': { schema: BYTES } } };
  if (schemas.body) {
    described.requestBody = {
      // A body the schema lets be absent (the refresh token, which cookie mode sends as a cookie)
      // is optional: `required: true` told generated clients to send one that is not needed.
      required: !schemas.body.zod.safeParse(undefined).success,
      content: { 'application/json': { schema: toJsonSchema(schemas.body, 'input') } },
    };
  }
  return described;
}

/** A body of raw bytes, as OpenAPI 3.1 describes one to client generators. */
const BYTES: JsonSchema = { type: 'string', format: 'binary' };

/**
 * One success response. A file's bytes and a redirect's `Location` are described too: both read
 * "No content" until 2026-12-07 (found in review), so a generated client dropped the bytes.
 */
function describeResponse(status: number, schema: DtoSchema | null | 'bytes'): JsonSchema {
  if (schema === 'bytes') return { description: "The file's bytes", content: { '*/*': { schema: BYTES } } };
  if (schema === null && status >= 300 && status < 400) {
    return {
      description: 'Redirect',
      headers: { Location: { description: 'Where to read it', schema: { type: 'string', format: 'uri' } } },
    };
  }
  if (schema === null) return { description: 'No content' };
  return {
    description: 'Success',
    content: { 'application/json': { schema: toJsonSchema(schema, 'output') } },
  };
}
