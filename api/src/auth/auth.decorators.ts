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
