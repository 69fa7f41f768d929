import 'reflect-metadata';
import { Body, Param, Query } from '@nestjs/common';
import type { DtoSchema } from '../validation/dto-schema.js';
import { type RequestPart, ZodValidationPipe } from '../validation/zod-validation.pipe.js';

/** What a route documents about itself beyond its path and method. */
export interface ApiOperationOptions {
  readonly summary: string;
  readonly tags?: readonly string[];
  /**
   * Success responses by status code: a JSON body's schema, `null` for an empty body (a 3xx then
   * documents its `Location`), or `'bytes'` for a file's bytes.
   */
  readonly responses: Readonly<Record<number, DtoSchema | null | 'bytes'>>;
  /** The request body is raw bytes (an upload), not JSON. @default false */
  readonly bytesBody?: boolean;
  /**
   * Error codes the route's own work may answer with (from the registry), for the docs; the ones
   * of the body parser, the guard and the validation pipes are added from the route's metadata.
   */
  readonly errors?: readonly string[];
}

export const API_OPERATION = Symbol('cloudnest:api-operation');
export const API_REQUEST_SCHEMAS = Symbol('cloudnest:api-request-schemas');

/** Request schemas by part, stored on the handler for the OpenAPI builder. */
export type RequestSchemas = Partial<Record<RequestPart, DtoSchema>>;

/** Documents a route for OpenAPI (summary, responses; who may call it comes from the guard's decorators). */
export function ApiOperation(options: ApiOperationOptions): MethodDecorator {
  return (target, propertyKey) => {
    Reflect.defineMetadata(API_OPERATION, options, target, propertyKey);
  };
}

function validated(part: RequestPart, schema: DtoSchema): ParameterDecorator {
  const pipe = new ZodValidationPipe(schema, part);
  const nestDecorator = part === 'body' ? Body(pipe) : part === 'query' ? Query(pipe) : Param(pipe);
  return (target, propertyKey, index) => {
    nestDecorator(target, propertyKey, index);
    if (propertyKey === undefined) return;
    const schemas: RequestSchemas = Reflect.getMetadata(API_REQUEST_SCHEMAS, target, propertyKey) ?? {};
    Reflect.defineMetadata(API_REQUEST_SCHEMAS, { ...schemas, [part]: schema }, target, propertyKey);
  };
}

/** The request body, validated by `schema`; the schema also documents the body in OpenAPI. */
export const ValidBody = (schema: DtoSchema): ParameterDecorator => validated('body', schema);
/** The query string, validated by `schema` (an object schema). */
export const ValidQuery = (schema: DtoSchema): ParameterDecorator => validated('query', schema);
/** The path parameters, validated by `schema` (an object schema). */
export const ValidParams = (schema: DtoSchema): ParameterDecorator => validated('params', schema);
