import type { AuthTokens, AuthUser, Profile } from '../api-types';

/** The CSRF cookie page scripts read (as the API sets it). */
const CSRF = '__Host-cn_csrf';

/**
 * A stand-in for the browser's cookie jar as `document.cookie` shows it to page scripts: reading
 * lists `name=value` pairs, assigning sets one cookie, and `Max-Age=0` removes it.
 */
export class CookieJar {
  readonly values = new Map<string, string>();

  get cookie(): string {
    return [...this.values].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  set cookie(assignment: string) {
    const [pair = '', ...attributes] = assignment.split(';').map((part) => part.trim());
    const [name = '', ...value] = pair.split('=');
    if (attributes.some((attribute) => attribute.toLowerCase() === 'max-age=0')) this.values.delete(name);
    else this.values.set(name, value.join('='));
  }
}

/** How the fake answers a route: normally, with an error, or not at all (the network is down). */
export type Answer = 'ok' | 'offline' | { status: number; code: string };

export const USER: AuthUser = {
  id: 'u1',
  email: 'ada@example.com',
  username: 'ada',
  role: 'user',
  emailVerified: true,
  mfaEnabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

/**
 * The few API routes the client's session handling touches, with the API's rules for them: access
 * tokens expire (401 TOKEN_EXPIRED), the refresh compares `X-CSRF-Token` with the `__Host-cn_csrf`
 * cookie (403 CSRF_TOKEN_INVALID) and spends the single-use `cn_refresh` cookie (presenting a spent
 * one revokes the session: REFRESH_TOKEN_REUSED, as past the API's grace window), and sign-out
 * clears the cookies. Use `fetch` as `globalThis.fetch`; clients sharing one FakeApi are tabs of
 * one browser (one cookie jar).
 */
export class FakeApi {
  readonly jar = new CookieJar();
  /** Every request, as `METHOD /path` (without `/api` and the query). */
  readonly calls: string[] = [];
  refreshAnswer: Answer = 'ok';
  logoutAnswer: Answer = 'ok';
  logoutAllAnswer: Answer = 'ok';
  /**
   * The answer to `POST /auth/api-keys` (a re-authenticated change). `lockingRefusal`: a wrong
   * password that locks the account, which the API answers 403 ACCOUNT_LOCKED after revoking the
   * session the guess came from.
   */
  apiKeyAnswer: Answer | 'lockingRefusal' = 'ok';
  /** Whether a refresh sets a new CSRF value (the API did, before it kept one per session). */
  rotateCsrf = false;
  /** Whether a registration must confirm its address first (the API's AUTH_REQUIRE_EMAIL_VERIFICATION). */
  registrationNeedsConfirmation = false;
  /** Who the next sign-in signs in (another tab may sign in another account). */
  signInAs: AuthUser = USER;
  /** Whether `GET /users/me` says the account has a password (another tab may set one). */
  hasPassword = true;
  /** The session ids `DELETE /auth/sessions/:id` revoked. */
  readonly revokedSessions: string[] = [];
  readonly accessTtlSeconds = 900;
  /** How long the refresh takes between reading the cookie and rotating it (lets tabs overlap). */
  refreshLatencyMs = 0;
  /** How many of the next refreshes get no answer at all (a hung connection) until the client aborts them. */
  refreshesUnanswered = 0;
  /**
   * Held until it settles: the answer to the next request that carries an access token, judged
   * when it settles (a request in flight while the client renews its token).
   */
  holdNextAuthorized: Promise<void> | undefined;
  /** Refreshes under way now, and the most there were at once. */
  #refreshesInFlight = 0;
  maxConcurrentRefreshes = 0;
  /** The browser's `cn_refresh` (httpOnly: not in the jar page scripts read), and the spent ones. */
  #refreshCookie: string | undefined;
  readonly #spentRefreshTokens = new Set<string>();
  #sessionRevoked = false;
  /** The session the refresh cookie belongs to, and its account. */
  #session = { id: '', user: USER };
  readonly #expiry = new Map<string, number>();
  #serial = 0;
  #csrfSerial = 1;

  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'https://app.cloudnest.test');
    const path = url.pathname.replace(/^\/api/, '');
    const method = init.method ?? 'GET';
    this.calls.push(`${method} ${path}`);
    const headers = new Headers(init.headers);
    if (path === '/auth/register') {
      // As the API: 202 while addresses must be confirmed first (no session), else a sign-in.
      if (this.registrationNeedsConfirmation) return json(202, { status: 'verification_required' });
      this.#sessionRevoked = false;
      this.#session = { id: `s-${this.#serial + 1}`, user: this.signInAs };
      return this.#signIn();
    }
    if (path === '/auth/password/reset') {
      // Every session of the account ends (the cookies stay until a refresh meets the dead session).
      this.#sessionRevoked = true;
      return new Response(null, { status: 204 });
    }
    if (path === '/auth/login') {
      this.#sessionRevoked = false;
      this.#session = { id: `s-${this.#serial + 1}`, user: this.signInAs };
      return this.#signIn();
    }
    if (path === '/auth/refresh') {
      if (this.refreshesUnanswered > 0) {
        this.refreshesUnanswered -= 1;
        return unanswered(init.signal);
      }
      return this.#refresh(headers);
    }
    const token = headers.get('Authorization')?.replace(/^Bearer /, '') ?? '';
    const held = this.holdNextAuthorized;
    if (held && token) {
      this.holdNextAuthorized = undefined;
      await held;
    }
    const expiresAt = this.#expiry.get(token);
    if (expiresAt === undefined) return error(401, 'INVALID_TOKEN');
    if (Date.now() >= expiresAt) return error(401, 'TOKEN_EXPIRED');
    if (path === '/auth/logout') {
      if (this.logoutAnswer !== 'ok') return answer(this.logoutAnswer);
      this.jar.values.delete(CSRF);
      this.#refreshCookie = undefined;
      return new Response(null, { status: 204 });
    }
    if (path === '/auth/logout-all') {
      if (this.logoutAllAnswer !== 'ok') return answer(this.logoutAllAnswer);
      this.jar.values.delete(CSRF);
      this.#refreshCookie = undefined;
      this.#sessionRevoked = true;
      return new Response(null, { status: 204 });
    }
    if (path === '/auth/me') return json(200, this.#session.user);
    if (path === '/auth/sessions') return json(200, []);
    if (method === 'GET' && path === '/users/me') {
      const { id, email, username, role, emailVerified, createdAt } = this.#session.user;
      const profile: Profile = {
        ...{ id, email, username, role, emailVerified, createdAt },
        ...{ displayName: null, bio: null, avatarFileId: null, avatarUrl: null },
        hasPassword: this.hasPassword,
      };
      return json(200, profile);
    }
    if (method === 'POST' && path === '/auth/api-keys') {
      if (this.apiKeyAnswer === 'lockingRefusal') {
        this.#sessionRevoked = true;
        this.forgetTokens();
        return error(403, 'ACCOUNT_LOCKED');
      }
      if (this.apiKeyAnswer !== 'ok') return answer(this.apiKeyAnswer);
      return json(201, { id: 'key-1', name: 'ci', prefix: 'cn_live_abcd', scopes: [], key: 'cn_live_x' });
    }
    if (method === 'DELETE' && path.startsWith('/auth/sessions/')) {
      this.revokedSessions.push(decodeURIComponent(path.slice('/auth/sessions/'.length)));
      return new Response(null, { status: 204 });
    }
    return error(404, 'NOT_FOUND');
  };

  /** The browser kept the cookies of a sign-in on an earlier visit (a reload starts from them). */
  signedInEarlier(): void {
    this.#session = { id: 's-earlier', user: USER };
    this.#refreshCookie = 'refresh-earlier';
    this.jar.values.set(CSRF, 'csrf-earlier');
  }

  /** As `signedInEarlier`, before 2026-12-08: the CSRF cookie under its old name, which nothing takes. */
  signedInBeforeTheRename(): void {
    this.signedInEarlier();
    this.jar.values.delete(CSRF);
    this.jar.values.set('cn_csrf', 'csrf-earlier');
  }

  /** Every access token issued so far is unknown from now on (its session ended on the server). */
  forgetTokens(): void {
    this.#expiry.clear();
  }

  /** Every access token issued so far is expired from now on (it expired in flight, clocks differ). */
  expireTokens(): void {
    for (const token of this.#expiry.keys()) this.#expiry.set(token, Date.now());
  }

  /** The calls to one route so far. */
  count(call: string): number {
    return this.calls.filter((made) => made === call).length;
  }

  async #refresh(headers: Headers): Promise<Response> {
    // The browser attaches the cookies as the request leaves; the answer comes back later.
    const presented = this.#refreshCookie;
    const csrf = this.jar.values.get(CSRF);
    this.#refreshesInFlight += 1;
    this.maxConcurrentRefreshes = Math.max(this.maxConcurrentRefreshes, this.#refreshesInFlight);
    try {
      if (this.refreshLatencyMs > 0) await new Promise((done) => setTimeout(done, this.refreshLatencyMs));
      if (this.refreshAnswer !== 'ok') return answer(this.refreshAnswer);
      if (headers.get('X-CSRF-Token') !== csrf) return error(403, 'CSRF_TOKEN_INVALID');
      if (this.#sessionRevoked || presented === undefined) return error(401, 'INVALID_REFRESH_TOKEN');
      if (this.#spentRefreshTokens.has(presented)) {
        this.#sessionRevoked = true;
        return error(401, 'REFRESH_TOKEN_REUSED');
      }
      this.#spentRefreshTokens.add(presented);
      return this.#signIn(this.rotateCsrf);
    } finally {
      this.#refreshesInFlight -= 1;
    }
  }

  /** Tokens of the cookie's session; the access token is shaped like the API's (its payload names the session). */
  #signIn(newCsrf = true): Response {
    const payload = btoa(JSON.stringify({ sub: this.#session.user.id, sid: this.#session.id })).replace(
      /=+$/,
      '',
    );
    const accessToken = `e30.${payload}.access-${++this.#serial}`;
    this.#refreshCookie = `refresh-${this.#serial}`;
    this.#expiry.set(accessToken, Date.now() + this.accessTtlSeconds * 1000);
    if (newCsrf || !this.jar.values.has(CSRF)) this.jar.values.set(CSRF, `csrf-${this.#csrfSerial++}`);
    const tokens: AuthTokens = {
      user: this.#session.user,
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.accessTtlSeconds,
    };
    return json(200, tokens);
  }
}

/** A request nothing answers: it ends only when `signal` aborts it, rejecting as fetch does. */
function unanswered(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () =>
      reject(new DOMException('The operation was aborted.', 'AbortError')),
    );
  });
}

function answer(answer: Exclude<Answer, 'ok'>): Response {
  if (answer === 'offline') throw new TypeError('Failed to fetch');
  return error(answer.status, answer.code);
}

function error(status: number, code: string): Response {
  return json(status, { statusCode: status, code, message: `${code} (fake API)` });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
