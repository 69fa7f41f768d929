import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/errors/app-error.js';
import type { ApiKeyScope } from './api-key-scopes.js';
import type { AuthContext, ClientInfo, UserAuth } from './auth-context.js';

export const IS_PUBLIC = 'cloudnest:public';
export const API_KEY_SCOPES = 'cloudnest:api-key-scopes';
export const API_KEY_EXEMPT = 'cloudnest:api-key-exempt';
export const REQUIRED_ROLE = 'cloudnest:required-role';

/** No sign-in needed (the route may still require an API key under REQUIRE_API_KEY). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Besides a Bearer token, accept a database API key holding every one of `scopes`. */
export const AllowApiKey = (...scopes: ApiKeyScope[]) => SetMetadata(API_KEY_SCOPES, scopes);

/** Exempt from REQUIRE_API_KEY (health checks must answer load balancers without a key). */
export const ApiKeyExempt = () => SetMetadata(API_KEY_EXEMPT, true);

/** Only users with this role (admins pass every role check). */
export const RequireRole = (role: 'admin') => SetMetadata(REQUIRED_ROLE, role);

/** What a route's decorators require of a request before its handler runs. */
export interface RoutePolicy {
  readonly isPublic: boolean;
  readonly apiKeyExempt: boolean;
  readonly apiKeyScopes: readonly string[] | undefined;
  readonly requiredRole: 'admin' | undefined;
}

/**
 * A route's policy: the handler's decorator, else its controller's. One reading for the guard,
 * which enforces it, and the OpenAPI document, which describes it (security and the guard's
 * error codes), so the two cannot disagree.
 */
export function routePolicyOf(handler: object, controller: object): RoutePolicy {
  const read = <T>(key: string): T | undefined =>
    (Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller)) as T | undefined;
  return {
    isPublic: read<boolean>(IS_PUBLIC) === true,
    apiKeyExempt: read<boolean>(API_KEY_EXEMPT) === true,
    apiKeyScopes: read<string[]>(API_KEY_SCOPES),
    requiredRole: read<'admin'>(REQUIRED_ROLE),
  };
}

/** The request's {@link AuthContext} (set by the guard). */
export const CurrentAuth = createParamDecorator((_data: unknown, context: ExecutionContext): AuthContext => {
  const auth = context.switchToHttp().getRequest<FastifyRequest>().auth;
  if (!auth) throw new AppError('UNAUTHENTICATED');
  return auth;
});

/** The signed-in user's {@link UserAuth}; an API key is refused (account management needs a person). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): UserAuth => {
  const auth = context.switchToHttp().getRequest<FastifyRequest>().auth;
  if (!auth) throw new AppError('UNAUTHENTICATED');
  if (auth.method !== 'bearer') throw new AppError('BEARER_REQUIRED');
  return auth;
});

/** The caller's address and user agent. */
export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): ClientInfo => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const userAgent = request.headers['user-agent'];
  // Both are stored in sized columns. Behind a trusted proxy the address comes from X-Forwarded-For,
  // which a client can fill with any text; unclamped, a long one failed the insert with a 500.
  return {
    ip: request.ip.slice(0, 64),
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
  };
});

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AuthContext;
  }
}
