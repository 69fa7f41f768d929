import { Inject, Injectable } from '@nestjs/common';
import { type SetCookie, stringifySetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AuthTokensDto, MfaChallengeDto, TokenDelivery } from './auth.dto.js';
import type { IssuedTokens, SignInResult } from './auth.service.js';

export const REFRESH_COOKIE = 'cn_refresh';
/**
 * `__Host-`: a cookie of that name must be Secure, on `/` and without a Domain, so no other host
 * (a sibling subdomain) can set one for this host, and the value the page echoes is this host's.
 */
export const CSRF_COOKIE = '__Host-cn_csrf';
/** Names what the refresh cookie holds a digest of (fixed: not a cookie's name). */
const CSRF_DIGEST_LABEL = 'cn_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Cookie mode for browsers (`?mode=cookie`): the refresh token travels in an httpOnly, Secure,
 * SameSite=Strict cookie scoped to the auth routes, so page scripts never see it; the access token
 * stays in memory. Because a cookie is sent automatically, exchanging it also needs a double-submit
 * CSRF token: a readable `__Host-cn_csrf` cookie whose value the page echoes in `X-CSRF-Token`.
 *
 * The refresh cookie also carries a digest of that CSRF value (`<refresh token>.<sha256>`), and a
 * refresh needs a header that equals the `__Host-cn_csrf` cookie and whose digest a refresh cookie
 * holds. Until 2026-12-08 (found in review) the header only had to equal a `cn_csrf` cookie, a
 * random value tied to nothing that any host of the site could set: anyone at a browser left with
 * the refresh cookie (a sign-out that did not reach the API drops only the CSRF cookie) could set
 * one of their own and echo it, and a host on a sibling subdomain (the same site for SameSite)
 * could plant its own `cn_refresh` and `cn_csrf`, signing the browser in as its account, or a
 * `cn_csrf` on a longer path that the page read first, refusing every refresh. Now a sibling can
 * set neither the CSRF cookie the page reads nor a refresh cookie that answers to it, and the
 * refresh cookie that does is found among several. The cookies of before are not taken at all:
 * any host of the site could plant that form (an unbound `cn_refresh` of its own account and a
 * `cn_csrf`), so keeping it for their last 30 days kept the hole open; those browsers sign in once
 * more (the web app sees no `__Host-cn_csrf` and shows them signed out).
 *
 * The two cookies are written here with the `cookie` package, and read by `cookieValues` (every
 * refresh cookie the browser sent, not only the first), rather than through `@fastify/cookie`: that plugin put an `onRequest` and an `onSend` hook on every route for what
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
    const csrfValue = csrf ?? this.crypto.randomToken(24);
    setCookie(reply, {
      ...this.baseOptions(),
      name: REFRESH_COOKIE,
      value: `${tokens.refreshToken}.${this.csrfDigest(csrfValue)}`,
      httpOnly: true,
      path: this.authPath(),
      maxAge,
    });
    setCookie(reply, {
      ...this.baseOptions(),
      name: CSRF_COOKIE,
      value: csrfValue,
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
    const cookieHeader = request.headers.cookie;
    const refreshCookies = cookieHeader ? cookieValues(cookieHeader, REFRESH_COOKIE) : [];
    if (refreshCookies.length === 0)
      throw new AppError('INVALID_REFRESH_TOKEN', 'Send refreshToken in the body, or use cookie mode.');
    const header = request.headers[CSRF_HEADER];
    const presented = Array.isArray(header) ? header[0] : header;
    if (!presented) throw new AppError('CSRF_TOKEN_INVALID');
    const [own] = cookieValues(cookieHeader ?? '', CSRF_COOKIE);
    if (own !== undefined && this.crypto.constantTimeEquals(own, presented)) {
      const digest = this.csrfDigest(presented);
      // Every cookie of that name the browser sent, not only the first: a planted one on a longer
      // path comes first, and must not hide this browser's own.
      for (const value of refreshCookies) {
        const bound = BOUND_REFRESH_COOKIE.exec(value);
        if (bound && this.crypto.constantTimeEquals(bound[2] as string, digest))
          return { refreshToken: bound[1] as string, csrf: presented };
      }
    }
    throw new AppError('CSRF_TOKEN_INVALID');
  }

  clear(reply: FastifyReply): void {
    clearCookie(reply, { ...this.baseOptions(), name: REFRESH_COOKIE, path: this.authPath() });
    clearCookie(reply, { ...this.baseOptions(), name: CSRF_COOKIE, path: '/' });
  }

  /** What the refresh cookie holds of a CSRF value: enough to check one, nothing to forge one with. */
  private csrfDigest(csrf: string): string {
    return this.crypto.sha256(`${CSRF_DIGEST_LABEL}:${csrf}`);
  }

  private baseOptions() {
    return { secure: true, sameSite: 'strict' } as const;
  }

  private authPath(): string {
    return `${this.config.http.prefix}/auth`;
  }
}

/** A refresh cookie bound to a CSRF value: the token (base64url, no dot), a dot, the value's digest. */
const BOUND_REFRESH_COOKIE = /^(.+)\.([0-9a-f]{64})$/;

/**
 * Every value a Cookie header gives `name`, in order, read as `cookie`'s parser reads the first:
 * name and value trimmed of spaces and tabs only (a name behind another whitespace character is
 * another name), URI-decoded when that is valid (as sent otherwise). The first value is what
 * `parseCookie` would give; the refresh cookie needs all of them.
 */
function cookieValues(header: string, name: string): string[] {
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || trimSpacesAndTabs(pair.slice(0, equals)) !== name) continue;
    const value = trimSpacesAndTabs(pair.slice(equals + 1));
    try {
      values.push(value.includes('%') ? decodeURIComponent(value) : value);
    } catch {
      values.push(value);
    }
  }
  return values;
}

function trimSpacesAndTabs(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** Adds a Set-Cookie header (Fastify keeps every `set-cookie` value it is given). */
function setCookie(reply: FastifyReply, cookie: SetCookie): void {
  reply.header('set-cookie', stringifySetCookie(cookie));
}

/** Tells the browser to drop a cookie: empty, expired now and at the epoch (old clients read Expires). */
function clearCookie(reply: FastifyReply, cookie: Omit<SetCookie, 'value'>): void {
  setCookie(reply, { ...cookie, value: '', maxAge: 0, expires: new Date(0) });
}
