import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  type ErrorBody,
  newCredentials,
  RELAXED_LIMITS,
  readJson,
  type TokenPair,
} from '../support/auth-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Parses Set-Cookie headers into name → {value, attributes}. */
function cookiesOf(response: Response): Map<string, { value: string; attributes: string }> {
  const cookies = new Map<string, { value: string; attributes: string }>();
  for (const header of response.headers.getSetCookie()) {
    const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
    const [name = '', value = ''] = pair.split('=');
    cookies.set(name, { value, attributes: attributes.join('; ').toLowerCase() });
  }
  return cookies;
}

describe('cookie mode for browsers (?mode=cookie)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...RELAXED_LIMITS, API_PREFIX: '/api' });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function signUpWithCookies() {
    const response = await server.request('/api/auth/register?mode=cookie', {
      method: 'POST',
      json: newCredentials(),
    });
    expect(response.status).toBe(201);
    return { body: await readJson<Partial<TokenPair>>(response), cookies: cookiesOf(response) };
  }

  it('keeps the refresh token out of the body, in an httpOnly Secure SameSite=Strict cookie scoped to /api/auth', async () => {
    const { body, cookies } = await signUpWithCookies();
    expect(body.accessToken).toBeDefined();
    expect(body).not.toHaveProperty('refreshToken');
    const refresh = cookies.get('cn_refresh');
    expect(refresh?.value.length).toBeGreaterThanOrEqual(43);
    expect(refresh?.attributes).toContain('httponly');
    expect(refresh?.attributes).toContain('secure');
    expect(refresh?.attributes).toContain('samesite=strict');
    expect(refresh?.attributes).toContain('path=/api/auth');
    const csrf = cookies.get('__Host-cn_csrf');
    expect(csrf?.attributes).not.toContain('httponly');
  });

  it('refreshes from the cookie when X-CSRF-Token matches, and rotates the cookie', async () => {
    const { cookies } = await signUpWithCookies();
    const cookieHeader = `cn_refresh=${cookies.get('cn_refresh')?.value}; __Host-cn_csrf=${cookies.get('__Host-cn_csrf')?.value}`;
    const response = await server.request('/api/auth/refresh?mode=cookie', {
      method: 'POST',
      headers: { cookie: cookieHeader, 'x-csrf-token': cookies.get('__Host-cn_csrf')?.value ?? '' },
    });
    expect(response.status).toBe(200);
    expect(await readJson<Partial<TokenPair>>(response)).not.toHaveProperty('refreshToken');
    const rotated = cookiesOf(response).get('cn_refresh')?.value;
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(cookies.get('cn_refresh')?.value);
  });

  // Found in review (2026-12-07): without ?mode=cookie a page script holding the readable CSRF value
  // got the refresh token in the body, out of the httpOnly cookie that keeps it from scripts.
  it('answers a refresh from the cookie in cookie mode even without ?mode=cookie', async () => {
    const { cookies } = await signUpWithCookies();
    const csrf = cookies.get('__Host-cn_csrf')?.value ?? '';
    const response = await server.request('/api/auth/refresh', {
      method: 'POST',
      headers: {
        cookie: `cn_refresh=${cookies.get('cn_refresh')?.value}; __Host-cn_csrf=${csrf}`,
        'x-csrf-token': csrf,
      },
    });
    expect(response.status).toBe(200);
    const body = await readJson<Partial<TokenPair>>(response);
    expect(body.accessToken).toBeDefined();
    expect(body).not.toHaveProperty('refreshToken');
    const rotated = cookiesOf(response).get('cn_refresh');
    expect(rotated?.value).not.toBe(cookies.get('cn_refresh')?.value);
    expect(rotated?.attributes).toContain('httponly');
  });

  // Found in review: a new CSRF value per refresh refused a second tab that had read the value
  // before the first tab's refresh replaced it, and the web app then signed every tab out.
  it('keeps the CSRF value across refreshes, so a tab holding it is not refused after another tab refreshed', async () => {
    const { cookies } = await signUpWithCookies();
    const csrf = cookies.get('__Host-cn_csrf')?.value ?? '';
    const first = await server.request('/api/auth/refresh?mode=cookie', {
      method: 'POST',
      headers: {
        cookie: `cn_refresh=${cookies.get('cn_refresh')?.value}; __Host-cn_csrf=${csrf}`,
        'x-csrf-token': csrf,
      },
    });
    expect(first.status).toBe(200);
    const after = cookiesOf(first);
    expect(after.get('__Host-cn_csrf')?.value).toBe(csrf);
    // The second tab read the value before the first refresh and sends the cookies the browser now holds.
    const second = await server.request('/api/auth/refresh?mode=cookie', {
      method: 'POST',
      headers: {
        cookie: `cn_refresh=${after.get('cn_refresh')?.value}; __Host-cn_csrf=${after.get('__Host-cn_csrf')?.value}`,
        'x-csrf-token': csrf,
      },
    });
    expect(second.status).toBe(200);
  });

  it('refuses a cookie refresh without the CSRF header or with a wrong one (403 CSRF_TOKEN_INVALID)', async () => {
    const { cookies } = await signUpWithCookies();
    const cookieHeader = `cn_refresh=${cookies.get('cn_refresh')?.value}; __Host-cn_csrf=${cookies.get('__Host-cn_csrf')?.value}`;
    const missing = await server.request('/api/auth/refresh?mode=cookie', {
      method: 'POST',
      headers: { cookie: cookieHeader },
    });
    expect(missing.status).toBe(403);
    expect((await readJson<ErrorBody>(missing)).code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await server.request('/api/auth/refresh?mode=cookie', {
      method: 'POST',
      headers: { cookie: cookieHeader, 'x-csrf-token': 'forged-value' },
    });
    expect((await readJson<ErrorBody>(wrong)).code).toBe('CSRF_TOKEN_INVALID');
  });

  // Found in review (2026-12-08): the header only had to equal a cn_csrf cookie, so with the
  // refresh cookie left in a browser (a sign-out that never reached the API drops only the CSRF
  // cookie), anyone there, or a sibling subdomain, could make up a pair and be signed in.
  it('refuses the real refresh cookie with a made-up CSRF pair, and takes it with its own', async () => {
    const { cookies } = await signUpWithCookies();
    const refreshCookie = `cn_refresh=${cookies.get('cn_refresh')?.value}`;
    const madeUp = await server.request('/api/auth/refresh?mode=cookie', {
      method: 'POST',
      headers: { cookie: `${refreshCookie}; __Host-cn_csrf=made-up`, 'x-csrf-token': 'made-up' },
    });
    expect(madeUp.status).toBe(403);
    expect((await readJson<ErrorBody>(madeUp)).code).toBe('CSRF_TOKEN_INVALID');
    const csrf = cookies.get('__Host-cn_csrf')?.value ?? '';
    // The same made-up value under the cookie's old name, which any host of the site can set.
    const oldName = await server.request('/api/auth/refresh?mode=cookie', {
      method: 'POST',
      headers: { cookie: `${refreshCookie}; cn_csrf=made-up`, 'x-csrf-token': 'made-up' },
    });
    expect((await readJson<ErrorBody>(oldName)).code).toBe('CSRF_TOKEN_INVALID');
    // Its own value in the header but not in its `__Host-` cookie (a browser where only the refresh
    // cookie is left) is not enough either.
    const noCookie = await server.request('/api/auth/refresh?mode=cookie', {
      method: 'POST',
      headers: { cookie: refreshCookie, 'x-csrf-token': csrf },
    });
    expect((await readJson<ErrorBody>(noCookie)).code).toBe('CSRF_TOKEN_INVALID');
    const own = await server.request('/api/auth/refresh?mode=cookie', {
      method: 'POST',
      headers: { cookie: `${refreshCookie}; __Host-cn_csrf=${csrf}`, 'x-csrf-token': csrf },
    });
    expect(own.status).toBe(200);
  });

  // Browsers signed in before 2026-12-08 hold an unbound refresh cookie and `cn_csrf`: a form any
  // host of the site can plant with a token of its own account, so it is refused (they sign in again).
  it('refuses the cookies of before the binding, even with the header their cn_csrf holds', async () => {
    const registered = await server.request('/api/auth/register', { method: 'POST', json: newCredentials() });
    const { refreshToken } = await readJson<TokenPair>(registered);
    const response = await server.request('/api/auth/refresh', {
      method: 'POST',
      headers: { cookie: `cn_refresh=${refreshToken}; cn_csrf=old-value`, 'x-csrf-token': 'old-value' },
    });
    expect(response.status).toBe(403);
    expect((await readJson<ErrorBody>(response)).code).toBe('CSRF_TOKEN_INVALID');
  });

  it('clears the cookies on logout', async () => {
    const { body } = await signUpWithCookies();
    const response = await server.request('/api/auth/logout', {
      method: 'POST',
      headers: bearer(body.accessToken ?? ''),
    });
    expect(response.status).toBe(204);
    const cleared = cookiesOf(response);
    expect(cleared.get('cn_refresh')?.value).toBe('');
    expect(cleared.get('cn_refresh')?.attributes).toMatch(/expires=thu, 01 jan 1970|max-age=0/);
  });

  it('rejects an unknown mode', async () => {
    const response = await server.request('/api/auth/login?mode=jar', {
      method: 'POST',
      json: { email: 'a@example.com', password: 'x' },
    });
    expect(response.status).toBe(400);
    expect((await readJson<ErrorBody>(response)).code).toBe('VALIDATION_FAILED');
  });
});
