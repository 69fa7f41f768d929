import { Inject, Injectable } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Transactions } from '../database/transactions.js';
import { MailService } from '../mail/mail.service.js';
import { UsersRepository } from '../users/users.repository.js';
import type { ReauthenticationDto } from './auth.dto.js';
import { AuthService, type IssuedTokens } from './auth.service.js';
import type { ClientInfo, UserAuth } from './auth-context.js';
import { clientNetwork } from './client-network.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import type {
  PasskeyDto,
  PasskeyListDto,
  PasskeyOptionsDto,
  PasskeyRegistrationDto,
  PasskeyRenameDto,
  PasskeySignInDto,
} from './passkeys.dto.js';
import { type PasskeyRow, PasskeysRepository } from './passkeys.repository.js';
import { RateLimitService } from './rate-limit.service.js';
import { SecurityActivityService } from './security-activity.service.js';
import { siteName } from './site-name.js';
import { challengeOfClientData, PASSKEY_CEREMONY_TTL_MS, WebAuthnRepository } from './webauthn.repository.js';

/** Enough for every device and passkey manager a person uses; bounds what one account can store. */
export const MAX_PASSKEYS_PER_ACCOUNT = 20;
const DEFAULT_NAME = 'Passkey';
/** The column's width (and MySQL's index limit): longer credential ids are refused. */
const MAX_CREDENTIAL_ID_LENGTH = 512;
/**
 * The stored public key's column (migration 0005). The key comes as the authenticator wrote it,
 * extra CBOR entries included, so a longer one is refused rather than failing the insert with a
 * 500 (found in review, 2026-12-07), like a credential id past its column.
 */
const MAX_PUBLIC_KEY_LENGTH = 1024;
/**
 * The transports WebAuthn defines. The browser reports them and the library passes them through,
 * so anything else is dropped (and each kept once): ten made-up 32-character names overflowed the
 * 200-character column with a 500 (found in review, 2026-12-07).
 */
const KNOWN_TRANSPORTS: ReadonlySet<string> = new Set([
  'ble',
  'cable',
  'hybrid',
  'internal',
  'nfc',
  'smart-card',
  'usb',
]);

/**
 * Passkeys: adding one takes re-authentication (a stolen access token must not be able to plant a
 * way back in), removing one mails the owner, and signing in with one needs no password and no
 * two-step code — the authenticator verified its user (fingerprint, face, PIN) and signed the
 * challenge with a key that never left it. Challenges are stored as one-time tokens: single use,
 * five minutes.
 */
@Injectable()
export class PasskeysService {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(PasskeysRepository) private readonly passkeys: PasskeysRepository,
    @Inject(WebAuthnRepository) private readonly webauthn: WebAuthnRepository,
    @Inject(OneTimeTokensRepository) private readonly oneTimeTokens: OneTimeTokensRepository,
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(RateLimitService) private readonly rateLimits: RateLimitService,
    @Inject(MailService) private readonly mail: MailService,
    @Inject(SecurityActivityService) private readonly activity: SecurityActivityService,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(auth: UserAuth): Promise<PasskeyListDto> {
    const user = await this.auth.ownAccount(auth);
    return { items: (await this.passkeys.listByUser(user.id)).map(mapPasskey) };
  }

  /** Options for the browser to create a passkey; the challenge is the account's only live one. */
  async registrationOptions(auth: UserAuth, proof: ReauthenticationDto): Promise<PasskeyOptionsDto> {
    // Before re-authentication, so an account at the limit does not spend a confirmation code on it.
    const existing = await this.passkeys.listByUser(auth.userId);
    if (existing.length >= MAX_PASSKEYS_PER_ACCOUNT) throw new AppError('PASSKEY_LIMIT_REACHED');
    const { user, spend } = await this.auth.confirmIdentity(auth, proof);
    const options = await this.webauthn.registrationOptions({
      site: this.config.auth.passkeys,
      rpName: siteName(this.config),
      userId: user.id,
      userName: user.email,
      // The browser refuses to make a second passkey on an authenticator that holds one already.
      exclude: existing.map((passkey) => ({
        credentialId: passkey.credentialId,
        transports: transportsOf(passkey),
      })),
    });
    const now = this.clock.now();
    // No event: the passkey is listed when it is stored (passkey_added).
    await this.transactions.run(async (trx) => {
      await spend(trx);
      await this.oneTimeTokens.issue(
        {
          id: this.crypto.uuid(),
          purpose: 'passkey_registration',
          email: user.email,
          userId: user.id,
          tokenHash: this.crypto.sha256(options.challenge),
          now,
          expiresAt: new Date(now.getTime() + PASSKEY_CEREMONY_TTL_MS),
        },
        trx,
      );
    });
    return { options: { ...options } };
  }

  /** Stores the passkey the browser made for the challenge `registrationOptions` gave this account. */
  async register(auth: UserAuth, dto: PasskeyRegistrationDto, client: ClientInfo): Promise<PasskeyDto> {
    const user = await this.auth.ownAccount(auth);
    const now = this.clock.now();
    const challenge = challengeOfClientData(dto.response.response.clientDataJSON);
    const token =
      challenge === undefined
        ? undefined
        : await this.oneTimeTokens.consume('passkey_registration', this.crypto.sha256(challenge), now);
    if (challenge === undefined || token === undefined || token.userId !== user.id)
      throw new AppError('PASSKEY_CHALLENGE_INVALID');
    const verified = await this.webauthn.verifyRegistration({
      site: this.config.auth.passkeys,
      response: dto.response,
      challenge,
    });
    if (
      !verified ||
      verified.credentialId.length > MAX_CREDENTIAL_ID_LENGTH ||
      verified.publicKey.length > MAX_PUBLIC_KEY_LENGTH
    )
      throw new AppError('PASSKEY_VERIFICATION_FAILED');
    const passkey: PasskeyRow = {
      id: this.crypto.uuid(),
      userId: user.id,
      credentialId: verified.credentialId,
      publicKey: verified.publicKey,
      counter: verified.counter,
      transports: JSON.stringify(
        [...new Set(verified.transports)].filter((name) => KNOWN_TRANSPORTS.has(name)),
      ),
      deviceType: verified.deviceType,
      backedUp: verified.backedUp,
      name: dto.name ?? DEFAULT_NAME,
      createdAt: now,
      lastUsedAt: null,
    };
    const { outcome, notice } = await this.activity.withEvents(
      async (trx) => {
        await this.auth.lockLiveSession(auth, trx);
        const outcome = await this.passkeys.create(passkey, MAX_PASSKEYS_PER_ACCOUNT, trx);
        if (outcome !== 'created') return { outcome };
        return { outcome, notice: await this.mail.queue(trx, user, 'passkeyAdded', passkey.name) };
      },
      ({ outcome }) =>
        outcome === 'created' && this.activity.event(user.id, 'passkey_added', { client }, passkey.name),
    );
    if (outcome === 'duplicate') throw new AppError('PASSKEY_ALREADY_REGISTERED');
    if (outcome === 'limit') throw new AppError('PASSKEY_LIMIT_REACHED');
    if (notice) await this.mail.deliver(notice);
    return mapPasskey(passkey);
  }

  /** A new name for one of the account's passkeys (not a security change: no mail, no activity). */
  async rename(auth: UserAuth, id: string, dto: PasskeyRenameDto): Promise<PasskeyDto> {
    const user = await this.auth.ownAccount(auth);
    const renamed = await this.passkeys.rename(user.id, id, dto.name);
    if (!renamed) throw new AppError('PASSKEY_NOT_FOUND');
    return mapPasskey(renamed);
  }

  async remove(auth: UserAuth, id: string, client: ClientInfo): Promise<void> {
    const user = await this.auth.ownAccount(auth);
    const removed = await this.activity.withEvents(
      async (trx) => {
        const removed = await this.passkeys.delete(user.id, id, trx);
        return (
          removed && { ...removed, notice: await this.mail.queue(trx, user, 'passkeyRemoved', removed.name) }
        );
      },
      (removed) => removed && this.activity.event(user.id, 'passkey_removed', { client }, removed.name),
    );
    if (!removed) throw new AppError('PASSKEY_NOT_FOUND');
    await this.mail.deliver(removed.notice);
  }

  /**
   * Options for signing in with a passkey; anyone may ask, so it is rate-limited per address. Its
   * own counter, not the sign-in attempts': the web app asks on every visit of its sign-in page
   * (passkey autofill), and those visits must not use up the attempts.
   */
  async signInOptions(client: ClientInfo): Promise<PasskeyOptionsDto> {
    await this.rateLimits.consume('signIn', `passkey-options:ip:${clientNetwork(client.ip)}`);
    const options = await this.webauthn.authenticationOptions(this.config.auth.passkeys);
    const now = this.clock.now();
    await this.oneTimeTokens.issueUnbound({
      id: this.crypto.uuid(),
      purpose: 'passkey_sign_in',
      tokenHash: this.crypto.sha256(options.challenge),
      now,
      expiresAt: new Date(now.getTime() + PASSKEY_CEREMONY_TTL_MS),
    });
    return { options: { ...options } };
  }

  /**
   * A session for the account whose passkey signed a live sign-in challenge. Every failure answers
   * the same code: whether a credential is known is nobody's business.
   */
  async signIn(dto: PasskeySignInDto, client: ClientInfo): Promise<IssuedTokens> {
    await this.rateLimits.consume('signIn', `passkey:ip:${clientNetwork(client.ip)}`);
    const now = this.clock.now();
    const challenge = challengeOfClientData(dto.response.response.clientDataJSON);
    if (challenge === undefined) throw new AppError('PASSKEY_SIGN_IN_FAILED');
    // Used up even when what follows fails: a challenge gets one answer.
    const token = await this.oneTimeTokens.consume('passkey_sign_in', this.crypto.sha256(challenge), now);
    const passkey = token && (await this.passkeys.findByCredentialId(dto.response.id));
    if (!passkey) throw new AppError('PASSKEY_SIGN_IN_FAILED');
    // The handle the authenticator keeps with a discoverable passkey is the account id it was made for.
    const { userHandle } = dto.response.response;
    if (userHandle !== undefined && Buffer.from(userHandle, 'base64url').toString('utf8') !== passkey.userId)
      throw new AppError('PASSKEY_SIGN_IN_FAILED');
    const counter = Number(passkey.counter);
    const verified = await this.webauthn.verifyAuthentication({
      site: this.config.auth.passkeys,
      response: dto.response,
      challenge,
      passkey: {
        credentialId: passkey.credentialId,
        publicKey: passkey.publicKey,
        counter,
        transports: transportsOf(passkey),
      },
    });
    // A counter that another sign-in moved meanwhile: two uses of one authenticator state, refused.
    if (!verified || !(await this.passkeys.recordUse(passkey.id, counter, verified.counter, now)))
      throw new AppError('PASSKEY_SIGN_IN_FAILED');
    const user = await this.users.findById(passkey.userId);
    if (!user || user.deletedAt !== null) throw new AppError('PASSKEY_SIGN_IN_FAILED');
    if (user.disabledAt !== null) throw new AppError('ACCOUNT_DISABLED');
    if (this.config.auth.requireEmailVerification && user.emailVerifiedAt === null)
      throw new AppError('EMAIL_NOT_VERIFIED');
    await this.auth.clearFailedLogins(user, now);
    return this.auth.startSession(user, client, 'passkey');
  }
}

function transportsOf(passkey: PasskeyRow): string[] {
  const parsed: unknown = JSON.parse(passkey.transports);
  return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
}

function mapPasskey(passkey: PasskeyRow): PasskeyDto {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
    backedUp: Boolean(passkey.backedUp),
    deviceType: passkey.deviceType,
  };
}
