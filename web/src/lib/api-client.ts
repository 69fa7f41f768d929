import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/browser';
import type {
  AdminUser,
  AdminUserChange,
  AdminUsersPage,
  ApiErrorBody,
  ApiKey,
  AuthTokens,
  AuthUser,
  CreatedApiKey,
  CreatedUpload,
  IdentityProof,
  MfaChallenge,
  Passkey,
  PasskeyCreationOptions,
  PasskeyRequestOptions,
  Profile,
  ProfileUpdate,
  RecoveryCodes,
  SecondStepProof,
  SecurityActivityPage,
  Session,
  SignInResult,
  StoredFile,
  TotpSetup,
} from './api-types';
import { ACCOUNT_CHANGED_CODES, messageFor, SESSION_ENDED_CODES } from './error-messages';

/**
 * The one module that talks to the API. The access token lives only in this object's memory; the
 * refresh token is an httpOnly cookie the API sets on cookie-mode sign-ins (`?mode=cookie`), so no
 * script can read it. Refreshing echoes the readable `__Host-cn_csrf` cookie in `X-CSRF-Token`
 * (the API binds the refresh cookie to that value), and runs shortly before the access token
 * expires.
 */

const API_BASE = '/api';
/** `__Host-`: no other host of the site (a sibling subdomain) can set a cookie by that name. */
const CSRF_COOKIE = '__Host-cn_csrf';
const CSRF_HEADER = 'X-CSRF-Token';
/** Refresh this many seconds before the access token expires (or halfway, for short lifetimes). */
const REFRESH_MARGIN_SECONDS = 60;
/**
 * After a refresh the API could not answer (5xx, 429, offline): try again after 5 s, doubling up to
 * a minute, each wait drawn between half the step and the whole step ("equal jitter"): clients that
 * lost the API together would otherwise all come back in the same second, and the half kept makes
 * sure none of them retries in a tight loop.
 */
const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 60_000;
/**
 * The Web Lock every tab of this origin takes around a refresh: the refresh cookie is one per
 * browser and single-use, so tabs must spend it one after another (docs/web.md, "Tokens").
 */
const REFRESH_LOCK = 'cloudnest-refresh';
/**
 * How long a refresh may go unanswered (a connection that hangs) before the tab abandons it and
 * makes it once more at once: without a limit it held the cross-tab lock, and every tab's refresh,
 * until the browser gave up on the connection. Shorter than the API's 10 s grace for a refresh
 * cookie presented twice (`AUTH_REFRESH_REUSE_GRACE_SECONDS`), so if the lost answer had rotated
 * the cookie, the second try, which presents the old one again, still gets a sibling instead of
 * ending the session as a reuse.
 */
const REFRESH_TIMEOUT_MS = 8_000;
/** The 409s of the two-step routes, and whether two-step sign-in is on when the API answers them. */
const MFA_STATE_BY_CONFLICT: Readonly<Record<string, boolean>> = {
  MFA_ALREADY_ENABLED: true,
  MFA_NOT_ENABLED: false,
};

/** An API error (or a network failure, code NETWORK_ERROR) with the sentence to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    /** Field name → problem, from VALIDATION_FAILED issues such as `body.email`. */
    readonly fieldErrors: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Called when the signed-in user changes; `endedBy` is the error code when a session ended on its own. */
export type SessionListener = (user: AuthUser | null, endedBy?: string) => void;

/**
 * Called with the signed-in account's profile each time the client reads it (`GET /users/me`) or
 * saves it, so pages that decide from it (which proof a form asks for) follow what the API says now.
 */
export type ProfileListener = (profile: Profile) => void;

/**
 * What a refresh came to: a new access token; the end of the session (the API refused the cookie, or
 * there is none); or no verdict for now (the API or the network is briefly down), which keeps the
 * session and says why there is no new token.
 */
type RefreshOutcome =
  | { status: 'renewed'; user: AuthUser }
  | { status: 'ended' }
  | { status: 'unavailable'; error: ApiError };

/** What the client takes from its surroundings, so that tests can choose it. */
export interface ApiClientEnvironment {
  /** A number in [0, 1) for the retry backoff's jitter. @default Math.random */
  readonly random?: () => number;
}

/** The part of `navigator.locks` (the Web Locks API) the refresh uses. */
interface RefreshLocks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

interface RequestOptions {
  body?: unknown;
  /** Send the Bearer token (refreshing first when needed). @default true */
  auth?: boolean;
  headers?: Record<string, string>;
}

export class ApiClient {
  #accessToken: string | null = null;
  #expiresAt = 0;
  #user: AuthUser | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #refreshing: Promise<RefreshOutcome> | null = null;
  /**
   * A sign-out did not reach the API, and the CSRF cookie was dropped: the access token in memory
   * is the only way left to end the session, and no refresh can renew it.
   */
  #signOutUnconfirmed = false;
  /** Refreshes in a row the API could not answer, for the backoff. */
  #refreshFailures = 0;
  /** The CSRF cookie's value when this tab last signed in or refreshed (a sign-in elsewhere sets another). */
  #csrfSeen: string | undefined;
  readonly #listeners = new Set<SessionListener>();
  readonly #profileListeners = new Set<ProfileListener>();
  /** The profile read under way for the listeners, shared by the focus and refusal that ask at once. */
  #profileRereading: Promise<void> | null = null;
  readonly #random: () => number;

  constructor(environment: ApiClientEnvironment = {}) {
    this.#random = environment.random ?? Math.random;
  }

  get user(): AuthUser | null {
    return this.#user;
  }

  /**
   * True while a sign-out the API did not confirm is outstanding. A new session and the end of
   * this one both clear it, and both tell the listeners, so a view reading it on each session
   * change never shows a stale "not signed out" for a later session.
   */
  get signOutPending(): boolean {
    return this.#signOutUnconfirmed;
  }

  subscribe(listener: SessionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Follows the signed-in account's profile: every one this client reads or saves from now on. A
   * page reads the profile once as it loads, but the account can change meanwhile elsewhere (a
   * password set in another tab), and a form deciding from the old copy offers a proof the API
   * refuses; the client reads it again on such a refusal (ACCOUNT_CHANGED_CODES) and when the tab
   * is looked at again (`recheck`), but only while someone follows it.
   */
  subscribeProfile(listener: ProfileListener): () => void {
    this.#profileListeners.add(listener);
    return () => this.#profileListeners.delete(listener);
  }

  // ------------------------------------------------------------ signing in and out

  /**
   * 201 signs in; 202 means the address must be confirmed first (returns null). Read from the
   * status, not the body: `#request` answers a 202 with no body, and reading one from it failed
   * every sign-up while email verification was on, every production preset's setting (found in
   * review, 2026-12-07).
   */
  async register(dto: { email: string; username: string; password: string }): Promise<AuthUser | null> {
    const response = await this.#respond('POST', '/auth/register?mode=cookie', { body: dto, auth: false });
    if (response.status === 202) return null;
    return this.#acceptSignIn((await response.json()) as AuthTokens);
  }

  /** Signs in, or answers the challenge when the account has two-step sign-in on (`verifySecondStep`). */
  login(dto: { email?: string; username?: string; password: string }): Promise<SignInResult> {
    return this.#signIn('/auth/login?mode=cookie', dto);
  }

  /** The second step of any sign-in: the challenge's token with an authenticator or recovery code. */
  async verifySecondStep(challenge: MfaChallenge, proof: SecondStepProof): Promise<AuthUser> {
    return this.#acceptSignIn(
      await this.#request<AuthTokens>('POST', '/auth/mfa/verify?mode=cookie', {
        body: { mfaToken: challenge.mfaToken, ...proof },
        auth: false,
      }),
    );
  }

  /** Options for the browser to sign in with any passkey it holds for this site (no account named). */
  passkeySignInOptions(): Promise<PasskeyRequestOptions> {
    return this.#request('POST', '/auth/passkeys/sign-in/options', { body: {}, auth: false });
  }

  /**
   * Signs in with what the browser's passkey prompt answered. The authenticator verified its user,
   * so the API never asks for the two-step code here: the answer is always tokens.
   */
  async signInWithPasskey(response: AuthenticationResponseJSON): Promise<AuthUser> {
    return this.#acceptSignIn(
      await this.#request<AuthTokens>('POST', '/auth/passkeys/sign-in?mode=cookie', {
        body: { response },
        auth: false,
      }),
    );
  }

  startEmailCode(email: string): Promise<void> {
    return this.#request('POST', '/auth/email-code/start', { body: { email }, auth: false });
  }

  /** Mails the signed-in owner of an account without a password a code to confirm a change with. */
  requestConfirmationCode(): Promise<void> {
    return this.#request('POST', '/auth/reauthentication/code');
  }

  verifyEmailCode(email: string, code: string): Promise<SignInResult> {
    return this.#signIn('/auth/email-code/verify?mode=cookie', { email, code });
  }

  /**
   * Confirming signs in. Already signed in here (the usual case: the link opens in the same
   * browser), the extra session it creates is ended at once, so no orphan is left behind.
   * A sign-up's link also needs the password chosen at sign-up (without it: 400
   * REGISTRATION_PASSWORD_REQUIRED, nothing spent); an older account's link ignores `password`.
   */
  async confirmEmail(token: string, password?: string): Promise<SignInResult> {
    const body = password === undefined ? { token } : { token, password };
    const current = this.#user;
    if (!current) return this.#signIn('/auth/email/verify/confirm?mode=cookie', body);
    const answer = await this.#respond('POST', '/auth/email/verify/confirm', {
      body,
      auth: false,
    });
    if (answer.status === 202) {
      // Two-step sign-in on: the address is confirmed but no extra session was made. The answer
      // does not say whose address it was, so the profile tells whether this account's now is
      // (best effort: the confirmation is done whether or not that read gets through).
      const emailVerified = await this.profile().then(
        (profile) => profile.emailVerified,
        () => current.emailVerified,
      );
      this.#setUser({ ...current, emailVerified });
      return { status: 'signed-in', user: { ...current, emailVerified } };
    }
    const tokens = (await answer.json()) as AuthTokens;
    if (tokens.user.id !== current.id) {
      // Another account's link (someone else's sign-up opened in this browser): the session it made
      // is ended with its own token, rather than left alive with its refresh token thrown away
      // (found in review). By revoking that session, not by signing out: the API's sign-out also
      // clears this browser's cookies, which are this account's (found in review, 2026-12-07: the
      // browser lost its own session and left it alive on the server). It stays signed in as it was.
      const otherSession = sessionIdOf(tokens.accessToken);
      if (otherSession)
        await fetch(`${API_BASE}/auth/sessions/${encodeURIComponent(otherSession)}`, {
          method: 'DELETE',
          headers: { Accept: 'application/json', Authorization: `Bearer ${tokens.accessToken}` },
          credentials: 'same-origin',
        }).catch(() => undefined);
      return { status: 'signed-in', user: current };
    }
    const sessionId = sessionIdOf(tokens.accessToken);
    if (sessionId) await this.revokeSession(sessionId).catch(() => undefined);
    this.#setUser({ ...current, emailVerified: true });
    return { status: 'signed-in', user: { ...current, emailVerified: true } };
  }

  /**
   * On page load: exchange the refresh cookie (if this browser has one) for an access token. Null
   * when there is no session. When the API could not answer (5xx, 429, offline) this throws why:
   * the session is kept and the refresh retried with backoff, and listeners hear of the user once
   * it is renewed (or of the end, if the API refuses it).
   */
  async restore(): Promise<AuthUser | null> {
    if (this.#user) return this.#user;
    if (!readCookie(CSRF_COOKIE)) {
      // A session kept through unanswered refreshes ("Reconnecting…") whose cookie is gone since
      // (another tab signed out) has ended: say so, or the page would wait for it for good.
      if (this.#refreshFailures > 0) this.#forget('INVALID_REFRESH_TOKEN');
      return null;
    }
    const outcome = await this.#refresh();
    if (outcome.status === 'unavailable') throw outcome.error;
    return outcome.status === 'renewed' ? outcome.user : this.#user;
  }

  /**
   * For when the tab is looked at again (it became visible, or got the focus): another tab may have
   * signed out, or signed in, meanwhile. This tab heard of it only at its next refresh, up to 14
   * minutes later, showing the account's pages and data meanwhile, or then went on as the account
   * that signed in (found in review, 2026-12-07). Without the CSRF cookie the session has ended;
   * with another value than this tab last saw, a refresh tells which account the cookie holds now.
   * Pages following the profile (`subscribeProfile`) get it read again too.
   */
  recheck(): void {
    if (!this.#user || this.#signOutUnconfirmed) return;
    const csrf = readCookie(CSRF_COOKIE);
    if (!csrf) {
      this.#forget('SIGNED_OUT_IN_ANOTHER_TAB');
      return;
    }
    if (csrf !== this.#csrfSeen) void this.#refresh();
    // The account itself may have changed there too (a password set): a page showing a form
    // that asks for a proof reads it again, before the form is refused. (Were the cookie another
    // account's, the refresh above ends this tab's session whatever this read says.)
    void this.#rereadProfile();
  }

  async signOut(): Promise<void> {
    await this.#endRemotely('/auth/logout');
  }

  /**
   * Signs out every session of the account. Unlike signing out here, a 401 is not what was asked:
   * this browser's session had already ended (perhaps ended by whoever else holds one), so the
   * others could not be reached from it. The session ends here with SIGN_OUT_EVERYWHERE_NOT_DONE,
   * which says so and how to finish (found in review: the page had moved on as on success).
   */
  async signOutEverywhere(): Promise<void> {
    await this.#endRemotely('/auth/logout-all', 'SIGN_OUT_EVERYWHERE_NOT_DONE');
  }

  // ------------------------------------------------------------ account

  /** Mails a link to `email`; the sign-in address changes when it is opened (`confirmEmailChange`). */
  requestEmailChange(email: string, proof: IdentityProof): Promise<void> {
    return this.#request('POST', '/auth/email/change', { body: { email, ...proof } });
  }

  /** The mailed link's token; a signed-in browser then shows the account's address as it now is. */
  async confirmEmailChange(token: string): Promise<void> {
    await this.#request('POST', '/auth/email/change/confirm', { body: { token }, auth: false });
    const current = this.#user;
    if (!current) return;
    // Best effort: the change is made, and a failed read must not report it as failed (the link is
    // spent, so trying again would say it is invalid; found in review, 2026-12-07).
    const profile = await this.profile().catch(() => undefined);
    if (profile) this.#setUser({ ...current, email: profile.email, emailVerified: profile.emailVerified });
  }

  /** Deletes the account after re-authentication; the API signs out every session, this one included. */
  async deleteAccount(proof: IdentityProof): Promise<void> {
    await this.#request('DELETE', '/users/me', { body: proof });
    this.#forget('ACCOUNT_DELETED');
  }

  requestVerification(email: string): Promise<void> {
    return this.#request('POST', '/auth/email/verify/request', { body: { email }, auth: false });
  }

  forgotPassword(email: string): Promise<void> {
    return this.#request('POST', '/auth/password/forgot', { body: { email }, auth: false });
  }

  /**
   * Sets a new password with a reset link. The API signs out every session of the account, so a
   * session held here ends too (found in review, 2026-12-07: the tab kept saying "signed in as …"
   * until its next request failed). The cookie stays: if the link was another account's, a reload
   * finds this tab's session alive and restores it; if it was this one's, the refresh fails then.
   */
  async resetPassword(token: string, password: string): Promise<void> {
    await this.#request('POST', '/auth/password/reset', { body: { token, password }, auth: false });
    this.#forget();
  }

  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.#request('POST', '/auth/password/change', { body: { currentPassword, newPassword } });
  }

  /** A first password for an account made by email code, confirmed with an emailed code. */
  setPassword(code: string, newPassword: string): Promise<void> {
    return this.#request('POST', '/auth/password/set', { body: { code, newPassword } });
  }

  sessions(): Promise<Session[]> {
    return this.#request('GET', '/auth/sessions');
  }

  revokeSession(id: string): Promise<void> {
    return this.#request('DELETE', `/auth/sessions/${encodeURIComponent(id)}`);
  }

  /** The account's security activity, newest first; `cursor` is the previous page's `nextCursor`. */
  securityActivity(cursor?: string): Promise<SecurityActivityPage> {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    return this.#request('GET', `/auth/activity${query}`);
  }

  apiKeys(): Promise<ApiKey[]> {
    return this.#request('GET', '/auth/api-keys');
  }

  /** A key outlives every session, so the API asks for the password (or an emailed code) again. */
  createApiKey(name: string, scopes: string[], proof: IdentityProof): Promise<CreatedApiKey> {
    return this.#request('POST', '/auth/api-keys', { body: { name, scopes, ...proof } });
  }

  revokeApiKey(id: string): Promise<void> {
    return this.#request('DELETE', `/auth/api-keys/${encodeURIComponent(id)}`);
  }

  // ------------------------------------------------------------ two-step sign-in

  /** Starts (or restarts) adding an authenticator; it counts once `enableTotp` gets a code from it. */
  startTotpSetup(proof: IdentityProof): Promise<TotpSetup> {
    return this.#request('POST', '/auth/mfa/totp/setup', { body: proof });
  }

  /** Turns two-step sign-in on (the API signs out the other sessions) and returns the recovery codes. */
  async enableTotp(code: string): Promise<string[]> {
    const { recoveryCodes } = await this.#request<RecoveryCodes>('POST', '/auth/mfa/totp/enable', {
      body: { code },
    });
    this.#showMfaEnabled(true);
    return recoveryCodes;
  }

  async disableTotp(proof: IdentityProof): Promise<void> {
    await this.#request('DELETE', '/auth/mfa/totp', { body: proof });
    this.#showMfaEnabled(false);
  }

  /** A new set of recovery codes; the previous ones stop working. */
  async replaceRecoveryCodes(proof: IdentityProof): Promise<string[]> {
    const { recoveryCodes } = await this.#request<RecoveryCodes>('POST', '/auth/mfa/recovery-codes', {
      body: proof,
    });
    return recoveryCodes;
  }

  // ------------------------------------------------------------ passkeys

  /** The signed-in account's passkeys, newest first. */
  async passkeys(): Promise<Passkey[]> {
    return (await this.#request<{ items: Passkey[] }>('GET', '/auth/passkeys')).items;
  }

  /** Starts adding a passkey (it can sign in on its own, so the API asks for the proof again). */
  passkeyCreationOptions(proof: IdentityProof): Promise<PasskeyCreationOptions> {
    return this.#request('POST', '/auth/passkeys/registration/options', { body: proof });
  }

  /** Stores the passkey the browser created for those options; without a name the API calls it "Passkey". */
  addPasskey(response: RegistrationResponseJSON, name?: string): Promise<Passkey> {
    return this.#request('POST', '/auth/passkeys', { body: name ? { response, name } : { response } });
  }

  /** The API trims the name and checks it as it checks a new passkey's (1 to 64 characters). */
  renamePasskey(id: string, name: string): Promise<Passkey> {
    return this.#request('PATCH', `/auth/passkeys/${encodeURIComponent(id)}`, { body: { name } });
  }

  removePasskey(id: string): Promise<void> {
    return this.#request('DELETE', `/auth/passkeys/${encodeURIComponent(id)}`);
  }

  // ------------------------------------------------------------ administration

  /** Accounts, newest first; `query` matches the start of the email or username. */
  adminUsers(query: string, cursor: string | null): Promise<AdminUsersPage> {
    const params = new URLSearchParams({ limit: '20' });
    if (query) params.set('query', query);
    if (cursor) params.set('cursor', cursor);
    return this.#request('GET', `/admin/users?${params}`);
  }

  /** Either change signs the account out everywhere; granting admin takes this admin's proof. */
  updateUserAsAdmin(id: string, change: AdminUserChange): Promise<AdminUser> {
    return this.#request('PATCH', `/admin/users/${encodeURIComponent(id)}`, { body: change });
  }

  /** A user's security activity as they see it on /activity; `cursor` is the previous page's `nextCursor`. */
  userActivityAsAdmin(userId: string, cursor?: string): Promise<SecurityActivityPage> {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    return this.#request('GET', `/admin/users/${encodeURIComponent(userId)}/activity${query}`);
  }

  // ------------------------------------------------------------ profile and files

  async profile(): Promise<Profile> {
    const profile = await this.#request<Profile>('GET', '/users/me');
    this.#tellProfile(profile);
    return profile;
  }

  async updateProfile(update: ProfileUpdate): Promise<Profile> {
    const profile = await this.#request<Profile>('PATCH', '/users/me', { body: update });
    this.#tellProfile(profile);
    if (this.#user && profile.username !== this.#user.username) {
      this.#setUser({ ...this.#user, username: profile.username });
    }
    return profile;
  }

  createUpload(purpose: 'avatar', file: { type: string; size: number }): Promise<CreatedUpload> {
    return this.#request('POST', '/files/uploads', {
      body: { purpose, contentType: file.type, size: file.size },
    });
  }

  completeUpload(fileId: string): Promise<StoredFile> {
    return this.#request('POST', `/files/${encodeURIComponent(fileId)}/complete`);
  }

  // ------------------------------------------------------------ internals

  async #request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#respond(method, path, options);
    if (response.status === 204 || response.status === 202) return undefined as T;
    return (await response.json()) as T;
  }

  /** A sign-in route: tokens, or (202) the challenge of an account with two-step sign-in on. */
  async #signIn(path: string, body: unknown): Promise<SignInResult> {
    const response = await this.#respond('POST', path, { body, auth: false });
    if (response.status === 202) return (await response.json()) as MfaChallenge;
    return { status: 'signed-in', user: this.#acceptSignIn((await response.json()) as AuthTokens) };
  }

  /** Sends a request (refreshing the access token when needed); any answer but 2xx is thrown as an ApiError. */
  async #respond(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const auth = options.auth ?? true;
    if (auth) await this.#freshToken();
    // The token the request goes with, compared after a 401 (read then, it was whatever a refresh
    // in the meantime had put there: found in review, 2026-12-07).
    const sentWith = this.#accessToken;
    let response = await this.#send(method, path, options, auth);
    if (auth && response.status === 401) {
      // The token may have expired in flight (a sleeping laptop): refresh once and retry, or just
      // retry when a refresh (the timer's, another request's) renewed it meanwhile.
      const body = await readError(response);
      if (body.code !== 'TOKEN_EXPIRED' || this.#signOutUnconfirmed) throw this.#fail(response, body);
      if (this.#accessToken === sentWith) {
        const outcome = await this.#refresh();
        if (outcome.status === 'unavailable') throw outcome.error;
      }
      // Only a new token can get another answer: the same one would meet the same 401. A refresh
      // the API refused has already ended the session (and said why).
      if (!this.#accessToken || this.#accessToken === sentWith) throw this.#fail(response, body);
      response = await this.#send(method, path, options, auth);
    }
    if (!response.ok) {
      const body = await readError(response);
      if (auth && response.status === 403 && body.code === 'ACCOUNT_LOCKED') await this.#endIfLockedOut();
      // The page offered a proof from an old copy of the account: read it again before the refusal
      // reaches the form, so the form shows the right proof beside the message instead of a dead
      // end only a reload got out of (found 2026-12-07).
      if (auth && ACCOUNT_CHANGED_CODES.has(body.code)) await this.#rereadProfile();
      throw this.#fail(response, body);
    }
    return response;
  }

  /**
   * Reads the profile again for its listeners (`subscribeProfile`), if any; best effort, since the
   * caller has its own answer to give. Reads asked for while one is under way share it.
   */
  #rereadProfile(): Promise<void> {
    if (this.#profileListeners.size === 0 || !this.#user) return Promise.resolve();
    this.#profileRereading ??= this.profile()
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.#profileRereading = null;
      });
    return this.#profileRereading;
  }

  #tellProfile(profile: Profile): void {
    for (const listener of this.#profileListeners) listener(profile);
  }

  /**
   * After a re-authentication answered 403 ACCOUNT_LOCKED: a wrong guess that locked the account
   * also revoked the session it came from, so ask the API whether this one is still alive and end
   * it here if not, saying why. Without this the page stayed signed in, and the next request's
   * 401 said only that the session was signed out, never that the account was locked and a reset
   * unlocks it (found in review, 2026-12-07). An account locked before the guess keeps its
   * session, and so does a probe that gets no answer.
   */
  async #endIfLockedOut(): Promise<void> {
    const probe = await this.#send('GET', '/auth/me', {}, true).catch(() => undefined);
    if (probe?.status === 401) this.#forget('ACCOUNT_LOCKED');
  }

  async #send(method: string, path: string, options: RequestOptions, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth) {
      // No token: the session already ended (and listeners were told why), or never began.
      if (!this.#accessToken) throw this.#ended('UNAUTHENTICATED');
      headers.Authorization = `Bearer ${this.#accessToken}`;
    }
    try {
      return await fetch(`${API_BASE}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', messageFor('NETWORK_ERROR'));
    }
  }

  /** Turns an error response into an ApiError; a dead session also signs this browser out. */
  #fail(response: Response, body: ApiErrorBody): ApiError {
    if (SESSION_ENDED_CODES.has(body.code) && response.status === 401) this.#forget(body.code);
    // Two-step sign-in was turned on or off elsewhere (another tab): the refusal says which it is now.
    const mfaEnabled = Object.hasOwn(MFA_STATE_BY_CONFLICT, body.code)
      ? MFA_STATE_BY_CONFLICT[body.code]
      : undefined;
    if (mfaEnabled !== undefined) this.#showMfaEnabled(mfaEnabled);
    return toApiError(response.status, body);
  }

  #ended(code: string): ApiError {
    if (this.#user) this.#forget(code);
    return new ApiError(401, code, messageFor(code));
  }

  async #freshToken(): Promise<void> {
    if (this.#signOutUnconfirmed) return;
    if (this.#accessToken && Date.now() < this.#expiresAt - 5_000) return;
    if (!this.#accessToken && !readCookie(CSRF_COOKIE)) return;
    const outcome = await this.#refresh();
    // A token that has run out would only earn a certain 401: say why there is no new one instead.
    if (outcome.status === 'unavailable' && Date.now() >= this.#expiresAt) throw outcome.error;
  }

  /**
   * One refresh at a time, since refresh tokens are single-use: concurrent callers in this tab share
   * the same exchange, and tabs take turns through a Web Lock. Inside the lock the tab still makes
   * its own exchange: it needs its own access token (tokens are never passed between tabs), and the
   * cookie it reads there is the one the previous holder's answer just set, never a spent one. A
   * browser without Web Locks keeps only the in-tab sharing (and the API's grace window).
   */
  #refresh(): Promise<RefreshOutcome> {
    const locks = refreshLocks();
    this.#refreshing ??= (
      locks ? locks.request(REFRESH_LOCK, () => this.#exchangeCookie()) : this.#exchangeCookie()
    ).finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #exchangeCookie(): Promise<RefreshOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      const csrf = readCookie(CSRF_COOKIE);
      if (!csrf) {
        // Also for a session kept through unanswered refreshes and not restored yet (see restore).
        this.#forget(this.#user || this.#refreshFailures > 0 ? 'INVALID_REFRESH_TOKEN' : undefined);
        return { status: 'ended' };
      }
      let response: Response;
      try {
        response = await postRefresh(csrf);
      } catch (error) {
        // Unanswered in time: once more at once (REFRESH_TIMEOUT_MS says why that is safe).
        if (error instanceof RefreshUnanswered && attempt === 1) continue;
        // Offline, or unanswered twice: keep the session (the cookie is still good); try again later.
        return this.#unavailable(new ApiError(0, 'NETWORK_ERROR', messageFor('NETWORK_ERROR')));
      }
      if (response.status === 401 || response.status === 403) {
        this.#forget((await readError(response)).code);
        return { status: 'ended' };
      }
      // Rate limited or the API is briefly down: no verdict on the session, so keep it; try again later.
      if (!response.ok) return this.#unavailable(toApiError(response.status, await readError(response)));
      const tokens = (await response.json()) as AuthTokens;
      if (this.#user && tokens.user.id !== this.#user.id) {
        // The cookie holds another account's session now (it signed in in another tab): adopted,
        // this tab would go on as that account under the first one's pages and data (found in
        // review, 2026-12-07). Its cookie stays, the other tab's.
        // This tab's own session can no longer be reached from this browser (the cookie is the
        // other account's): ended with its access token while that still works (best effort;
        // found in review, 2026-12-07: it stayed active for its 30 days).
        if (this.#accessToken) endSessionQuietly(this.#accessToken);
        this.#forget('SIGNED_IN_AS_SOMEONE_ELSE', { keepCookie: true });
        return { status: 'ended' };
      }
      return { status: 'renewed', user: this.#accept(tokens) };
    }
  }

  /**
   * A refresh without an answer: keeps the session and tries again with backoff, so the token is
   * renewed once the API is back without waiting for a click (the expiry timer has already fired).
   * Also with no user yet: a page load whose first refresh failed still holds a session (the
   * cookie it just sent), and the retry's success is what signs the page in.
   */
  #unavailable(error: ApiError): RefreshOutcome {
    const step = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.#refreshFailures);
    const delay = step / 2 + (step / 2) * this.#random();
    this.#refreshFailures += 1;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#refresh(), delay);
    return { status: 'unavailable', error };
  }

  /**
   * A sign-in's tokens. Signing in while signed in (the sign-in page offers it) replaces this
   * browser's refresh cookie, so the session before it could no longer be reached from here: it is
   * ended with its own access token (best effort; found in review, 2026-12-07: it stayed active for
   * its 30 days).
   */
  #acceptSignIn(tokens: AuthTokens): AuthUser {
    const previous = this.#accessToken;
    const previousSession = previous === null ? undefined : sessionIdOf(previous);
    const user = this.#accept(tokens);
    if (previous !== null && previousSession !== sessionIdOf(tokens.accessToken)) endSessionQuietly(previous);
    return user;
  }

  #accept(tokens: AuthTokens): AuthUser {
    this.#accessToken = tokens.accessToken;
    this.#csrfSeen = readCookie(CSRF_COOKIE);
    this.#expiresAt = Date.now() + tokens.expiresIn * 1000;
    this.#refreshFailures = 0;
    this.#signOutUnconfirmed = false;
    clearTimeout(this.#timer);
    const margin = Math.min(REFRESH_MARGIN_SECONDS, tokens.expiresIn / 2);
    this.#timer = setTimeout(() => void this.#refresh(), (tokens.expiresIn - margin) * 1000);
    this.#setUser(tokens.user);
    return tokens.user;
  }

  /**
   * Signs out on the server first. A 401 means the session had already ended there, which is what
   * was asked. Any other failure (5xx, offline) left it alive there: saying "signed out" would be
   * untrue, so this throws SIGN_OUT_NOT_CONFIRMED and keeps the token in memory for "Try again";
   * the CSRF cookie is dropped at once so that a reload cannot sign back in meanwhile.
   *
   * That token is then the only way to reach the session: once it has expired (or the API says
   * TOKEN_EXPIRED), no refresh can renew it without the CSRF cookie, and the API cannot be told.
   * The browser is signed out here, with SIGNED_OUT_HERE_ONLY as the reason: the session may live on
   * the server until it expires, and the page says so (with how to end it) instead of "signed out".
   */
  async #endRemotely(path: string, refusedBecause?: string): Promise<void> {
    if (this.#signOutUnconfirmed && Date.now() >= this.#expiresAt) {
      this.#forget('SIGNED_OUT_HERE_ONLY');
      return;
    }
    try {
      await this.#request('POST', path);
    } catch (caught) {
      if (this.#signOutUnconfirmed && caught instanceof ApiError && caught.code === 'TOKEN_EXPIRED') {
        this.#forget('SIGNED_OUT_HERE_ONLY');
        return;
      }
      if (!(caught instanceof ApiError && caught.status === 401)) {
        expireCookie(CSRF_COOKIE);
        this.#signOutUnconfirmed = true;
        // Without the cookie a refresh can only fail and end the session with a wrong reason.
        clearTimeout(this.#timer);
        this.#timer = undefined;
        throw new ApiError(
          caught instanceof ApiError ? caught.status : 0,
          'SIGN_OUT_NOT_CONFIRMED',
          messageFor('SIGN_OUT_NOT_CONFIRMED'),
          caught instanceof ApiError ? caught.requestId : undefined,
        );
      }
      this.#forget(refusedBecause);
      return;
    }
    this.#forget();
  }

  /**
   * Drops the in-memory session; `endedBy` tells listeners why it ended on its own. `keepCookie`:
   * the cookie is another session's, alive (another tab signed in), not this one's.
   */
  #forget(endedBy?: string, { keepCookie = false }: { keepCookie?: boolean } = {}): void {
    // Another tab may have signed in since this one last did: the cookie is then that session's,
    // alive, and a stale request's 401 here must not end it (found in review, 2026-12-07).
    const cookieOfAnotherSession = this.#csrfSeen !== undefined && readCookie(CSRF_COOKIE) !== this.#csrfSeen;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#refreshFailures = 0;
    this.#signOutUnconfirmed = false;
    this.#accessToken = null;
    this.#expiresAt = 0;
    this.#csrfSeen = undefined;
    // A dead session's CSRF cookie would only make every page load try (and fail) a refresh.
    if (endedBy && !keepCookie && !cookieOfAnotherSession) expireCookie(CSRF_COOKIE);
    if (this.#user || endedBy) {
      this.#user = null;
      for (const listener of this.#listeners) listener(null, endedBy);
    }
  }

  #showMfaEnabled(mfaEnabled: boolean): void {
    if (this.#user && this.#user.mfaEnabled !== mfaEnabled) this.#setUser({ ...this.#user, mfaEnabled });
  }

  #setUser(user: AuthUser): void {
    this.#user = user;
    for (const listener of this.#listeners) listener(user);
  }
}

function toApiError(status: number, body: ApiErrorBody): ApiError {
  const fieldErrors: Record<string, string> = {};
  for (const issue of body.details?.issues ?? []) {
    const field = issue.path.split('.').slice(1).join('.') || issue.path;
    fieldErrors[field] ??= issue.message;
  }
  const first = body.details?.issues?.[0];
  const message =
    body.code === 'VALIDATION_FAILED' && first
      ? `${messageFor(body.code)} (${first.path.split('.').pop()}: ${first.message})`
      : messageFor(body.code, body.message);
  return new ApiError(status, body.code, message, body.requestId, fieldErrors);
}

/** A refresh abandoned after {@link REFRESH_TIMEOUT_MS} without a whole answer. */
class RefreshUnanswered extends Error {}

/**
 * `POST /auth/refresh` with its answer read in full, abandoned (RefreshUnanswered) when headers and
 * body have not both arrived within REFRESH_TIMEOUT_MS: a body that never ends held the lock as
 * surely as headers that never come.
 */
async function postRefresh(csrf: string): Promise<Response> {
  const abandon = new AbortController();
  const timer = setTimeout(() => abandon.abort(), REFRESH_TIMEOUT_MS);
  try {
    const answer = await fetch(`${API_BASE}/auth/refresh?mode=cookie`, {
      method: 'POST',
      headers: { Accept: 'application/json', [CSRF_HEADER]: csrf },
      credentials: 'same-origin',
      cache: 'no-store',
      signal: abandon.signal,
    });
    const body = await answer.arrayBuffer();
    return new Response(body.byteLength > 0 ? body : null, {
      status: answer.status,
      headers: answer.headers,
    });
  } catch (error) {
    throw abandon.signal.aborted ? new RefreshUnanswered('no answer in time', { cause: error }) : error;
  } finally {
    clearTimeout(timer);
  }
}

async function readError(response: Response): Promise<ApiErrorBody> {
  try {
    const body = (await response.clone().json()) as Partial<ApiErrorBody>;
    if (typeof body.code === 'string') return body as ApiErrorBody;
  } catch {
    // Not JSON: a proxy or load balancer answered (502/504), not the API.
  }
  const code = response.status >= 500 ? 'SERVICE_UNAVAILABLE' : 'BAD_REQUEST';
  return { statusCode: response.status, code, message: messageFor(code) };
}

/** The `sid` claim of an access token (read, not verified: only used to end that session). */
/**
 * Ends the session `accessToken` belongs to (DELETE /auth/sessions/:sid with its own token), not
 * waiting and ignoring the answer: for a session this browser is about to lose its way to.
 */
function endSessionQuietly(accessToken: string): void {
  const session = sessionIdOf(accessToken);
  if (session === undefined) return;
  void fetch(`${API_BASE}/auth/sessions/${encodeURIComponent(session)}`, {
    method: 'DELETE',
    headers: { Accept: 'application/json', Authorization: `Bearer ${accessToken}` },
    credentials: 'same-origin',
  }).catch(() => undefined);
}

function sessionIdOf(accessToken: string): string | undefined {
  try {
    const payload = accessToken.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const sid = (JSON.parse(json) as { sid?: unknown }).sid;
    return typeof sid === 'string' ? sid : undefined;
  } catch {
    return undefined;
  }
}

/** The browser's Web Locks, when it has them (every current browser, in a secure context). */
function refreshLocks(): RefreshLocks | undefined {
  return typeof navigator === 'undefined' ? undefined : navigator.locks;
}

function readCookie(name: string): string | undefined {
  if (typeof document === 'undefined') return undefined;
  for (const part of document.cookie.split(';')) {
    // Only the spaces the browser puts after each `;`: `trim()` also strips Unicode spaces, and a
    // sibling subdomain may set "\u2000__Host-cn_csrf", which browsers do not hold to the prefix's
    // rules, and which then read as ours (found in review, 2026-12-08).
    const [key, ...value] = part.replace(/^ +/, '').split('=');
    if (key === name) return decodedCookieValue(value.join('='));
  }
  return undefined;
}

/**
 * A cookie's value, percent-decoded when it is valid percent-encoding and as it is otherwise (as the
 * API's cookie parser reads it): a malformed one, which a sibling subdomain could set while the CSRF
 * cookie was not `__Host-`, threw a URIError that left every page "Reconnecting…" for good (found in
 * review, 2026-12-07).
 */
function decodedCookieValue(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function expireCookie(name: string): void {
  if (typeof document === 'undefined') return;
  // biome-ignore lint/suspicious/noDocumentCookie: the readable CSRF cookie is ours to drop; no Cookie Store API in every browser.
  document.cookie = `${name}=; Max-Age=0; Path=/; Secure; SameSite=Strict`;
}

/** The app's single API client (one per browser tab). */
export const api = new ApiClient();
