import { randomBytes } from 'node:crypto';
import type { TestServer } from './test-server.js';

/** The body of a successful sign-in. */
export interface TokenPair {
  user: { id: string; email: string; username: string; emailVerified: boolean; createdAt: string };
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** An error body. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  requestId: string;
  details?: Record<string, unknown>;
}

/** A password that is not in the common-passwords list. */
export const STRONG_PASSWORD = 'correct horse battery staple 42';

let counter = 0;

/** Fresh, unique credentials. */
export function newCredentials(): { email: string; username: string; password: string } {
  const id = `${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}`;
  return { email: `user.${id}@example.com`, username: `user_${id}`, password: STRONG_PASSWORD };
}

export async function readJson<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Registers a new account and returns its credentials and tokens (expects 201). */
export async function registerUser(server: TestServer, credentials = newCredentials()) {
  const response = await server.request('/auth/register', { method: 'POST', json: credentials });
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${await response.text()}`);
  return { credentials, tokens: await readJson<TokenPair>(response) };
}

/**
 * Registers a new account and makes it an administrator in the database (the access token it got
 * at registration still says `user`: the role is read per session, within the session cache's TTL).
 */
export async function registerAdmin(server: TestServer) {
  const admin = await registerUser(server);
  await server.database.db
    .updateTable('users')
    .set({ role: 'admin' })
    .where('id', '=', admin.tokens.user.id)
    .execute();
  return admin;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The newest mail the outbox driver kept for `to`. */
export async function latestMail(
  server: TestServer,
  to: string,
): Promise<{ subject: string; textBody: string }> {
  const row = await server.database.db
    .selectFrom('outbox')
    .select(['subject', 'textBody'])
    .where('toAddress', '=', to)
    .orderBy('createdAt', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) throw new Error(`no mail for ${to}`);
  return row;
}

/** The token in a link like …#token=XYZ inside a mail body. */
export function tokenFromMail(text: string): string {
  const match = /token=([A-Za-z0-9_-]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no token in mail: ${text}`);
  return match[1];
}

/** The 6-digit code inside a mail body (a sign-in, confirmation or second-step code). */
export function codeFromMail(text: string): string {
  const match = /\b(\d{6})\b/.exec(text);
  if (!match?.[1]) throw new Error(`no 6-digit code in mail: ${text}`);
  return match[1];
}

/** Environment for tests that are not about rate limits (the defaults would throttle a test suite). */
export const RELAXED_LIMITS = {
  RATE_LIMIT_SIGN_IN: '10000/10s',
  RATE_LIMIT_EMAIL: '10000/10s',
  RATE_LIMIT_REFRESH: '10000/10s',
};

/** The length of a TOTP step (RFC 6238's 30 s, what the API uses). */
const TOTP_STEP_MS = 30_000;

/**
 * Waits, if need be, until at least `marginMs` of the current TOTP step is left. Tests compute
 * codes for steps relative to "now" (the previous one, the next one) and the server checks them
 * a moment later against its own "now": across a step boundary a code for the previous step fell
 * out of the accepted window (a CI run failed that way). A wait for a clock condition, not a
 * fixed sleep: most calls return at once.
 */
export async function clearOfTotpStepBoundary(marginMs = 3000): Promise<void> {
  const left = TOTP_STEP_MS - (Date.now() % TOTP_STEP_MS);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
