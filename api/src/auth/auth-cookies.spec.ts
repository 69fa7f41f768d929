import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { loadConfig } from '../config/app-config.js';
import type { IssuedTokens } from './auth.service.js';
import { AuthCookies } from './auth-cookies.js';

const crypto = new CryptoRepository();
/** What the refresh cookie carries of a CSRF value (auth-cookies.ts). */
const digestOf = (csrf: string) => crypto.sha256(`cn_csrf:${csrf}`);

const USER: IssuedTokens['user'] = {
  id: '00000000-0000-4000-8000-000000000001',
  email: 'ada@example.com',
  username: 'ada',
  role: 'user',
  emailVerified: false,
  mfaEnabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const TOKENS: IssuedTokens = {
  user: USER,
  accessToken: 'access',
  refreshToken: 'abc+/=é',
  tokenType: 'Bearer',
  expiresIn: 900,
};

/**
 * A bare Fastify server (no cookie plugin) whose routes call AuthCookies, as the auth controller
 * does; requests go through Fastify's own request and reply objects.
 */
async function server(): Promise<FastifyInstance> {
  const config = loadConfig({ NODE_ENV: 'test', API_PREFIX: '/api', AUTH_REFRESH_TTL_DAYS: '30' }, '/');
  const cookies = new AuthCookies(config, crypto);
  const app = Fastify();
  app.post('/deliver/:mode', async (request, reply) => {
    const { mode } = request.params as { mode: 'body' | 'cookie' };
    const { csrf } = (request.body ?? {}) as { csrf?: string };
    return cookies.deliver(TOKENS, { mode }, reply, csrf);
  });
  app.post('/clear', async (_request, reply) => {
    cookies.clear(reply);
    return {};
  });
  app.post('/refresh-token', async (request) => {
    try {
      const { refreshToken, csrf } = cookies.refreshTokenFrom(
        request,
        (request.body as { token?: string } | null)?.token,
      );
      return { token: refreshToken, ...(csrf === undefined ? {} : { csrf }) };
    } catch (error) {
      if (error instanceof AppError) return { code: error.code };
      throw error;
    }
  });
  await app.ready();
  return app;
}

describe('AuthCookies', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await server();
  });
  afterAll(async () => {
    await app.close();
  });

  it('sets the refresh cookie and the CSRF cookie with the attributes @fastify/cookie wrote before', async () => {
    const response = await app.inject({ method: 'POST', url: '/deliver/cookie' });
    const [refresh, csrf, ...others] = response.headers['set-cookie'] as string[];
    // `__Host-`: Secure, Path=/ and no Domain, so no other host can set one for this one.
    expect(csrf).toMatch(/^__Host-cn_csrf=[\w-]{32}; Max-Age=2592000; Path=\/; Secure; SameSite=Strict$/);
    const csrfValue = /^__Host-cn_csrf=([\w-]{32});/.exec(csrf ?? '')?.[1] as string;
    expect(others).toEqual([]);
    // The refresh cookie's attributes exactly as @fastify/cookie 11 serialised the same call
    // (recorded before the plugin was dropped): value URI-encoded, then Max-Age, Path, HttpOnly,
    // Secure, SameSite. The value is the token bound to the CSRF value's digest.
    expect(refresh).toBe(
      `cn_refresh=abc%2B%2F%3D%C3%A9.${digestOf(csrfValue)}; Max-Age=2592000; Path=/api/auth; HttpOnly; Secure; SameSite=Strict`,
    );
    expect(response.json()).toEqual({
      user: USER,
      accessToken: 'access',
      tokenType: 'Bearer',
      expiresIn: 900,
    });
  });

  it('sets no cookie and keeps the refresh token in the body in body mode', async () => {
    const response = await app.inject({ method: 'POST', url: '/deliver/body' });
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.json()).toMatchObject({ refreshToken: TOKENS.refreshToken });
  });

  it('clears both cookies the way @fastify/cookie cleared them', async () => {
    const response = await app.inject({ method: 'POST', url: '/clear' });
    expect(response.headers['set-cookie']).toEqual([
      'cn_refresh=; Max-Age=0; Path=/api/auth; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=Strict',
      '__Host-cn_csrf=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=Strict',
    ]);
  });

  const refresh = (cookie: string, csrf?: string) =>
    app
      .inject({
        method: 'POST',
        url: '/refresh-token',
        headers: { cookie, ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }) },
      })
      .then((response) => response.json());

  it('reads the refresh token from the cookie, URI-decoded, when the CSRF header is the cookie’s value and the one it is bound to', async () => {
    const bound = `.${digestOf('c1')}`;
    expect(await refresh(`cn_refresh=a%2Bb${bound}; __Host-cn_csrf=c1`, 'c1')).toEqual({
      token: 'a+b',
      csrf: 'c1',
    });
    expect(await refresh(` __Host-cn_csrf = c1 ;cn_refresh=r${bound} `, 'c1')).toEqual({
      token: 'r',
      csrf: 'c1',
    });
    expect(await refresh(`cn_refresh=a${bound}; __Host-cn_csrf=c1`, 'forged')).toEqual({
      code: 'CSRF_TOKEN_INVALID',
    });
    expect(await refresh(`cn_refresh=a${bound}; __Host-cn_csrf=c1`)).toEqual({ code: 'CSRF_TOKEN_INVALID' });
    expect(await refresh(`cn_refresh=a${bound}`, '')).toEqual({ code: 'CSRF_TOKEN_INVALID' });
    expect(await refresh('theme=dark', 'c1')).toEqual({ code: 'INVALID_REFRESH_TOKEN' });
    expect(await refresh('garbage', 'c1')).toEqual({ code: 'INVALID_REFRESH_TOKEN' });
    // A malformed escape stays as sent (no exception), as @fastify/cookie's parser left it.
    expect(await refresh(`cn_refresh=%E0%A4%A${bound}; __Host-cn_csrf=c1`, 'c1')).toEqual({
      token: '%E0%A4%A',
      csrf: 'c1',
    });
  });

  // Found in review (2026-12-08): the header only had to equal the CSRF cookie, a value tied to
  // nothing, so a pair anyone makes up passed with a refresh cookie left in the browser.
  it('refuses a made-up CSRF pair, even one a CSRF cookie matches', async () => {
    const victims = `cn_refresh=victim.${digestOf('victims-csrf')}`;
    expect(await refresh(`${victims}; __Host-cn_csrf=anything`, 'anything')).toEqual({
      code: 'CSRF_TOKEN_INVALID',
    });
    expect(await refresh(`${victims}; cn_csrf=anything`, 'anything')).toEqual({ code: 'CSRF_TOKEN_INVALID' });
  });

  // A sibling subdomain is the same site: it can plant cookies for the parent domain (not a
  // `__Host-` one), and a longer path puts its cn_refresh first in the header.
  it('finds the refresh cookie bound to this browser’s CSRF value among several, and takes none bound to another', async () => {
    const planted = `cn_refresh=attackers.${digestOf('attackers-csrf')}`;
    const own = `cn_refresh=mine.${digestOf('my-csrf')}`;
    expect(await refresh(`${planted}; ${own}; __Host-cn_csrf=my-csrf`, 'my-csrf')).toEqual({
      token: 'mine',
      csrf: 'my-csrf',
    });
    // A planted CSRF cookie under the old name changes nothing either.
    expect(await refresh(`cn_csrf=attackers-csrf; ${own}; __Host-cn_csrf=my-csrf`, 'my-csrf')).toEqual({
      token: 'mine',
      csrf: 'my-csrf',
    });
    expect(await refresh(`${planted}; __Host-cn_csrf=my-csrf`, 'my-csrf')).toEqual({
      code: 'CSRF_TOKEN_INVALID',
    });
    // A browser with no session of its own: the planted pair has no `__Host-` cookie behind it.
    expect(await refresh(`${planted}; cn_csrf=attackers-csrf`, 'attackers-csrf')).toEqual({
      code: 'CSRF_TOKEN_INVALID',
    });
  });

  // The form of before 2026-12-08 (an unbound cn_refresh beside a cn_csrf) is one any host of the
  // site can plant with a refresh token of its own account: it is not taken at all, also not next
  // to a session of the new form.
  it('takes no refresh cookie of the old, unbound form', async () => {
    expect(await refresh('cn_refresh=old; cn_csrf=c1', 'c1')).toEqual({ code: 'CSRF_TOKEN_INVALID' });
    expect(await refresh('cn_refresh=old; __Host-cn_csrf=c1', 'c1')).toEqual({ code: 'CSRF_TOKEN_INVALID' });
    const own = `cn_refresh=mine.${digestOf('my-csrf')}`;
    expect(await refresh(`cn_refresh=planted; cn_csrf=x; ${own}; __Host-cn_csrf=my-csrf`, 'x')).toEqual({
      code: 'CSRF_TOKEN_INVALID',
    });
    expect(await refresh(`cn_refresh=planted; ${own}; __Host-cn_csrf=my-csrf`, 'my-csrf')).toEqual({
      token: 'mine',
      csrf: 'my-csrf',
    });
  });

  it('prefers a refresh token in the body and then ignores cookies and CSRF', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/refresh-token',
      headers: { cookie: 'cn_refresh=from-cookie' },
      payload: { token: 'from-body' },
    });
    expect(response.json()).toEqual({ token: 'from-body' });
    const noCookie = await app.inject({ method: 'POST', url: '/refresh-token' });
    expect(noCookie.json()).toEqual({ code: 'INVALID_REFRESH_TOKEN' });
  });
});
