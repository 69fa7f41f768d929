import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/errors/app-error.js';
import { type ApiKeyAuthentication, ApiKeysService } from './api-keys.service.js';
import { type RoutePolicy, routePolicyOf } from './auth.decorators.js';
import type { AuthContext } from './auth-context.js';
import { JwtRepository } from './jwt.repository.js';
import { SessionStatusCache } from './session-status.cache.js';

/**
 * The global guard. Routes need a Bearer access token unless marked `@Public()`; `@AllowApiKey()`
 * also accepts a database API key with the listed scopes; `@RequireRole('admin')` checks the role.
 * Under REQUIRE_API_KEY=true every route except `@ApiKeyExempt()` (health) also needs a valid
 * X-API-KEY (a database key or one of API_KEYS) — seed 002's hardening.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(JwtRepository) private readonly jwt: JwtRepository,
    @Inject(SessionStatusCache) private readonly sessions: SessionStatusCache,
    @Inject(ApiKeysService) private readonly apiKeys: ApiKeysService,
  ) {}

  // Decorator metadata never changes after bootstrap, so each route's policy is read once (four
  // reflect-metadata lookups over handler and class) instead of on every request. Keyed by class,
  // then handler: an inherited handler can sit in controllers with different class-level policies.
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const policy = this.policyFor(context);
    const keyRequired = this.apiKeys.keyRequiredEverywhere();
    // Public routes without a key requirement (health, docs, sign-in) pass synchronously: no
    // promise on the hottest paths.
    if (!keyRequired && policy.isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const authorization = headerValue(request, 'authorization');
    // A Bearer token where no key is required, what nearly every authenticated request is: one
    // promise chain instead of three nested async functions, whose suspended frames and promises
    // each request would carry (PrecompiledQuery.execute explains why that counts).
    if (!keyRequired && authorization !== undefined) {
      return this.bearer(authorization).then((auth) => admit(request, auth, policy));
    }
    return this.authenticate(request, policy, keyRequired, authorization);
  }

  private policyFor(context: ExecutionContext): RoutePolicy {
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.policies.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.policies.set(controller, byHandler);
    }
    let policy = byHandler.get(handler);
    if (!policy) {
      policy = routePolicyOf(handler, controller);
      byHandler.set(handler, policy);
    }
    return policy;
  }

  /** Every other case: API keys (required everywhere, or accepted by the route), or nothing presented. */
  private async authenticate(
    request: FastifyRequest,
    policy: RoutePolicy,
    keyRequired: boolean,
    authorization: string | undefined,
  ): Promise<boolean> {
    const presentedKey = headerValue(request, 'x-api-key');
    // Looked up (a query) only where a key can matter, and at most once.
    let keyLookup: Promise<ApiKeyAuthentication | undefined> | undefined;
    const keyAuthentication = () => {
      keyLookup ??=
        presentedKey === undefined ? Promise.resolve(undefined) : this.apiKeys.authenticate(presentedKey);
      return keyLookup;
    };

    if (keyRequired && !policy.apiKeyExempt) {
      if (presentedKey === undefined) throw new AppError('API_KEY_REQUIRED');
      if (!(await keyAuthentication())) throw new AppError('INVALID_API_KEY');
    }
    if (policy.isPublic) return true;

    let auth: AuthContext | undefined;
    if (authorization !== undefined) {
      auth = await this.bearer(authorization);
    } else {
      const scopes = policy.apiKeyScopes;
      const keyAuth = scopes !== undefined ? await keyAuthentication() : undefined;
      if (scopes !== undefined && keyAuth?.kind === 'user') {
        if (!scopes.every((scope) => keyAuth.auth.scopes.includes(scope)))
          throw new AppError('INSUFFICIENT_SCOPE');
        auth = keyAuth.auth;
      } else if (scopes !== undefined && presentedKey !== undefined && !keyAuth) {
        throw new AppError('INVALID_API_KEY');
      } else if (scopes === undefined && presentedKey !== undefined) {
        // A key on a route that takes none (account management needs a person): say so rather than
        // "send a Bearer token" as to someone who sent nothing. The key is not looked up, so the
        // answer is the same for a valid and a made-up one.
        throw new AppError('BEARER_REQUIRED');
      }
    }
    if (!auth) throw new AppError('UNAUTHENTICATED');
    return admit(request, auth, policy);
  }

  private bearer(authorization: string): Promise<AuthContext> {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{10,4096})$/.exec(authorization.trim());
    if (!match?.[1]) {
      return Promise.reject(
        new AppError('INVALID_TOKEN', 'Send the access token as "Authorization: Bearer <token>".'),
      );
    }
    return this.jwt.verify(match[1]).then((claims) =>
      this.sessions.get(claims.sid).then((status): AuthContext => {
        if (!status?.active || status.userId !== claims.sub) throw new AppError('SESSION_REVOKED');
        return { method: 'bearer', userId: claims.sub, sessionId: claims.sid, role: status.role };
      }),
    );
  }
}

/** Lets an authenticated request through if the route's role allows it, and attaches who it is. */
function admit(request: FastifyRequest, auth: AuthContext, policy: RoutePolicy): true {
  if (policy.requiredRole && auth.role !== policy.requiredRole) throw new AppError('FORBIDDEN');
  request.auth = auth;
  return true;
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
