import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, newCredentials, RELAXED_LIMITS, readJson, type TokenPair } from '../support/auth-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { reliabilityProfile } from './reliability-profile.js';

const profile = reliabilityProfile();

/** One answer that was not what a well-behaved client should get. */
interface Unexpected {
  readonly action: string;
  readonly status: number;
  readonly body: string;
}

/**
 * Issue 8, load: N concurrent clients for T seconds mixing register, login, /auth/me, refresh and
 * upload intents (POST /files/uploads, always sent, and each kind must have been sent) on the real
 * app over loopback.
 * The sign-in limits are raised, so a 429 counts as unexpected. Every answer must be the expected
 * one, and every 201 registration must exist afterwards (zero lost writes). Run twice: each client
 * with its own X-Forwarded-For address (TRUSTED_PROXIES=127.0.0.1), as distinct users would, and
 * every client on one address (users behind one NAT, or a proxy TRUSTED_PROXIES does not name), so
 * that all sign-ins update the same per-address counter row at once.
 */
describe.each([
  { addressing: 'own address per client', shared: false },
  { addressing: 'one address for all', shared: true },
])(`load (${profile.loadClients} clients, ${profile.loadSeconds} s, $addressing)`, ({ shared }) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...RELAXED_LIMITS, TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers every request as expected and loses no registration', async () => {
    const registered: string[] = [];
    const unexpected: Unexpected[] = [];
    const counts = new Map<string, number>();
    const deadline = Date.now() + profile.loadSeconds * 1000;

    const call = async (
      ip: string,
      action: string,
      path: string,
      init: RequestInit & { json?: unknown },
      expected: number,
    ) => {
      counts.set(action, (counts.get(action) ?? 0) + 1);
      const headers = { ...(init.headers as Record<string, string> | undefined), 'x-forwarded-for': ip };
      const response = await server.request(path, { ...init, headers, signal: AbortSignal.timeout(15_000) });
      if (response.status !== expected) {
        unexpected.push({ action, status: response.status, body: (await response.text()).slice(0, 300) });
        return undefined;
      }
      return response;
    };

    const register = async (ip: string): Promise<TokenPair | undefined> => {
      const credentials = newCredentials();
      const response = await call(
        ip,
        'register',
        '/auth/register',
        { method: 'POST', json: credentials },
        201,
      );
      if (!response) return undefined;
      registered.push(credentials.email);
      return readJson<TokenPair>(response);
    };

    const client = async (_: unknown, index: number) => {
      const ip = shared ? '10.9.9.9' : `10.0.${Math.floor(index / 250)}.${(index % 250) + 1}`;
      let email = '';
      let tokens = await register(ip);
      if (tokens) email = tokens.user.email;
      while (tokens && Date.now() < deadline) {
        const roll = Math.random();
        if (roll < 0.4) {
          const response = await call(ip, 'me', '/auth/me', { headers: bearer(tokens.accessToken) }, 200);
          const me = response ? await readJson<{ email: string }>(response) : undefined;
          if (me && me.email !== email) unexpected.push({ action: 'me', status: 200, body: 'someone else' });
        } else if (roll < 0.6) {
          const response = await call(
            ip,
            'refresh',
            '/auth/refresh',
            { method: 'POST', json: { refreshToken: tokens.refreshToken } },
            200,
          );
          tokens = response ? await readJson<TokenPair>(response) : undefined;
        } else if (roll < 0.75) {
          const response = await call(
            ip,
            'login',
            '/auth/login',
            { method: 'POST', json: { email, password: 'correct horse battery staple 42' } },
            200,
          );
          tokens = response ? await readJson<TokenPair>(response) : undefined;
        } else if (roll < 0.9) {
          await call(
            ip,
            'upload-intent',
            '/files/uploads',
            {
              method: 'POST',
              headers: bearer(tokens.accessToken),
              json: { purpose: 'avatar', contentType: 'image/png', size: 1024 },
            },
            201,
          );
        } else {
          tokens = await register(ip);
          if (tokens) email = tokens.user.email;
        }
      }
    };

    await Promise.all(Array.from({ length: profile.loadClients }, client));

    const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
    console.log(
      `load (${shared ? 'one address' : 'own addresses'}): ${total} requests in ${profile.loadSeconds} s (${JSON.stringify(Object.fromEntries(counts))}), ` +
        `${unexpected.length} unexpected`,
    );
    // Every intent the issue names was sent (a test audit, 2026-12-07, found the upload intents
    // quietly skipped whenever the route was missing from the OpenAPI document).
    for (const intent of ['register', 'login', 'me', 'refresh', 'upload-intent'])
      expect(counts.get(intent) ?? 0, intent).toBeGreaterThan(0);
    expect(unexpected.slice(0, 5)).toEqual([]);
    expect(unexpected).toHaveLength(0);

    // Zero lost writes: every registration answered 201 is in the database.
    const found = new Set<string>();
    for (let index = 0; index < registered.length; index += 500) {
      const rows = await server.database.db
        .selectFrom('users')
        .select('email')
        .where('email', 'in', registered.slice(index, index + 500))
        .execute();
      for (const row of rows) found.add(row.email);
    }
    expect(registered.filter((email) => !found.has(email))).toEqual([]);
    expect(registered.length).toBeGreaterThan(profile.loadClients);
  });
});
