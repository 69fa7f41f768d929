import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository, UNUSABLE_PASSWORD_HASH } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { Database } from '../database/database.factory.js';
import type { OneTimeTokenPurpose, SignInMethod, UserRow } from '../database/database.types.js';
import { Transactions } from '../database/transactions.js';
import { type MailRecipient, MailService } from '../mail/mail.service.js';
import { ACCOUNT_PURGE_AFTER_MS } from '../users/account-retention.js';
import { newUserRow } from '../users/new-user.js';
import { UsersRepository } from '../users/users.repository.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import type {
  AuthTokensDto,
  EmailCodeVerifyDto,
  EmailOnlyDto,
  EmailVerificationConfirmDto,
  LoginDto,
  MfaChallengeDto,
  PasswordChangeDto,
  PasswordResetDto,
  PasswordSetDto,
  ReauthenticationDto,
  RegisterDto,
  SessionDto,
  UserDto,
} from './auth.dto.js';
import { mapAuthUser } from './auth.mapper.js';
import type { ClientInfo, UserAuth } from './auth-context.js';
import { clientNetwork } from './client-network.js';
import { CommonPasswordsRepository } from './common-passwords.repository.js';
import { describeDevice } from './device-description.js';
import { JwtRepository } from './jwt.repository.js';
import { linkWithToken } from './mailed-link.js';
import { MfaRepository } from './mfa.repository.js';
import { type OneTimeTokenRow, OneTimeTokensRepository } from './one-time-tokens.repository.js';
import { PasskeysRepository } from './passkeys.repository.js';
import { PendingRegistrationsRepository } from './pending-registrations.repository.js';
import { RateLimitService } from './rate-limit.service.js';
import { SecurityActivityService } from './security-activity.service.js';
import { SessionStatusCache } from './session-status.cache.js';
import { type NewSession, SessionsRepository } from './sessions.repository.js';
import { UniformResponse } from './uniform-response.js';

/** A freshly issued pair; the controller decides whether the refresh token travels in the body or a cookie. */
export type IssuedTokens = AuthTokensDto & { refreshToken: string };

/** A sign-in route's answer: tokens, or (two-step sign-in on) the challenge for POST /auth/mfa/verify. */
export type SignInResult = IssuedTokens | MfaChallengeDto;

/** Registration either signs the user in (201) or asks them to confirm their email (202). */
export type RegisterResult =
  | { readonly status: 201; readonly body: IssuedTokens }
  | { readonly status: 202; readonly body: { status: 'verification_required' } };

/**
 * A passed re-authentication: the account, and the spending of the proof, which the change it
 * authorises runs first in its own transaction. An emailed confirmation code is used only if the
 * change commits (a change that fails leaves it usable for a retry).
 */
export interface ConfirmedIdentity {
  readonly user: UserRow;
  /**
   * Locks the account's row in `trx` and holds the proof to it: CONFIRMATION_INTERRUPTED when the
   * password changed or the account was disabled since the proof was checked; then uses
   * the confirmation code, INVALID_CODE (rolling the change back) when a concurrent request used
   * it first.
   */
  readonly spend: (trx: Database) => Promise<void>;
}

const EMAIL_CODE_TTL_MS = 10 * 60 * 1000;
const EMAIL_CODE_MAX_ATTEMPTS = 5;
const VERIFICATION_TTL_MS = 24 * 60 * 60 * 1000;
const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;
/** Wrong passwords a sign-up's link takes before the sign-up ends. */
const REGISTRATION_PASSWORD_ATTEMPTS = 5;
/** Sign-ins from a new device that are mailed to the owner (see `startSession`). */
const NEW_DEVICE_MAIL_METHODS: ReadonlySet<SignInMethod> = new Set([
  'password',
  'passkey',
  'authenticator',
  'recovery_code',
]);

/** Time to open the authenticator app and type its code after the password was accepted. */
const MFA_CHALLENGE_TTL_MS = 5 * 60 * 1000;

/**
 * The Auth Manager: registration, password and email-code sign-in, refresh-token rotation with
 * reuse detection, sessions, email verification, password reset/change and lockout. All I/O goes
 * through repositories; every secret handed out is random and stored only as a digest.
 */
@Injectable()
export class AuthService {
  constructor(
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(SessionStatusCache) private readonly sessionCache: SessionStatusCache,
    @Inject(OneTimeTokensRepository) private readonly oneTimeTokens: OneTimeTokensRepository,
    @Inject(PendingRegistrationsRepository)
    private readonly pendingRegistrations: PendingRegistrationsRepository,
    @Inject(JwtRepository) private readonly jwt: JwtRepository,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(RateLimitService) private readonly rateLimits: RateLimitService,
    @Inject(UniformResponse) private readonly uniform: UniformResponse,
    @Inject(CommonPasswordsRepository) private readonly commonPasswords: CommonPasswordsRepository,
    @Inject(MailService) private readonly mail: MailService,
    @Inject(SecurityActivityService) private readonly activity: SecurityActivityService,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ApiKeysRepository) private readonly apiKeys: ApiKeysRepository,
    @Inject(PasskeysRepository) private readonly passkeys: PasskeysRepository,
    @Inject(MfaRepository) private readonly mfa: MfaRepository,
  ) {}

  // ------------------------------------------------------------------ registration and sign-in

  async register(dto: RegisterDto, client: ClientInfo): Promise<RegisterResult> {
    await this.rateLimits.consume(
      'signIn',
      `register:ip:${clientNetwork(client.ip)}`,
      `register:account:${dto.email}`,
    );
    // With verification on, every registration mails the address (a link, or "you already have an
    // account"): the mail limit per address keeps it from being used to flood someone's inbox.
    if (this.config.auth.requireEmailVerification)
      await this.rateLimits.consume('email', `address:${dto.email}`);
    await this.assertPasswordAcceptable(dto.password);
    // Hash before looking anything up, so "email exists" and "new account" take the same time.
    const passwordHash = await this.crypto.hashPassword(dto.password);
    // With verification on, the answer is the same for a new and an existing address; the work is not.
    if (this.config.auth.requireEmailVerification)
      return this.uniform.run((answerBy) => this.registerPending(dto, passwordHash, answerBy));
    const now = this.clock.now();
    const user = newUserRow({
      id: this.crypto.uuid(),
      email: dto.email,
      username: dto.username,
      passwordHash,
      emailVerifiedAt: null,
      now,
    });
    const created = await this.createSignedIn(user, client, now, 'registration');
    if (created === 'username') throw new AppError('USERNAME_TAKEN');
    if (created === 'email') throw new AppError('EMAIL_TAKEN');
    return { status: 201, body: created };
  }

  /**
   * Registration with email verification: nothing becomes an account before its link is opened
   * (`confirmEmailVerification`). A new address gets a pending registration and the link; an
   * address with an account gets a notice. Both check the username against accounts alone and
   * answer alike, and neither reserves anything: an account made here at once took the username
   * and answered sign-ins with EMAIL_NOT_VERIFIED, while a taken address made nothing, so
   * registering the same fresh username again, or signing in with the password just chosen, told
   * the two apart (found in review).
   */
  private async registerPending(
    dto: RegisterDto,
    passwordHash: string,
    answerBy: number | undefined,
  ): Promise<RegisterResult> {
    // A taken username is a 409 whatever the address: answering 202 first would tell anyone
    // holding a username known to be taken which addresses have accounts.
    if (await this.users.findByUsername(dto.username)) throw new AppError('USERNAME_TAKEN');
    const existing = await this.users.findByEmail(dto.email);
    if (existing?.deletedAt) {
      // "Sign in instead" was a dead end for an account deleted and not yet erased: signing in and
      // resetting the password are refused (found in review, 2026-12-07). The address is free
      // again once the purge has erased the account.
      const erasedBy = new Date(existing.deletedAt.getTime() + ACCOUNT_PURGE_AFTER_MS);
      await this.mail.sendBefore(
        answerBy,
        dto.email,
        'addressOfDeletedAccount',
        erasedBy.toISOString().slice(0, 10),
      );
      return { status: 202, body: { status: 'verification_required' } };
    }
    if (existing) {
      await this.mail.sendBefore(
        answerBy,
        dto.email,
        'accountExists',
        `${this.config.publicBaseUrl}/sign-in`,
      );
      return { status: 202, body: { status: 'verification_required' } };
    }
    const token = this.crypto.randomToken(32);
    const now = this.clock.now();
    await this.pendingRegistrations.create({
      id: this.crypto.uuid(),
      email: dto.email,
      username: dto.username,
      passwordHash,
      tokenHash: this.crypto.sha256(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + VERIFICATION_TTL_MS),
    });
    await this.mailVerificationLink(dto.email, dto.username, token, answerBy);
    return { status: 202, body: { status: 'verification_required' } };
  }

  /**
   * Creates an account with its first session and the sign-in's activity, all in one transaction
   * with `alongside` (what the account is made from): a failure between the writes left an account
   * behind although the client was told registration failed (found by the outage test). Resolves
   * to the tokens, or to the field another account already holds.
   */
  private async createSignedIn(
    user: UserRow,
    client: ClientInfo,
    now: Date,
    method: SignInMethod,
    alongside?: (trx: Database) => Promise<void>,
  ): Promise<IssuedTokens | 'email' | 'username'> {
    const session = this.newSession(user.id, client, now, method);
    const collision = await this.users.create(user, async (trx) => {
      await alongside?.(trx);
      await this.sessions.create(session.record, trx);
      await this.activity.record(this.activity.event(user.id, 'signed_in', { client }, method), trx);
    });
    return collision ?? this.tokenResponse(user, session.record.id, session.refreshToken, now);
  }

  async login(dto: LoginDto, client: ClientInfo): Promise<SignInResult> {
    const identifier = dto.email ?? dto.username ?? '';
    await this.rateLimits.consume(
      'signIn',
      `login:ip:${clientNetwork(client.ip)}`,
      `login:account:${identifier}`,
    );
    const started = this.clock.now().getTime();
    const user = dto.email
      ? await this.users.findByEmail(dto.email)
      : await this.users.findByUsername(identifier);
    const now = this.clock.now();
    const lockedOut = user?.lockedUntil != null && user.lockedUntil > now;
    if (!user || user.passwordHash === null || user.deletedAt !== null || lockedOut) {
      // Same work as a real failed check (hash verify + failure bookkeeping), so unknown,
      // password-less and locked accounts are indistinguishable from a wrong password, also by timing.
      await this.crypto.verifyPassword(UNUSABLE_PASSWORD_HASH, dto.password);
      await this.users.incrementFailedLogins(this.crypto.uuid());
      await this.uniform.padFrom(started);
      throw new AppError('INVALID_CREDENTIALS');
    }
    if (!(await this.crypto.verifyPassword(user.passwordHash, dto.password))) {
      // The failure that locks the account also mails its owner.
      await this.recordFailedLogin(user, now, {
        attempt: { client, method: 'password' },
        answerBy: this.uniform.answerBy(started),
      });
      await this.uniform.padFrom(started);
      throw new AppError('INVALID_CREDENTIALS');
    }
    if (user.disabledAt !== null) throw new AppError('ACCOUNT_DISABLED');
    if (this.config.auth.requireEmailVerification && user.emailVerifiedAt === null) {
      throw new AppError('EMAIL_NOT_VERIFIED');
    }
    // With two-step sign-in on, the password alone is not a successful sign-in: the failure count
    // is cleared only when the second step succeeds, so wrong authenticator codes (which count too)
    // cannot be reset by signing in with the password again.
    if (user.mfaEnabledAt === null && (user.failedLoginCount > 0 || user.lockedUntil !== null))
      await this.users.update(user.id, { failedLoginCount: 0, lockedUntil: null, updatedAt: now });
    const signingIn = await this.rehashedIfOutdated(user, user.passwordHash, dto.password, now);
    return this.signIn(signingIn, client, 'password');
  }

  /**
   * The account with its password hashed again when the stored hash used older parameters. The
   * session check compares the hash the sign-in was decided on with the row's, so it must be given
   * the new one (until 2026-12-07, found in review, every rehash ended in 409 SIGN_IN_INTERRUPTED);
   * and the hash is replaced only if it is still the one verified, so a reset that committed
   * meanwhile keeps its password and this sign-in is the one refused.
   */
  private async rehashedIfOutdated(
    user: UserRow,
    storedHash: string,
    password: string,
    now: Date,
  ): Promise<UserRow> {
    if (!this.crypto.passwordNeedsRehash(storedHash)) return user;
    const passwordHash = await this.crypto.hashPassword(password);
    const replaced = await this.users.replacePasswordHash(user.id, storedHash, passwordHash, now);
    return replaced ? { ...user, passwordHash } : user;
  }

  // ------------------------------------------------------------------ tokens and sessions

  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const tokenHash = this.crypto.sha256(refreshToken);
    const owner = await this.sessions.sessionOfRefreshToken(tokenHash);
    if (!owner) throw new AppError('INVALID_REFRESH_TOKEN');
    // Outside the exchange's transaction: the limiter uses its own (a 1-connection pool must not deadlock).
    await this.rateLimits.consume('refresh', `session:${owner.sessionId}`);
    const now = this.clock.now();
    const graceMs = this.config.auth.refreshReuseGraceSeconds * 1000;
    const nextToken = this.crypto.randomToken(32);
    const outcome = await this.sessions.withLockedRefreshToken(tokenHash, async (token, tx) => {
      if (!token || token.sessionRevokedAt !== null || token.sessionExpiresAt <= now)
        return 'invalid' as const;
      const next = {
        id: this.crypto.uuid(),
        sessionId: token.sessionId,
        tokenHash: this.crypto.sha256(nextToken),
      };
      if (token.rotatedAt === null) {
        await tx.rotate(token.id, now, next);
        return token;
      }
      // Concurrent refreshes with the same token (two tabs, a retry) within the grace window get a
      // sibling token; anything else presenting a used token is treated as theft.
      const withinGrace = now.getTime() - token.rotatedAt.getTime() <= graceMs;
      if (withinGrace && !(await tx.hasRotatedChild(token.id))) {
        await tx.rotate(token.id, now, next);
        return token;
      }
      await tx.revokeSession(token.sessionId, now, 'refresh_token_reused');
      await this.activity.record(this.activity.event(token.userId, 'refresh_token_reused', 'system'), tx.db);
      return 'reused' as const;
    });
    if (outcome === 'invalid') throw new AppError('INVALID_REFRESH_TOKEN');
    if (outcome === 'reused') {
      this.sessionCache.invalidate([owner.sessionId]);
      this.logger.warn(
        { sessionId: owner.sessionId, userId: owner.userId },
        'refresh token reuse: session revoked',
      );
      throw new AppError('REFRESH_TOKEN_REUSED');
    }
    const user = await this.users.findById(outcome.userId);
    if (!user || user.deletedAt !== null || user.disabledAt !== null)
      throw new AppError('INVALID_REFRESH_TOKEN');
    return this.tokenResponse(user, outcome.sessionId, nextToken, now);
  }

  async logout(auth: UserAuth): Promise<void> {
    await this.sessions.revoke(auth.userId, auth.sessionId, this.clock.now(), 'logout');
    this.sessionCache.invalidate([auth.sessionId]);
  }

  async logoutAll(auth: UserAuth, client: ClientInfo): Promise<void> {
    const now = this.clock.now();
    const revoked = await this.activity.withEvents(
      async (trx) => {
        // The account's row first, as every change that retires its links takes it.
        await this.users.lockById(auth.userId, trx);
        await this.retireOutstandingLinks(auth.userId, now, trx);
        return this.sessions.revokeAll(auth.userId, now, 'logout_all', undefined, trx);
      },
      this.activity.event(auth.userId, 'signed_out_everywhere', { client }),
    );
    this.sessionCache.invalidate(revoked);
  }

  /**
   * The links that act on the account, retired when the password is reset or changed or every
   * session signed out: those are what the owner does to take the account back. A change of
   * sign-in address requested before is the one these exist to stop: whoever had the password
   * asked for it, and the link went to their mailbox (found in review, 2026-12-07: it still
   * worked, so the advice of the "change requested" mail, "reset your password", did not help).
   * A reset link mailed before could still reset the password the owner just chose, and sign out
   * every session, for the rest of its hour (found in review the same day). The owner asks again
   * if either was theirs.
   */
  private retireOutstandingLinks(userId: string, now: Date, trx: Database): Promise<void> {
    return this.oneTimeTokens
      .retireAll(userId, 'email_change', now, trx)
      .then(() => this.oneTimeTokens.retireAll(userId, 'password_reset', now, trx));
  }

  // A promise chain, not an async function: the hottest authenticated route keeps no suspended
  // frame here while it waits for a pool connection (PrecompiledQuery.execute explains why).
  me(auth: UserAuth): Promise<UserDto> {
    return this.users.findById(auth.userId).then((user) => {
      if (!user || user.deletedAt !== null) throw new AppError('SESSION_REVOKED');
      return mapAuthUser(user);
    });
  }

  async listSessions(auth: UserAuth): Promise<SessionDto[]> {
    const rows = await this.sessions.listActive(auth.userId, this.clock.now());
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.createdAt.toISOString(),
      lastUsedAt: row.lastUsedAt.toISOString(),
      userAgent: row.userAgent,
      ip: row.ip,
      signInMethod: row.signInMethod,
      current: row.id === auth.sessionId,
    }));
  }

  async revokeSession(auth: UserAuth, sessionId: string): Promise<void> {
    if (!(await this.sessions.revoke(auth.userId, sessionId, this.clock.now(), 'revoked_by_user'))) {
      throw new AppError('SESSION_NOT_FOUND');
    }
    this.sessionCache.invalidate([sessionId]);
  }

  // ------------------------------------------------------------------ email verification

  /** Always 202: sends a link only when the address belongs to an unverified account. */
  async requestEmailVerification(dto: EmailOnlyDto, client: ClientInfo): Promise<void> {
    await this.rateLimits.consume('email', `ip:${clientNetwork(client.ip)}`, `address:${dto.email}`);
    await this.uniform.run(async (answerBy) => {
      const user = await this.users.findByEmail(dto.email);
      // Not for a registration waiting for its link (found in review): the newest registration of an
      // address may be someone else's, and a new link for it would hand the owner that account (and
      // void their own link). A lost link is replaced by registering again.
      if (user && user.emailVerifiedAt === null && user.deletedAt === null && user.disabledAt === null)
        await this.sendVerification(user, answerBy);
    });
  }

  /**
   * Marks the address verified and signs in (or answers the second step's challenge). The link is
   * read first (whose account decides what the sign-in writes) and spent in the sign-in's
   * transaction with the verification: a failure between them cannot leave a spent link and an
   * unverified address, and of two uses at once one signs in.
   */
  async confirmEmailVerification(
    dto: EmailVerificationConfirmDto,
    client: ClientInfo,
  ): Promise<SignInResult> {
    await this.rateLimits.consume('signIn', `verify:ip:${clientNetwork(client.ip)}`);
    const now = this.clock.now();
    const tokenHash = this.crypto.sha256(dto.token);
    const link = await this.oneTimeTokens.findLive('email_verification', tokenHash, now);
    if (!link) return this.confirmRegistration(tokenHash, dto.password, client, now);
    const user = await this.accountOfLink(link);
    // Every other way in refuses a disabled account; the link, which signs in, does too.
    if (user.disabledAt !== null) throw new AppError('ACCOUNT_DISABLED');
    if (
      this.config.auth.requireEmailVerification &&
      user.emailVerifiedAt === null &&
      user.passwordHash !== null
    )
      await this.checkRegistrantPassword(user, user.passwordHash, dto.password, client, now);
    const verified = { ...user, emailVerifiedAt: user.emailVerifiedAt ?? now };
    return this.signIn(verified, client, 'email_link', async (trx) => {
      if (!(await this.oneTimeTokens.consume('email_verification', tokenHash, now, trx)))
        throw new AppError('INVALID_OR_EXPIRED_TOKEN');
      if (user.emailVerifiedAt === null)
        await this.users.update(user.id, { emailVerifiedAt: now, updatedAt: now }, trx);
    });
  }

  /**
   * An account still unverified while verification is required (made before registrations were
   * held apart, or while verification was off) was never signed in to, and its password was chosen
   * by whoever registered the address. Its link proves the mailbox, not that password, so it takes
   * the password too, as a pending registration's does (found in review, 2026-12-07: the owner
   * verifying a squatter's account by its link let the squatter sign in with theirs). An owner who
   * does not know it resets it, or signs in by emailed code, which drops it. A wrong one counts
   * towards the lockout; the link stays unspent.
   */
  private async checkRegistrantPassword(
    user: UserRow,
    passwordHash: string,
    password: string | undefined,
    client: ClientInfo,
    now: Date,
  ): Promise<void> {
    if (password === undefined) throw new AppError('REGISTRATION_PASSWORD_REQUIRED');
    if (user.lockedUntil !== null && user.lockedUntil > now) throw new AppError('ACCOUNT_LOCKED');
    if (await this.crypto.verifyPassword(passwordHash, password)) return;
    await this.recordFailedLogin(user, now, { attempt: { client, method: 'email_link' } });
    throw new AppError('REGISTRATION_PASSWORD_WRONG');
  }

  /**
   * A pending registration's link: makes the account (address verified) and signs it in, ending
   * every registration of the address in the same transaction. The first link of an address
   * opened wins; if the address or the username became an account's since, the registration is
   * spent and the answer says which (409 EMAIL_TAKEN / USERNAME_TAKEN: register again).
   */
  private async confirmRegistration(
    tokenHash: string,
    password: string | undefined,
    client: ClientInfo,
    now: Date,
  ): Promise<SignInResult> {
    const pending = await this.pendingRegistrations.findLive(tokenHash, now);
    if (!pending) throw new AppError('INVALID_OR_EXPIRED_TOKEN');
    // The link proves the mailbox; the password proves this is the registrant. Without it, the
    // owner of an address someone else registered made that account, with its password, by opening
    // the link mailed to them (docs/auth.md).
    if (password === undefined) throw new AppError('REGISTRATION_PASSWORD_REQUIRED');
    if (!(await this.pendingRegistrations.spendAttempt(pending.id, REGISTRATION_PASSWORD_ATTEMPTS))) {
      await this.pendingRegistrations.delete(pending.id);
      throw new AppError('INVALID_OR_EXPIRED_TOKEN');
    }
    if (!(await this.crypto.verifyPassword(pending.passwordHash, password)))
      throw new AppError('REGISTRATION_PASSWORD_WRONG');
    const user = newUserRow({
      id: this.crypto.uuid(),
      email: pending.email,
      username: pending.username,
      passwordHash: pending.passwordHash,
      emailVerifiedAt: now,
      now,
    });
    const created = await this.createSignedIn(user, client, now, 'email_link', async (trx) => {
      if (!(await this.pendingRegistrations.consumeAll(pending.email, tokenHash, trx)))
        throw new AppError('INVALID_OR_EXPIRED_TOKEN');
    });
    if (typeof created === 'object') return created;
    // The account's insert comes first in its transaction, so a second use of the same link racing
    // the first meets the first's account here: that link is spent, not taken (found in review).
    if (!(await this.pendingRegistrations.findLive(tokenHash, this.clock.now())))
      throw new AppError('INVALID_OR_EXPIRED_TOKEN');
    if (created === 'email') {
      // The address has an account: none of its registrations can become one.
      await this.pendingRegistrations.deleteForEmail(pending.email);
      throw new AppError('EMAIL_TAKEN');
    }
    await this.pendingRegistrations.delete(pending.id);
    throw new AppError('USERNAME_TAKEN');
  }

  // ------------------------------------------------------------------ passwords

  /** Always 202, whether or not the address has an account. */
  async forgotPassword(dto: EmailOnlyDto, client: ClientInfo): Promise<void> {
    await this.rateLimits.consume('email', `ip:${clientNetwork(client.ip)}`, `address:${dto.email}`);
    await this.uniform.run((answerBy) => this.sendPasswordReset(dto, answerBy));
  }

  private async sendPasswordReset(dto: EmailOnlyDto, answerBy: number | undefined): Promise<void> {
    const user = await this.users.findByEmail(dto.email);
    if (!user || user.deletedAt !== null) return;
    const token = await this.issueOneTimeToken('password_reset', user, PASSWORD_RESET_TTL_MS);
    await this.mail.sendBefore(
      answerBy,
      user,
      'passwordReset',
      linkWithToken(this.config.publicBaseUrl, '/reset-password', token),
    );
  }

  /** Single-use token; sets the password, unlocks the account and signs out every session. */
  async resetPassword(dto: PasswordResetDto, client: ClientInfo): Promise<void> {
    await this.rateLimits.consume('signIn', `reset:ip:${clientNetwork(client.ip)}`);
    await this.assertPasswordAcceptable(dto.password);
    const passwordHash = await this.crypto.hashPassword(dto.password);
    const now = this.clock.now();
    // The link is spent in the transaction that changes the password and ends the sessions: a
    // failure between them cannot leave a used link and the old password.
    const { revoked } = await this.activity.withEvents(
      async (trx) => {
        // The account's row before the link's, the order of every change that retires an
        // account's links (a password change, signing out everywhere): the link's first
        // deadlocked with them (found in review, 2026-12-07).
        await this.lockOwnerOfLink('password_reset', dto.token, now, trx);
        const user = await this.userForToken('password_reset', dto.token, trx);
        // The link proves the mailbox for the first time, with verification required: whatever
        // the address's unproven registrant set up goes, as when an emailed code proves it first
        // (found in review, 2026-12-07: their keys, passkeys and second step outlived the reset).
        const registrantSessions =
          this.config.auth.requireEmailVerification && user.emailVerifiedAt === null
            ? await this.endRegistrantAccess(user.id, now, trx)
            : [];
        await this.users.update(
          user.id,
          {
            passwordHash,
            failedLoginCount: 0,
            lockedUntil: null,
            // Receiving the reset link proves control of the mailbox.
            emailVerifiedAt: user.emailVerifiedAt ?? now,
            updatedAt: now,
          },
          trx,
        );
        // A second step started with the old password must not finish after the reset (found in
        // review: its challenge lived on for its five minutes).
        await this.oneTimeTokens.retireAll(user.id, 'mfa_challenge', now, trx);
        await this.retireOutstandingLinks(user.id, now, trx);
        return {
          user,
          revoked: [
            ...registrantSessions,
            ...(await this.sessions.revokeAll(user.id, now, 'password_reset', undefined, trx)),
          ],
        };
      },
      ({ user }) => [this.activity.event(user.id, 'password_reset', { client })],
    );
    this.sessionCache.invalidate(revoked);
  }

  /** Changes the password of the signed-in user and signs out their other sessions. */
  /**
   * A first password for an account made by email code, confirmed with a confirmation code (the
   * account has no other proof). Other sessions stay: nothing suggests they are not the owner's,
   * unlike a reset, which exists for a lost or leaked password. The owner is mailed.
   */
  async setPassword(auth: UserAuth, dto: PasswordSetDto, client: ClientInfo): Promise<void> {
    const account = await this.ownAccount(auth);
    if (account.passwordHash !== null) throw new AppError('ACCOUNT_HAS_PASSWORD');
    // Before the code is spent, so a refused password does not cost the owner another mail.
    await this.assertPasswordAcceptable(dto.newPassword);
    const { user, spend } = await this.confirmIdentity(auth, { code: dto.code });
    const passwordHash = await this.crypto.hashPassword(dto.newPassword);
    const notice = await this.activity.withEvents(
      async (trx) => {
        await spend(trx);
        await this.users.update(user.id, { passwordHash, updatedAt: this.clock.now() }, trx);
        return this.mail.queue(trx, user, 'passwordSet');
      },
      this.activity.event(user.id, 'password_set', { client }),
    );
    await this.mail.deliver(notice);
  }

  async changePassword(auth: UserAuth, dto: PasswordChangeDto, client: ClientInfo): Promise<void> {
    const user = await this.ownAccount(auth);
    await this.checkOwnPassword(user, dto.currentPassword, auth.sessionId);
    await this.assertPasswordAcceptable(dto.newPassword);
    const passwordHash = await this.crypto.hashPassword(dto.newPassword);
    const now = this.clock.now();
    const { revoked, notice } = await this.activity.withEvents(
      async (trx) => {
        await this.lockUnchanged(user, trx, { password: dto.currentPassword, sessionId: auth.sessionId });
        await this.users.update(user.id, { passwordHash, updatedAt: now }, trx);
        await this.oneTimeTokens.retireAll(user.id, 'mfa_challenge', now, trx);
        await this.retireOutstandingLinks(user.id, now, trx);
        return {
          revoked: await this.sessions.revokeAll(user.id, now, 'password_changed', auth.sessionId, trx),
          notice: await this.mail.queue(trx, user, 'passwordChanged'),
        };
      },
      this.activity.event(user.id, 'password_changed', { client }),
    );
    this.sessionCache.invalidate(revoked);
    await this.mail.deliver(notice);
  }

  /**
   * Re-authentication before a change a stolen access token alone must not be enough for
   * (deleting the account, minting an API key that outlives every session, changing the sign-in
   * address): the password, or for an account without one, a code from
   * POST /auth/reauthentication/code. Guesses are rate-limited per account and wrong passwords
   * count towards the sign-in lockout, so a token is no password oracle. Resolves to the account's
   * row (the caller mails its owner about the change) and the proof's `spend`, which the caller
   * runs in the transaction of the change. Refusals a caller can foresee (a limit, a no-op) belong
   * before this call, so they do not cost the owner a code either.
   */
  async confirmIdentity(auth: UserAuth, proof: ReauthenticationDto): Promise<ConfirmedIdentity> {
    const user = await this.ownAccount(auth);
    if (user.passwordHash !== null) {
      if (proof.password === undefined)
        throw new AppError(
          'REAUTHENTICATION_REQUIRED',
          'Confirm it is you: send your password as `password`.',
        );
      await this.checkOwnPassword(user, proof.password, auth.sessionId);
      const { password } = proof;
      return { user, spend: (trx) => this.lockUnchanged(user, trx, { password, sessionId: auth.sessionId }) };
    }
    const { code } = proof;
    if (code === undefined) {
      throw new AppError(
        'REAUTHENTICATION_REQUIRED',
        'This account has no password: ask POST /auth/reauthentication/code for a code and send it as `code`.',
      );
    }
    await this.rateLimits.consume('signIn', `reauth:account:${user.id}`);
    const now = this.clock.now();
    // Wrong codes count towards the lockout as wrong passwords do (found in review, 2026-12-07:
    // three codes a minute, five guesses each, let a session guess on without end).
    if (user.lockedUntil !== null && user.lockedUntil > now) throw new AppError('ACCOUNT_LOCKED');
    // The attempt commits now (a wrong guess counts even if nothing else happens); the code is used
    // with the change.
    const row = await this.oneTimeTokens.attemptCode(
      user.email,
      'reauthentication_code',
      now,
      EMAIL_CODE_MAX_ATTEMPTS,
      (candidate) => this.crypto.constantTimeEquals(candidate.tokenHash, this.codeDigest(candidate.id, code)),
      'keep',
    );
    if (!row) return this.refuseReauthentication(user, auth.sessionId, now, 'INVALID_CODE');
    if (user.failedLoginCount > 0) await this.users.update(user.id, { failedLoginCount: 0, updatedAt: now });
    return {
      user,
      spend: async (trx) => {
        // The account's row before the code's, the order of every change that retires an
        // account's tokens (on MySQL those lock every token row of the account; found in review,
        // 2026-12-07).
        await this.lockUnchanged(user, trx);
        if (!(await this.oneTimeTokens.markUsed(row.id, this.clock.now(), trx)))
          throw new AppError('INVALID_CODE');
      },
    };
  }

  /**
   * In the transaction of a change confirmed by `confirmed`'s password or code: locks the account's
   * row and refuses with CONFIRMATION_INTERRUPTED if, since the proof was checked, the password
   * changed (a reset, another change) or the account was disabled. A password reset
   * takes this row first, so without the check a change confirmed just before the reset could
   * commit just after it: a thief's password change overwrote the owner's new password, and an
   * address change got a link the reset never retired (found in review, 2026-12-07).
   * @param byPassword the password that was the proof and the session that sent it: a hash that
   *   changed meanwhile still holds that password when a sign-in only re-hashed it with newer
   *   parameters, which is no interruption (until 2026-12-07 that refused the change too). A reset
   *   or change to the same password also leaves a hash that holds it, but signs the session out,
   *   so the session must still be live as well (found in review, 2026-12-07).
   */
  private async lockUnchanged(
    confirmed: UserRow,
    trx: Database,
    byPassword?: { readonly password: string; readonly sessionId: string },
  ): Promise<void> {
    const current = await this.users.lockById(confirmed.id, trx);
    // A deletion meanwhile is not a refusal here: a second deletion sent at once (a double click)
    // waits for the first and answers as it did (UsersService.deleteMe).
    if (!current || current.disabledAt !== null) throw new AppError('CONFIRMATION_INTERRUPTED');
    if (current.passwordHash === confirmed.passwordHash) return;
    const rehashed =
      byPassword !== undefined &&
      current.passwordHash !== null &&
      (await this.sessions.isLiveIn(byPassword.sessionId, this.clock.now(), trx)) &&
      (await this.crypto.verifyPassword(current.passwordHash, byPassword.password));
    if (!rehashed) throw new AppError('CONFIRMATION_INTERRUPTED');
  }

  /**
   * Mails the code an account without a password confirms a sensitive change with. Only the
   * signed-in owner can ask (a sign-in code is not accepted, so the mail can say what the code is
   * for: someone holding a session of the account asked for it, and if that was not the owner,
   * the mail says what to do). Rate-limited per account like other mails.
   */
  async sendReauthenticationCode(auth: UserAuth): Promise<void> {
    const user = await this.ownAccount(auth);
    if (user.passwordHash !== null) throw new AppError('ACCOUNT_HAS_PASSWORD');
    await this.rateLimits.consume('email', `reauthentication-code:account:${user.id}`);
    const code = await this.issueCode('reauthentication_code', user.email, user.id);
    await this.mail.send(user, 'reauthenticationCode', code, `${this.config.publicBaseUrl}/sessions`);
  }

  // ------------------------------------------------------------------ email codes (seed 003's "Continue")

  /** Always 202: mails a 6-digit code to existing accounts (and to new addresses when sign-up by code is on). */
  async startEmailCode(dto: EmailOnlyDto, client: ClientInfo): Promise<void> {
    await this.rateLimits.consume('email', `ip:${clientNetwork(client.ip)}`, `address:${dto.email}`);
    await this.uniform.run((answerBy) => this.sendEmailCode(dto, answerBy));
  }

  private async sendEmailCode(dto: EmailOnlyDto, answerBy: number | undefined): Promise<void> {
    const user = await this.users.findByEmail(dto.email);
    if (user ? user.deletedAt !== null || user.disabledAt !== null : !this.config.auth.emailCodeSignup)
      return;
    const code = await this.issueCode('email_code', dto.email, user?.id ?? null);
    await this.mail.sendBefore(answerBy, dto.email, 'signInCode', code);
  }

  /** A new 6-digit code of `purpose` for the address (retiring its earlier ones); returns the code. */
  private async issueCode(
    purpose: 'email_code' | 'reauthentication_code',
    email: string,
    userId: string | null,
  ): Promise<string> {
    const now = this.clock.now();
    const id = this.crypto.uuid();
    const code = this.crypto.randomDigits(6);
    await this.oneTimeTokens.issue({
      id,
      purpose,
      email,
      userId,
      tokenHash: this.codeDigest(id, code),
      now,
      expiresAt: new Date(now.getTime() + EMAIL_CODE_TTL_MS),
    });
    return code;
  }

  async verifyEmailCode(dto: EmailCodeVerifyDto, client: ClientInfo): Promise<SignInResult> {
    await this.rateLimits.consume(
      'signIn',
      `code:ip:${clientNetwork(client.ip)}`,
      `code:address:${dto.email}`,
    );
    const started = this.clock.now().getTime();
    const now = this.clock.now();
    let user = await this.users.findByEmail(dto.email);
    // A locked account takes no code, right or wrong: the lock is what bounds the guesses. An
    // address without an account has a budget of guesses instead, and takes none once it is spent.
    const locked =
      user === undefined
        ? !(await this.rateLimits.codeGuessesLeft(dto.email))
        : user.lockedUntil !== null && user.lockedUntil > now;
    // The attempt commits now; the code is used in the transaction of the session (or challenge)
    // it buys, so a sign-in that fails leaves it usable, and of two racing with it one commits.
    const row = locked
      ? undefined
      : await this.oneTimeTokens.attemptCode(
          dto.email,
          'email_code',
          now,
          EMAIL_CODE_MAX_ATTEMPTS,
          (candidate) =>
            this.crypto.constantTimeEquals(candidate.tokenHash, this.codeDigest(candidate.id, dto.code)),
          'keep',
        );
    if (!row) {
      // Wrong codes count towards the account's lockout like wrong passwords (found in review:
      // five guesses per code and a new code every 20 s were ~21,600 guesses a day, with no limit
      // per account). Unknown and locked addresses do the same bookkeeping, and every failure is
      // padded, so the answer does not tell whether the address has an account.
      if (user && !locked && user.deletedAt === null)
        await this.recordFailedLogin(user, now, {
          attempt: { client, method: 'email_code' },
          answerBy: this.uniform.answerBy(started),
        });
      else await this.users.incrementFailedLogins(this.crypto.uuid());
      await this.uniform.padFrom(started);
      throw new AppError('INVALID_CODE');
    }
    if (!user) {
      if (!this.config.auth.emailCodeSignup) throw new AppError('INVALID_CODE');
      // Made before the code is used: a retry after a failed sign-in finds it (no second account).
      user = await this.createPasswordlessUser(dto.email, now);
    }
    if (user.deletedAt !== null) throw new AppError('INVALID_CODE');
    if (user.disabledAt !== null) throw new AppError('ACCOUNT_DISABLED');
    const verifies = user.emailVerifiedAt === null;
    // With verification required, an unverified account has never been signed in to, and its
    // password (if any) was chosen by whoever registered the address without proving they hold
    // it. The code proves the mailbox, not that: kept, the password would let someone who
    // registered the owner's address first sign in as soon as the owner verified it by signing in
    // (account pre-hijacking, found in review). The owner can set a password of their own.
    const dropsPassword = verifies && this.config.auth.requireEmailVerification && user.passwordHash !== null;
    const changes: Parameters<UsersRepository['update']>[1] = {
      // The code came to the address, so it is verified now.
      ...(verifies ? { emailVerifiedAt: now } : {}),
      ...(dropsPassword ? { passwordHash: null } : {}),
      // The registrant's second step goes with their password (ended below): the owner signs in.
      ...(dropsPassword && user.mfaEnabledAt !== null ? { mfaEnabledAt: null } : {}),
      // A completed sign-in clears the failure count, as a password's does (with two-step sign-in
      // on, only the second step completes it).
      ...(user.mfaEnabledAt === null && user.failedLoginCount > 0 ? { failedLoginCount: 0 } : {}),
    };
    const userId = user.id;
    let registrantSessions: string[] = [];
    const result = await this.signIn({ ...user, ...changes }, client, 'email_code', async (trx) => {
      if (!(await this.oneTimeTokens.markUsed(row.id, now, trx))) throw new AppError('INVALID_CODE');
      if (dropsPassword) registrantSessions = await this.endRegistrantAccess(userId, now, trx);
      if (Object.keys(changes).length > 0)
        await this.users.update(userId, { ...changes, updatedAt: now }, trx);
    });
    this.sessionCache.invalidate(registrantSessions);
    return result;
  }

  /**
   * Everything whoever registered the address may have set up while it was unproven (verification
   * was off, or the account predates it), ended when the owner first proves the mailbox (an
   * emailed code or a reset link): their sessions, pending links, API keys, passkeys and second step. Dropping the password alone left the registrant
   * refreshing their sessions, calling with their keys and signing in with their passkey, and a
   * second step of theirs asked the owner for a code from the registrant's app (found in review,
   * 2026-12-07). Resolves to the sessions revoked.
   */
  private async endRegistrantAccess(userId: string, now: Date, trx: Database): Promise<string[]> {
    const sessions = await this.sessions.revokeAll(userId, now, 'registrant_replaced', undefined, trx);
    // Their links too: an address change they asked for would hand them the account back.
    await this.retireOutstandingLinks(userId, now, trx);
    await this.oneTimeTokens.retireAll(userId, 'mfa_challenge', now, trx);
    await this.apiKeys.revokeAllOf(userId, now, trx);
    await this.passkeys.deleteAllOf(userId, trx);
    await this.mfa.disable(userId, now, trx);
    return sessions;
  }

  // ------------------------------------------------------------------ internals

  /**
   * The end of every first factor (password, emailed code, verification link): a session, or for
   * an account with two-step sign-in on, a challenge. Issuing one retires the account's earlier
   * challenge, so an account has one live challenge and its five guesses at a time.
   */
  private async signIn(
    user: UserRow,
    client: ClientInfo,
    method: SignInMethod,
    /** Writes that must commit with the session, or with the second step's challenge. */
    alongside?: (trx: Database) => Promise<void>,
  ): Promise<SignInResult> {
    if (user.mfaEnabledAt === null) return this.startSession(user, client, method, alongside);
    // The challenge records nothing in the activity (the sign-in is recorded when it completes).
    const mfaToken = await this.transactions.run(async (trx) => {
      // The account's row before the tokens `alongside` spends, as in startSession.
      await this.users.lockById(user.id, trx);
      await alongside?.(trx);
      // As for a session (startSession): a reset or change that committed since the decision retired
      // the challenges it found and would miss this one, which the second step then completes
      // against the new row (found in review, 2026-12-07: an old-password sign-in racing the
      // owner's reset on a two-step account kept its way in). Locked, a later change waits for the
      // challenge and retires it; an earlier one is seen here.
      const current = await this.users.lockById(user.id, trx);
      if (!current || signInGroundsChanged(user, current)) throw new AppError('SIGN_IN_INTERRUPTED');
      return this.issueOneTimeToken('mfa_challenge', user, MFA_CHALLENGE_TTL_MS, trx);
    });
    return { status: 'mfa_required', mfaToken, expiresIn: MFA_CHALLENGE_TTL_MS / 1000 };
  }

  /**
   * A new session for an account that passed every step of signing in; `method` names the last
   * step. A sign-in with something a thief could hold (a password, a passkey, a second-step code)
   * from a device the account has not signed in from lately is mailed to the owner; one with an
   * emailed code or link is not (the owner's mailbox was the proof, and just received that mail).
   */
  async startSession(
    user: UserRow,
    client: ClientInfo,
    method: SignInMethod,
    /** Writes that must commit with the session or not at all (the second step's code, its challenge). */
    alongside?: (trx: Database) => Promise<void>,
  ): Promise<IssuedTokens> {
    const newDevice =
      NEW_DEVICE_MAIL_METHODS.has(method) && (await this.activity.isNewDevice(user.id, client.userAgent));
    const now = this.clock.now();
    const session = this.newSession(user.id, client, now, method);
    const notice = await this.activity.withEvents(
      async (trx) => {
        // The sign-in was decided on a row read before this transaction. A password reset or
        // change, or two-step sign-in turned on, that committed since then signed out every
        // session it found; this one would have been missed (a thief's old-password sign-in racing
        // the owner's reset kept its session). With the row locked, a later change waits for this
        // session and revokes it; an earlier one is seen here.
        //
        // The account's row is taken before `alongside` touches anything, and read again after
        // it (its own writes to the row are part of what was decided): a reset or change locks
        // that row and then retires the account's second-step challenges, so a sign-in that
        // marked its challenge used before taking the row deadlocked with it, and one of the two
        // answered 500 (found in review, 2026-12-07).
        await this.users.lockById(user.id, trx);
        await alongside?.(trx);
        const current = await this.users.lockById(user.id, trx);
        if (!current || signInGroundsChanged(user, current)) throw new AppError('SIGN_IN_INTERRUPTED');
        // The owner got in: earlier lockouts stop doubling the next one. Left counting, a stranger
        // who knows only the address could, with wrong emailed codes, make every later lockout
        // last days (15 min × 2^10 after ten; found in review, 2026-12-07).
        if (current.lockoutCount > 0)
          await this.users.update(user.id, { lockoutCount: 0, updatedAt: now }, trx);
        await this.sessions.create(session.record, trx);
        // Queued with the session, so no session from a new device exists without its notice.
        if (!newDevice) return undefined;
        return this.mail.queue(
          trx,
          user,
          'newDeviceSignIn',
          describeDevice(client.userAgent),
          client.ip,
          now,
          `${this.config.publicBaseUrl}/sessions`,
        );
      },
      this.activity.event(user.id, 'signed_in', { client }, method),
    );
    // MailService.deliver never throws (a failed attempt stays queued): a notice cannot keep the owner out.
    if (notice) await this.mail.deliver(notice);
    return this.tokenResponse(user, session.record.id, session.refreshToken, now);
  }

  /** A new session and its first refresh token, not stored yet. */
  private newSession(
    userId: string,
    client: ClientInfo,
    now: Date,
    signInMethod: SignInMethod,
  ): { record: NewSession; refreshToken: string } {
    const refreshToken = this.crypto.randomToken(32);
    return {
      refreshToken,
      record: {
        id: this.crypto.uuid(),
        userId,
        now,
        expiresAt: new Date(now.getTime() + this.config.auth.refreshTtlDays * 86_400_000),
        userAgent: client.userAgent,
        ip: client.ip,
        refreshTokenId: this.crypto.uuid(),
        refreshTokenHash: this.crypto.sha256(refreshToken),
        signInMethod,
      },
    };
  }

  private async tokenResponse(
    user: UserRow,
    sessionId: string,
    refreshToken: string,
    now: Date,
  ): Promise<IssuedTokens> {
    return {
      user: mapAuthUser(user),
      accessToken: await this.jwt.sign({ sub: user.id, sid: sessionId }, now),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.config.auth.jwt.accessTtlSeconds,
    };
  }

  /**
   * In the transaction that finishes a change a session starts with one request and completes
   * with another (a passkey's registration, turning on two-step sign-in): locks the account's row
   * and refuses with SESSION_REVOKED unless the session is still live and the account active. A
   * password reset, password change or "sign out everywhere" revokes the session under that lock,
   * but the second request needs only the session, which the guard's cache (and a request already
   * past it) still honours: a thief who asked for the challenge before the owner's reset finished
   * the passkey or authenticator after it (found in review, 2026-12-07).
   */
  async lockLiveSession(auth: UserAuth, trx: Database): Promise<void> {
    const user = await this.users.lockById(auth.userId, trx);
    if (!user || user.deletedAt !== null || user.disabledAt !== null) throw new AppError('SESSION_REVOKED');
    if (!(await this.sessions.isLiveIn(auth.sessionId, this.clock.now(), trx)))
      throw new AppError('SESSION_REVOKED');
  }

  /** The signed-in user's row; a deleted account's token is treated as signed out. */
  async ownAccount(auth: UserAuth): Promise<UserRow> {
    const user = await this.users.findById(auth.userId);
    if (!user || user.deletedAt !== null) throw new AppError('SESSION_REVOKED');
    return user;
  }

  /**
   * The signed-in user's own password, checked like a sign-in: rate-limited per account, wrong
   * ones counted towards the lockout (the one that locks mails the owner), refused while locked.
   * Without this, an access token let its holder guess the password at argon2 speed. A session
   * that guesses the account into a lockout is signed out: it is more likely stolen than its
   * owner forgetful, and the owner gets back in with the reset the lockout mail links to. An
   * account made by email code has no password to give (it sets one through a reset).
   */
  private async checkOwnPassword(user: UserRow, password: string, sessionId: string): Promise<void> {
    await this.rateLimits.consume('signIn', `reauth:account:${user.id}`);
    if (user.passwordHash === null) throw new AppError('CURRENT_PASSWORD_INCORRECT');
    const now = this.clock.now();
    if (user.lockedUntil !== null && user.lockedUntil > now) throw new AppError('ACCOUNT_LOCKED');
    if (!(await this.crypto.verifyPassword(user.passwordHash, password)))
      return this.refuseReauthentication(user, sessionId, now, 'CURRENT_PASSWORD_INCORRECT');
    if (user.failedLoginCount > 0) await this.users.update(user.id, { failedLoginCount: 0, updatedAt: now });
  }

  /**
   * A wrong password or code at re-authentication counts towards the lockout, and the session that
   * guessed ends with the lock, in its transaction (a locked account must not keep it).
   */
  private async refuseReauthentication(
    user: UserRow,
    sessionId: string,
    now: Date,
    refusal: 'CURRENT_PASSWORD_INCORRECT' | 'INVALID_CODE',
  ): Promise<never> {
    const locked = await this.recordFailedLogin(user, now, {
      whenLocked: (trx) => this.sessions.revoke(user.id, sessionId, now, 'reauthentication_lockout', trx),
    });
    if (!locked) throw new AppError(refusal);
    this.sessionCache.invalidate([sessionId]);
    throw new AppError('ACCOUNT_LOCKED');
  }

  /**
   * After a step only the owner can take (the second step, a passkey): the wrong guesses others
   * made no longer count against the account, and a lockout they caused lifts.
   */
  async clearFailedLogins(user: UserRow, now: Date, within?: Database): Promise<void> {
    if (user.failedLoginCount > 0 || user.lockedUntil !== null)
      await this.users.update(user.id, { failedLoginCount: 0, lockedUntil: null, updatedAt: now }, within);
  }

  /**
   * Counts a failed sign-in step (a wrong password, or a wrong code at the second step) towards
   * the progressive lockout; resolves to true when this one locked the account (its owner is mailed).
   * A failed sign-in (`attempt`: who tried, and which step failed) is recorded in the account's
   * activity, and so is the lockout; a wrong password at re-authentication is not listed on its own
   * (the session it came from is signed out if it locks the account). `whenLocked` runs in the
   * lockout's transaction (what must not outlive the lock: the guessing session, the challenge).
   */
  async recordFailedLogin(
    user: UserRow,
    now: Date,
    options: {
      readonly attempt?: { readonly client: ClientInfo; readonly method: SignInMethod };
      readonly whenLocked?: (trx: Database) => Promise<unknown>;
      /** When the caller's account-neutral answer is due: the lockout mail is waited for no longer. */
      readonly answerBy?: number;
    } = {},
  ): Promise<boolean> {
    const { attempt, whenLocked, answerBy } = options;
    // Progressive lockout: 15 min, then 30, 60, … for each repeat.
    const minutes = this.config.auth.lockoutMinutes * 2 ** Math.min(user.lockoutCount, 10);
    // The owner's notice is queued with the lock: no account is locked without it.
    const notice = await this.activity.withEvents(
      async (trx) => {
        const failures = await this.users.incrementFailedLogins(user.id, trx);
        if (failures < this.config.auth.lockoutThreshold) return undefined;
        await this.users.update(
          user.id,
          {
            failedLoginCount: 0,
            lockoutCount: user.lockoutCount + 1,
            lockedUntil: new Date(now.getTime() + minutes * 60_000),
            updatedAt: now,
          },
          trx,
        );
        await whenLocked?.(trx);
        return this.mail.queue(
          trx,
          user,
          'accountLocked',
          minutes,
          `${this.config.publicBaseUrl}/forgot-password`,
        );
      },
      (locked) => [
        attempt && this.activity.event(user.id, 'sign_in_failed', { client: attempt.client }, attempt.method),
        locked && this.activity.event(user.id, 'account_locked', 'system'),
      ],
    );
    if (!notice) return false;
    this.logger.warn({ userId: user.id, minutes }, 'account locked after repeated failed sign-ins');
    await this.mail.deliver(notice, answerBy);
    return true;
  }

  private async sendVerification(user: UserRow, answerBy: number | undefined): Promise<void> {
    await this.mailVerificationLink(
      user,
      user.username,
      await this.issueOneTimeToken('email_verification', user, VERIFICATION_TTL_MS),
      answerBy,
    );
  }

  private async mailVerificationLink(
    to: MailRecipient,
    username: string,
    token: string,
    answerBy: number | undefined,
  ): Promise<void> {
    await this.mail.sendBefore(
      answerBy,
      to,
      'verifyEmail',
      linkWithToken(this.config.publicBaseUrl, '/verify-email', token),
      username,
    );
  }

  private async issueOneTimeToken(
    purpose: OneTimeTokenPurpose,
    user: UserRow,
    ttlMs: number,
    within?: Database,
  ): Promise<string> {
    const token = this.crypto.randomToken(32);
    const now = this.clock.now();
    await this.oneTimeTokens.issue(
      {
        id: this.crypto.uuid(),
        purpose,
        email: user.email,
        userId: user.id,
        tokenHash: this.crypto.sha256(token),
        now,
        expiresAt: new Date(now.getTime() + ttlMs),
      },
      within,
    );
    return token;
  }

  private async userForToken(
    purpose: OneTimeTokenPurpose,
    token: string,
    within?: Database,
  ): Promise<UserRow> {
    const row = await this.oneTimeTokens.consume(
      purpose,
      this.crypto.sha256(token),
      this.clock.now(),
      within,
    );
    return this.accountOfLink(row, within);
  }

  /**
   * Locks the row of the account a live link of `purpose` belongs to, if any, inside `trx`: a
   * change made with a link takes the account's row before it spends the link, as the changes that
   * retire an account's links (password change, reset, signing out everywhere) do.
   */
  async lockOwnerOfLink(
    purpose: OneTimeTokenPurpose,
    token: string,
    now: Date,
    trx: Database,
  ): Promise<void> {
    const link = await this.oneTimeTokens.findLive(purpose, this.crypto.sha256(token), now, trx);
    if (link?.userId) await this.users.lockById(link.userId, trx);
  }

  /**
   * The account a link was mailed for, if it is not deleted and its address is still the one the
   * link went to (a link mailed before an address change stops working); INVALID_OR_EXPIRED_TOKEN
   * otherwise, and for no link at all.
   */
  private async accountOfLink(link: OneTimeTokenRow | undefined, within?: Database): Promise<UserRow> {
    // Inside a transaction, a locking read: the row as committed now (MySQL's plain reads would
    // give the snapshot taken before the transaction waited for the row, e.g. the address before
    // a change that just committed; found in review, 2026-12-07).
    const user = !link?.userId
      ? undefined
      : within
        ? await this.users.lockById(link.userId, within)
        : await this.users.findById(link.userId);
    if (!link || !user || user.deletedAt !== null || user.email !== link.email)
      throw new AppError('INVALID_OR_EXPIRED_TOKEN');
    return user;
  }

  private async createPasswordlessUser(email: string, now: Date): Promise<UserRow> {
    const base = (email.split('@')[0] ?? 'user')
      .replace(/[^a-z0-9_.-]/g, '')
      .slice(0, 24)
      .padEnd(3, '0');
    for (let attempt = 0; attempt < 5; attempt++) {
      // Four digits give a local part 10,000 names: common ones (info, admin) and addresses alike in
      // their first 24 characters fill them, and every try failing answered 500 (found in review,
      // 2026-12-07). Later tries take eight, still within the 32 characters a username has.
      const digits = attempt < 3 ? 4 : 8;
      const user = newUserRow({
        id: this.crypto.uuid(),
        email,
        username: `${base}${this.crypto.randomDigits(digits)}`,
        passwordHash: null,
        emailVerifiedAt: now,
        now,
      });
      const collision = await this.users.create(user);
      if (!collision) return user;
      if (collision === 'email') {
        const existing = await this.users.findByEmail(email);
        if (existing) return existing;
      }
    }
    throw new Error('could not allocate a username for a new email-code account');
  }

  private codeDigest(id: string, code: string): string {
    return this.crypto.sha256(`${id}:${code}`);
  }

  private async assertPasswordAcceptable(password: string): Promise<void> {
    if (await this.commonPasswords.isCommon(password)) throw new AppError('PASSWORD_TOO_COMMON');
  }
}

/**
 * Whether what a sign-in was decided on changed before its session was written: the password
 * (reset, changed, removed), two-step sign-in (on or off), the address, or the account disabled
 * or deleted. Each such change that signs the account out must also stop a sign-in in flight.
 */
function signInGroundsChanged(decided: UserRow, current: UserRow): boolean {
  return (
    current.passwordHash !== decided.passwordHash ||
    (current.mfaEnabledAt === null) !== (decided.mfaEnabledAt === null) ||
    current.email !== decided.email ||
    current.disabledAt !== null ||
    current.deletedAt !== null
  );
}
