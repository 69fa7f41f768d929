import { Inject, Injectable } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Transactions } from '../database/transactions.js';
import { MailService } from '../mail/mail.service.js';
import { UsersRepository } from '../users/users.repository.js';
import type { EmailChangeDto, TokenDto } from './auth.dto.js';
import { AuthService } from './auth.service.js';
import type { ClientInfo, UserAuth } from './auth-context.js';
import { clientNetwork } from './client-network.js';
import { linkWithToken } from './mailed-link.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import { RateLimitService } from './rate-limit.service.js';
import { SecurityActivityService } from './security-activity.service.js';
import { UniformResponse } from './uniform-response.js';

const EMAIL_CHANGE_TTL_MS = 60 * 60 * 1000;

/**
 * Changing the sign-in address. It takes re-authentication (the address is where password resets
 * go, so changing it is a takeover step), it happens only when the link mailed to the new address
 * is opened (proof of that mailbox), and the old address hears of the request and of the change.
 * The answer to a request does not tell whether the new address already has an account.
 */
@Injectable()
export class EmailChangeService {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(OneTimeTokensRepository) private readonly oneTimeTokens: OneTimeTokensRepository,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(RateLimitService) private readonly rateLimits: RateLimitService,
    @Inject(UniformResponse) private readonly uniform: UniformResponse,
    @Inject(MailService) private readonly mail: MailService,
    @Inject(SecurityActivityService) private readonly activity: SecurityActivityService,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** 202 whether or not the new address is free: only a free one gets a link. */
  async request(auth: UserAuth, dto: EmailChangeDto, client: ClientInfo): Promise<void> {
    await this.rateLimits.consume('email', `ip:${clientNetwork(client.ip)}`, `address:${dto.email}`);
    // Before re-authentication, so asking for the address one has does not spend a confirmation code.
    if (dto.email === (await this.auth.ownAccount(auth)).email) {
      const issue = { path: 'body.email', message: 'is already your address' };
      throw new AppError('VALIDATION_FAILED', `${issue.path}: ${issue.message}`, { issues: [issue] });
    }
    const { user: owner, spend } = await this.auth.confirmIdentity(auth, dto);
    await this.uniform.run(async (answerBy) => {
      // A taken address gets nothing: its owner did not ask, and a link could never be used.
      const free = (await this.users.findByEmail(dto.email)) === undefined;
      const token = this.crypto.randomToken(32);
      const now = this.clock.now();
      // The request is listed when the change is confirmed (email_changed), so no event here.
      const link = await this.transactions.run(async (trx) => {
        // The account's row first, the order of every change that retires its links (a reset).
        await this.users.lockById(owner.id, trx);
        await spend(trx);
        if (!free) return undefined;
        await this.oneTimeTokens.issueForAccount(
          {
            id: this.crypto.uuid(),
            purpose: 'email_change',
            email: dto.email,
            userId: owner.id,
            tokenHash: this.crypto.sha256(token),
            now,
            expiresAt: new Date(now.getTime() + EMAIL_CHANGE_TTL_MS),
          },
          trx,
        );
        // The account is named: two accounts may ask for the same address, and its owner confirms
        // one of them knowing which.
        return this.mail.queue(
          trx,
          dto.email,
          'confirmEmailChange',
          linkWithToken(this.config.publicBaseUrl, '/confirm-email-change', token),
          owner.username,
        );
      });
      if (link) await this.mail.deliver(link, answerBy);
    });
    await this.mail.send(
      owner,
      'emailChangeRequested',
      dto.email,
      `${this.config.publicBaseUrl}/forgot-password`,
    );
  }

  /** Single-use link from the new address's mailbox; the new address counts as verified. */
  async confirm(dto: TokenDto, client: ClientInfo): Promise<void> {
    await this.rateLimits.consume('signIn', `email-change:ip:${clientNetwork(client.ip)}`);
    const now = this.clock.now();
    // The link is spent in the transaction of the change: a refusal (or a failure) leaves it as it
    // was, on both engines (a unique violation aborts a PostgreSQL transaction, not a MySQL one, so
    // every refusal here throws inside it).
    const changed = await this.activity.withEvents(
      async (trx) => {
        // The account's row before the link's, as a reset or password change that retires it takes them.
        await this.auth.lockOwnerOfLink('email_change', dto.token, now, trx);
        const row = await this.oneTimeTokens.consume('email_change', this.crypto.sha256(dto.token), now, trx);
        // A locking read: the row as committed now, not MySQL's snapshot from before the wait.
        const user = row?.userId ? await this.users.lockById(row.userId, trx) : undefined;
        if (!row || !user || user.deletedAt !== null) throw new AppError('INVALID_OR_EXPIRED_TOKEN');
        if (user.disabledAt !== null) throw new AppError('ACCOUNT_DISABLED');
        const collision = await this.users.updateProfile(
          user.id,
          { email: row.email, emailVerifiedAt: now, updatedAt: now },
          trx,
        );
        // Someone took the address after the link was sent: the one who opened it controls it, so say so.
        if (collision) throw new AppError('EMAIL_TAKEN');
        // To the old address: the one the owner may no longer control if this was not them.
        return { user, notice: await this.mail.queue(trx, user, 'emailChanged', row.email) };
      },
      ({ user }) => [this.activity.event(user.id, 'email_changed', { client })],
    );
    await this.mail.deliver(changed.notice);
  }
}
