import { Inject, Injectable } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { Database } from '../database/database.factory.js';
import type { UserRow } from '../database/database.types.js';
import { Transactions } from '../database/transactions.js';
import { MailService, type QueuedMail } from '../mail/mail.service.js';
import { UsersRepository } from '../users/users.repository.js';
import type { ReauthenticationDto } from './auth.dto.js';
import { AuthService, type IssuedTokens } from './auth.service.js';
import type { ClientInfo, UserAuth } from './auth-context.js';
import { clientNetwork } from './client-network.js';
import type { MfaVerifyDto, RecoveryCodesDto, TotpEnableDto, TotpSetupDto } from './mfa.dto.js';
import { MfaRepository, type TotpCredentialRow } from './mfa.repository.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import { RateLimitService } from './rate-limit.service.js';
import { SecurityActivityService } from './security-activity.service.js';
import { SessionStatusCache } from './session-status.cache.js';
import { SessionsRepository } from './sessions.repository.js';
import { siteName } from './site-name.js';
import { decodeBase32, encodeBase32, matchingTotpStep, otpauthUri } from './totp.js';
import { TotpSecretCipher } from './totp-secret-cipher.js';

/** Guesses one sign-in challenge allows before the password (or emailed code) is needed again. */
const MFA_CHALLENGE_MAX_ATTEMPTS = 5;
const RECOVERY_CODE_COUNT = 10;
/**
 * How long a started setup waits for its first code. Without a limit an abandoned setup stayed
 * open for good, and anyone holding a session of the account could guess its code at the setup's
 * rate limit (~43,000 a day) until two-step sign-in turned on with a secret the owner no longer
 * has (found in review, 2026-12-07). Scanning the code and typing one takes a minute or two.
 */
export const TOTP_SETUP_TTL_MS = 15 * 60_000;
const WRONG_CODE_MESSAGE =
  'The code is wrong: enter the current code from your authenticator app, or a recovery code.';

/** A second-step code that is wrong or already spent: rolls back the sign-in's transaction. */
class WrongCode extends Error {}

/**
 * Two-step sign-in with an authenticator app (RFC 6238 TOTP) and single-use recovery codes.
 * Turning it on, off, or making new recovery codes takes re-authentication like the other changes
 * a stolen access token must not be enough for; the owner is mailed about each.
 */
@Injectable()
export class MfaService {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(MfaRepository) private readonly mfa: MfaRepository,
    @Inject(TotpSecretCipher) private readonly cipher: TotpSecretCipher,
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(OneTimeTokensRepository) private readonly oneTimeTokens: OneTimeTokensRepository,
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(SessionStatusCache) private readonly sessionCache: SessionStatusCache,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(RateLimitService) private readonly rateLimits: RateLimitService,
    @Inject(MailService) private readonly mail: MailService,
    @Inject(SecurityActivityService) private readonly activity: SecurityActivityService,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A new secret to add to an authenticator app; replaces a setup that was never confirmed. */
  async startTotpSetup(auth: UserAuth, proof: ReauthenticationDto): Promise<TotpSetupDto> {
    await this.assertEnabled(auth, false);
    const { user, spend } = await this.auth.confirmIdentity(auth, proof);
    const secret = encodeBase32(this.crypto.randomBytes(20));
    const sealed = await this.cipher.seal(user.id, secret);
    // No event: the setup is not listed until it is confirmed (two_step_enabled).
    await this.transactions.run(async (trx) => {
      await spend(trx);
      // Thrown inside, so the code is not used when two-step sign-in was turned on meanwhile.
      if (!(await this.mfa.startTotpSetup(user.id, sealed, this.clock.now(), trx)))
        throw new AppError('MFA_ALREADY_ENABLED');
    });
    return { secret, otpauthUri: otpauthUri({ issuer: siteName(this.config), account: user.email, secret }) };
  }

  /**
   * Turns two-step sign-in on once the app shows a correct code (proving it holds the secret),
   * signs out the account's other sessions (they signed in with one step) and returns the
   * recovery codes, which exist only in this response.
   */
  async enableTotp(auth: UserAuth, dto: TotpEnableDto, client: ClientInfo): Promise<RecoveryCodesDto> {
    const user = await this.assertEnabled(auth, false);
    await this.rateLimits.consume('signIn', `mfa-setup:account:${user.id}`);
    const credential = await this.mfa.findTotp(user.id);
    if (!credential || credential.confirmedAt !== null) throw new AppError('MFA_SETUP_NOT_STARTED');
    const now = this.clock.now();
    if (now.getTime() - credential.createdAt.getTime() > TOTP_SETUP_TTL_MS)
      throw new AppError(
        'MFA_SETUP_NOT_STARTED',
        'That setup expired: start setting up two-step sign-in again.',
      );
    const step = await this.matchingStep(credential, dto.code, now);
    if (step === undefined) throw new AppError('INVALID_CODE', WRONG_CODE_MESSAGE);
    const { codes, digests } = this.newRecoveryCodes(user.id);
    const enabled = await this.activity.withEvents(
      async (trx) => {
        await this.auth.lockLiveSession(auth, trx);
        const enabled =
          (await this.mfa.enableTotp(user.id, credential.secret, step, digests, now, trx)) ||
          (await this.enableResealed(credential, step, digests, now, trx));
        if (!enabled) return undefined;
        return {
          revoked: await this.sessions.revokeAll(user.id, now, 'mfa_enabled', auth.sessionId, trx),
          notice: await this.mail.queue(trx, user, 'mfaEnabled'),
        };
      },
      (enabled) => enabled && this.activity.event(user.id, 'two_step_enabled', { client }),
    );
    if (!enabled) throw new AppError('MFA_SETUP_NOT_STARTED');
    this.sessionCache.invalidate(enabled.revoked);
    await this.mail.deliver(enabled.notice);
    return { recoveryCodes: codes };
  }

  async disable(auth: UserAuth, proof: ReauthenticationDto, client: ClientInfo): Promise<void> {
    await this.assertEnabled(auth, true);
    const { user, spend } = await this.auth.confirmIdentity(auth, proof);
    const notice = await this.activity.withEvents(
      async (trx) => {
        await spend(trx);
        await this.mfa.disable(user.id, this.clock.now(), trx);
        return this.mail.queue(trx, user, 'mfaDisabled');
      },
      this.activity.event(user.id, 'two_step_disabled', { client }),
    );
    await this.mail.deliver(notice);
  }

  async replaceRecoveryCodes(
    auth: UserAuth,
    proof: ReauthenticationDto,
    client: ClientInfo,
  ): Promise<RecoveryCodesDto> {
    await this.assertEnabled(auth, true);
    const { user, spend } = await this.auth.confirmIdentity(auth, proof);
    const { codes, digests } = this.newRecoveryCodes(user.id);
    const notice = await this.activity.withEvents(
      async (trx) => {
        await spend(trx);
        await this.mfa.setRecoveryCodes(user.id, digests, this.clock.now(), trx);
        return this.mail.queue(trx, user, 'recoveryCodesReplaced');
      },
      this.activity.event(user.id, 'recovery_codes_regenerated', { client }),
    );
    await this.mail.deliver(notice);
    return { recoveryCodes: codes };
  }

  /**
   * The second step of signing in. Each guess spends one of the challenge's attempts before it is
   * checked, guesses are rate-limited per account too (a challenge costs the password, but
   * whoever has that can ask for many), and wrong ones count towards the account's progressive
   * lockout. An authenticator code is accepted once: a code seen over someone's shoulder, or sent
   * twice, cannot be used again.
   */
  async verify(dto: MfaVerifyDto, client: ClientInfo): Promise<IssuedTokens> {
    await this.rateLimits.consume('signIn', `mfa:ip:${clientNetwork(client.ip)}`);
    const now = this.clock.now();
    const challenge = await this.oneTimeTokens.findLive(
      'mfa_challenge',
      this.crypto.sha256(dto.mfaToken),
      now,
    );
    if (!challenge?.userId) throw new AppError('MFA_CHALLENGE_INVALID');
    await this.rateLimits.consume('signIn', `mfa:account:${challenge.userId}`);
    if (!(await this.oneTimeTokens.spendAttempt(challenge.id, MFA_CHALLENGE_MAX_ATTEMPTS)))
      throw new AppError('MFA_CHALLENGE_INVALID');
    const user = await this.users.findById(challenge.userId);
    // Turned off (or the address changed) since the challenge was issued: sign in again.
    if (!user || user.deletedAt !== null || user.mfaEnabledAt === null || user.email !== challenge.email)
      throw new AppError('MFA_CHALLENGE_INVALID');
    if (user.disabledAt !== null) throw new AppError('ACCOUNT_DISABLED');
    if (user.lockedUntil !== null && user.lockedUntil > now) throw new AppError('ACCOUNT_LOCKED');
    // The day's budget of wrong codes, which a password reset does not restore (the lock it lifts).
    // Checked here and counted once a code is wrong: guesses sent at once on one challenge may pass
    // together, at most its five attempts over the budget.
    if (!(await this.rateLimits.secondStepGuessesLeft(user.id)))
      throw new AppError('SECOND_STEP_LIMIT_REACHED');
    const method = dto.code !== undefined ? 'authenticator' : 'recovery_code';
    // The code is spent in the transaction that writes the session (with the challenge and the
    // cleared failure count): a failure between them would otherwise lose a recovery code, one of
    // ten, for no session. A code already spent (a replay, or two answers racing) rolls it back.
    const step = dto.code !== undefined ? await this.totpStepOf(user, dto.code, now) : undefined;
    // A recovery code's use is mailed to the owner, queued in the transaction that spends it.
    let recoveryCodeNotice: QueuedMail | undefined;
    const spendCode = async (trx: Database): Promise<void> => {
      if (dto.code !== undefined) {
        if (step === undefined || !(await this.mfa.useTotpStep(user.id, step, trx))) throw new WrongCode();
        return;
      }
      const remaining = await this.mfa.useRecoveryCode(
        user.id,
        this.recoveryCodeDigest(user.id, dto.recoveryCode ?? ''),
        now,
        trx,
      );
      if (remaining === undefined) throw new WrongCode();
      recoveryCodeNotice = await this.mail.queue(
        trx,
        user,
        'recoveryCodeUsed',
        remaining,
        `${this.config.publicBaseUrl}/profile`,
      );
    };
    // A code that matches no step is wrong without a transaction; a recovery code is checked by spending it.
    const wrongAtOnce = dto.code !== undefined && step === undefined;
    try {
      if (wrongAtOnce) throw new WrongCode();
      const tokens = await this.auth.startSession(user, client, method, async (trx) => {
        await spendCode(trx);
        // The account's row before the challenge's, the order a wrong code's lockout takes them in
        // (recordFailedLogin), so a right and a locking wrong answer racing cannot deadlock.
        await this.auth.clearFailedLogins(user, now, trx);
        // Two right answers racing for one challenge: one session.
        if (!(await this.oneTimeTokens.markUsed(challenge.id, now, trx)))
          throw new AppError('MFA_CHALLENGE_INVALID');
      });
      if (recoveryCodeNotice) await this.mail.deliver(recoveryCodeNotice);
      return tokens;
    } catch (error) {
      if (!(error instanceof WrongCode)) throw error;
    }
    // Wrong codes count towards the account's lockout like wrong passwords: whoever sends them
    // holds the password, and without the count they could try every code over a few days.
    await this.rateLimits.recordWrongSecondStep(user.id);
    const locked = await this.auth.recordFailedLogin(user, now, {
      attempt: { client, method },
      // The challenge ends with the lock, in its transaction: no guesses left over for after it.
      whenLocked: (trx) => this.oneTimeTokens.markUsed(challenge.id, now, trx),
    });
    if (locked) throw new AppError('ACCOUNT_LOCKED');
    throw new AppError('INVALID_CODE', WRONG_CODE_MESSAGE);
  }

  /**
   * The setup's row changed between reading and confirming it. If a re-seal pass (a key rotation)
   * moved the same secret under the new key, the code was checked against that secret: confirm the
   * re-sealed row. A setup restarted meanwhile holds another secret and is not confirmed.
   */
  private async enableResealed(
    read: TotpCredentialRow,
    step: number,
    digests: { id: string; codeHash: string }[],
    now: Date,
    trx: Database,
  ): Promise<boolean> {
    const current = await this.mfa.findTotp(read.userId, trx);
    if (!current || current.confirmedAt !== null || current.secret === read.secret) return false;
    const [before, after] = await Promise.all([
      this.cipher.open(read.userId, read.secret),
      this.cipher.open(current.userId, current.secret),
    ]);
    return before === after && this.mfa.enableTotp(read.userId, current.secret, step, digests, now, trx);
  }

  /** The unused-looking step the code matches under the account's confirmed secret, if any. */
  private async totpStepOf(user: UserRow, code: string, now: Date): Promise<number | undefined> {
    const credential = await this.mfa.findTotp(user.id);
    if (!credential || credential.confirmedAt === null) return undefined;
    return this.matchingStep(credential, code, now);
  }

  /** The 30-second step `code` belongs to under the account's (sealed) secret, if any near now. */
  private async matchingStep(
    credential: TotpCredentialRow,
    code: string,
    now: Date,
  ): Promise<number | undefined> {
    const secret = await this.cipher.open(credential.userId, credential.secret);
    return matchingTotpStep(decodeBase32(secret), code, now);
  }

  /** The signed-in account, refused when two-step sign-in is not in the state the route needs. */
  private async assertEnabled(auth: UserAuth, enabled: boolean): Promise<UserRow> {
    const user = await this.auth.ownAccount(auth);
    if (enabled && user.mfaEnabledAt === null) throw new AppError('MFA_NOT_ENABLED');
    if (!enabled && user.mfaEnabledAt !== null) throw new AppError('MFA_ALREADY_ENABLED');
    return user;
  }

  /**
   * Ten codes of 80 random bits each, shown as `xxxx-xxxx-xxxx-xxxx`; stored only as digests. The
   * digest is a fast hash salted with the account, so the bits are what a copy of the database
   * leaves an attacker to search: 50 (the earlier ten-character codes, which still work) took a
   * GPU an hour or two per account, and a recovery code is a second factor the sealed TOTP secret
   * exists to keep out of such a copy (found in review, 2026-12-07). A keyed digest would need
   * the key for as long as a code lives, which key rotation cannot promise.
   */
  private newRecoveryCodes(userId: string): {
    codes: string[];
    digests: { id: string; codeHash: string }[];
  } {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
      (encodeBase32(this.crypto.randomBytes(10)).toLowerCase().match(/.{4}/g) ?? []).join('-'),
    );
    const digests = codes.map((code) => ({
      id: this.crypto.uuid(),
      codeHash: this.recoveryCodeDigest(userId, code.replaceAll('-', '')),
    }));
    return { codes, digests };
  }

  /** Per account, so one digest never matches another account's code. */
  private recoveryCodeDigest(userId: string, normalisedCode: string): string {
    return this.crypto.sha256(`${userId}:${normalisedCode}`);
  }
}
