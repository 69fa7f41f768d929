import { Inject, Injectable } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MailService } from '../mail/mail.service.js';
import { type ApiKeyRow, ApiKeysRepository } from './api-keys.repository.js';
import type { ApiKeyCreateDto, ApiKeyDto, CreatedApiKeyDto } from './auth.dto.js';
import { AuthService } from './auth.service.js';
import type { AuthContext, ClientInfo, UserAuth } from './auth-context.js';
import { SecurityActivityService } from './security-activity.service.js';

/** Every database key starts with this, so leaked keys are recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'cn_live_';
const VISIBLE_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

/** A recognised X-API-KEY. */
export type ApiKeyAuthentication =
  | { readonly kind: 'user'; readonly auth: Extract<AuthContext, { method: 'apiKey' }> }
  | { readonly kind: 'static' };

function toDto(row: ApiKeyRow): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes ? row.scopes.split(' ') : [],
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

/** API keys for service clients: create (shown once), list, revoke, and authenticate X-API-KEY. */
@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(ApiKeysRepository) private readonly keys: ApiKeysRepository,
    @Inject(AuthService) private readonly authService: AuthService,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(MailService) private readonly mail: MailService,
    @Inject(SecurityActivityService) private readonly activity: SecurityActivityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A key outlives every session (signing out does not revoke it), so minting one takes re-authentication. */
  async create(auth: UserAuth, dto: ApiKeyCreateDto, client: ClientInfo): Promise<CreatedApiKeyDto> {
    const { user: owner, spend } = await this.authService.confirmIdentity(auth, dto);
    const key = `${API_KEY_PREFIX}${this.crypto.randomToken(32)}`;
    const row: Omit<ApiKeyRow, 'lastUsedAt' | 'revokedAt'> = {
      id: this.crypto.uuid(),
      userId: auth.userId,
      name: dto.name,
      prefix: key.slice(0, VISIBLE_PREFIX_LENGTH),
      keyHash: this.crypto.sha256(key),
      scopes: [...new Set(dto.scopes)].join(' '),
      createdAt: this.clock.now(),
    };
    const created = toDto({ ...row, lastUsedAt: null, revokedAt: null });
    // The owner hears of every new key: if their password leaked, this is how they find out. The
    // notice is queued with the key, so a key never exists without it.
    const notice = await this.activity.withEvents(
      async (trx) => {
        await spend(trx);
        await this.keys.create(row, trx);
        return this.mail.queue(
          trx,
          owner,
          'apiKeyCreated',
          created.name,
          created.scopes,
          `${this.config.publicBaseUrl}/api-keys`,
        );
      },
      this.activity.event(auth.userId, 'api_key_created', { client }, row.name),
    );
    await this.mail.deliver(notice);
    return { ...created, key };
  }

  async list(auth: UserAuth): Promise<ApiKeyDto[]> {
    return (await this.keys.listActive(auth.userId)).map(toDto);
  }

  async revoke(auth: UserAuth, id: string, client: ClientInfo): Promise<void> {
    const revoked = await this.activity.withEvents(
      (trx) => this.keys.revoke(auth.userId, id, this.clock.now(), trx),
      (name) => name !== undefined && this.activity.event(auth.userId, 'api_key_revoked', { client }, name),
    );
    if (revoked === undefined) throw new AppError('API_KEY_NOT_FOUND');
  }

  keyRequiredEverywhere(): boolean {
    return this.config.auth.requireApiKey;
  }

  /**
   * Recognises a database key (looked up by its SHA-256, which leaks no timing) or a static key
   * from API_KEYS (compared in constant time against every entry). Undefined when neither.
   */
  async authenticate(presented: string): Promise<ApiKeyAuthentication | undefined> {
    if (presented.startsWith(API_KEY_PREFIX)) {
      const row = await this.keys.findActiveByHash(this.crypto.sha256(presented));
      if (!row || row.disabledAt !== null || row.deletedAt !== null) return undefined;
      void this.keys.touch(row.id, this.clock.now()).catch(() => {});
      return {
        kind: 'user',
        auth: {
          method: 'apiKey',
          userId: row.userId,
          apiKeyId: row.id,
          role: 'user',
          scopes: row.scopes ? row.scopes.split(' ') : [],
        },
      };
    }
    let matched = false;
    for (const key of this.config.auth.staticApiKeys) {
      // No early exit: every configured key is compared, whichever matches.
      matched = this.crypto.constantTimeEquals(presented, key) || matched;
    }
    return matched ? { kind: 'static' } : undefined;
  }
}
