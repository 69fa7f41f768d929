import { Inject, Injectable } from '@nestjs/common';
import { type Cookies, parseCookie, type SetCookie, stringifySetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AuthTokensDto, MfaChallengeDto, TokenDelivery } from './auth.dto.js';
import type { IssuedTokens, SignInResult } from './auth.service.js';

export const REFRESH_COOKIE = 'cn_refresh';
export const CSRF_COOKIE = 'cn_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Cookie mode for browsers (`?mode=cookie`): the refresh token travels in an httpOnly, Secure,
 * SameSite=Strict cookie scoped to the auth routes, so page scripts never see it; the access token
 * stays in memory. Because a cookie is sent automatically, exchanging it also needs a double-submit
 * CSRF token: a readable `cn_csrf` cookie whose value the page echoes in `X-CSRF-Token`.
 *
 * The two cookies are written and read here with the `cookie` package rather than through
 * `@fastify/cookie`: that plugin put an `onRequest` and an `onSend` hook on every route for what
 * four auth routes use, and registering it cost each Lambda cold start ~3 ms (docs/lambda.md).
 * The headers it wrote are the same (the spec pins them).
 */
@Injectable()
export class AuthCookies {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
  ) {}

  /**
   * Returns the response body; in cookie mode sets the cookies and leaves the refresh token out.
   * `csrf` is the CSRF value a cookie refresh just checked: it is kept rather than replaced, since
   * every tab of the browser shares the cookie and echoes it (found in review: with a new value per
   * refresh, a tab that read the old one before another tab's refresh landed was refused
   * `CSRF_TOKEN_INVALID`, and the web app then signed every tab out).
   *
   * A refresh from the cookie answers in cookie mode whatever `?mode` says: the cookie is httpOnly
   * so that page scripts never hold the refresh token, and a script that sends the readable CSRF
   * value without `?mode=cookie` got the next one in the body (found in review, 2026-12-07).
   */
  deliver(tokens: IssuedTokens, delivery: TokenDelivery, reply: FastifyReply, csrf?: string): AuthTokensDto {
    if (delivery.mode !== 'cookie' && csrf === undefined) return tokens;
    const maxAge = this.config.auth.refreshTtlDays * 86_400;
    setCookie(reply, {
      ...this.baseOptions(),
      name: REFRESH_COOKIE,
      value: tokens.refreshToken,
      httpOnly: true,
      path: this.authPath(),
      maxAge,
    });
    setCookie(reply, {
      ...this.baseOptions(),
      name: CSRF_COOKIE,
      value: csrf ?? this.crypto.randomToken(24),
      path: '/',
      maxAge,
    });
    const { refreshToken: _inCookie, ...body } = tokens;
    return body;
  }

  /**
   * A sign-in route's response: the tokens as `deliver` gives them, or a two-step challenge,
   * answered 202 with no cookie (nothing is signed in yet).
   */
  deliverSignIn(
    result: SignInResult,
    delivery: TokenDelivery,
    reply: FastifyReply,
  ): AuthTokensDto | MfaChallengeDto {
    if ('mfaToken' in result) {
      reply.status(202);
      return result;
    }
    return this.deliver(result, delivery, reply);
  }

  /**
   * The refresh token from the body, or (cookie mode) from the cookie after the CSRF check, with
   * the CSRF value it passed (for `deliver` to keep).
   */
  refreshTokenFrom(
    request: FastifyRequest,
    fromBody: string | undefined,
  ): { readonly refreshToken: string; readonly csrf?: string } {
    if (fromBody !== undefined) return { refreshToken: fromBody };
    const cookies = cookiesOf(request);
    const cookie = cookies[REFRESH_COOKIE];
    if (!cookie)
      throw new AppError('INVALID_REFRESH_TOKEN', 'Send refreshToken in the body, or use cookie mode.');
    return { refreshToken: cookie, csrf: this.assertCsrf(request, cookies) };
  }

  clear(reply: FastifyReply): void {
    clearCookie(reply, { ...this.baseOptions(), name: REFRESH_COOKIE, path: this.authPath() });
    clearCookie(reply, { ...this.baseOptions(), name: CSRF_COOKIE, path: '/' });
  }

  /** Checks the double-submit pair and returns the value. */
  private assertCsrf(request: FastifyRequest, cookies: Cookies): string {
    const expected = cookies[CSRF_COOKIE];
    const header = request.headers[CSRF_HEADER];
    const presented = Array.isArray(header) ? header[0] : header;
    if (!expected || !presented || !this.crypto.constantTimeEquals(expected, presented)) {
      throw new AppError('CSRF_TOKEN_INVALID');
    }
    return expected;
  }

  private baseOptions() {
    return { secure: true, sameSite: 'strict' } as const;
  }

  private authPath(): string {
    return `${this.config.http.prefix}/auth`;
  }
}

/** The request's cookies by name (an empty object without a Cookie header); values URI-decoded. */
function cookiesOf(request: FastifyRequest): Cookies {
  const header = request.headers.cookie;
  return header ? parseCookie(header) : {};
}

/** Adds a Set-Cookie header (Fastify keeps every `set-cookie` value it is given). */
function setCookie(reply: FastifyReply, cookie: SetCookie): void {
  reply.header('set-cookie', stringifySetCookie(cookie));
}

/** Tells the browser to drop a cookie: empty, expired now and at the epoch (old clients read Expires). */
function clearCookie(reply: FastifyReply, cookie: Omit<SetCookie, 'value'>): void {
  setCookie(reply, { ...cookie, value: '', maxAge: 0, expires: new Date(0) });
}
