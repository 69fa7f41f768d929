import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AuthTokensDto, TokenDelivery } from './auth.dto.js';
import type { IssuedTokens } from './auth.service.js';

export const REFRESH_COOKIE = 'cn_refresh';
export const CSRF_COOKIE = 'cn_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Cookie mode for browsers (`?mode=cookie`): the refresh token travels in an httpOnly, Secure,
 * SameSite=Strict cookie scoped to the auth routes, so page scripts never see it; the access token
 * stays in memory. Because a cookie is sent automatically, exchanging it also needs a double-submit
 * CSRF token: a readable `cn_csrf` cookie whose value the page echoes in `X-CSRF-Token`.
 */
@Injectable()
export class AuthCookies {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
  ) {}

  /** Returns the response body; in cookie mode sets the cookies and leaves the refresh token out. */
  deliver(tokens: IssuedTokens, delivery: TokenDelivery, reply: FastifyReply): AuthTokensDto {
    if (delivery.mode !== 'cookie') return tokens;
    const maxAge = this.config.auth.refreshTtlDays * 86_400;
    reply.setCookie(REFRESH_COOKIE, tokens.refreshToken, {
      ...this.baseOptions(),
      httpOnly: true,
      path: this.authPath(),
      maxAge,
    });
    reply.setCookie(CSRF_COOKIE, this.crypto.randomToken(24), {
      ...this.baseOptions(),
      httpOnly: false,
      path: '/',
      maxAge,
    });
    const { refreshToken: _inCookie, ...body } = tokens;
    return body;
  }

  /** The refresh token from the body, or (cookie mode) from the cookie after the CSRF check. */
  refreshTokenFrom(request: FastifyRequest, fromBody: string | undefined): string {
    if (fromBody !== undefined) return fromBody;
    const cookie = request.cookies[REFRESH_COOKIE];
    if (!cookie)
      throw new AppError('INVALID_REFRESH_TOKEN', 'Send refreshToken in the body, or use cookie mode.');
    this.assertCsrf(request);
    return cookie;
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(REFRESH_COOKIE, { ...this.baseOptions(), path: this.authPath() });
    reply.clearCookie(CSRF_COOKIE, { ...this.baseOptions(), path: '/' });
  }

  private assertCsrf(request: FastifyRequest): void {
    const expected = request.cookies[CSRF_COOKIE];
    const header = request.headers[CSRF_HEADER];
    const presented = Array.isArray(header) ? header[0] : header;
    if (!expected || !presented || !this.crypto.constantTimeEquals(expected, presented)) {
      throw new AppError('CSRF_TOKEN_INVALID');
    }
  }

  private baseOptions() {
    return { secure: true, sameSite: 'strict' as const };
  }

  private authPath(): string {
    return `${this.config.http.prefix}/auth`;
  }
}
