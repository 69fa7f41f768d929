import { Inject, Injectable } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { encodePageCursor } from '../common/validation/page-cursor.dto.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { Database } from '../database/database.factory.js';
import type { SecurityEventType } from '../database/database.types.js';
import type { ClientInfo, UserAuth } from './auth-context.js';
import { describeDevice } from './device-description.js';
import type { SecurityActivityPageDto, SecurityActivityQuery } from './security-activity.dto.js';
import { type NewSecurityEventRow, SecurityEventsRepository } from './security-events.repository.js';

/** How many of an account's latest sign-ins a new one is compared with (`isNewDevice`). */
const RECENT_SIGN_INS = 50;

/** Who did it: the owner from a client, an administrator, or the system (a lockout, theft detection). */
export type SecurityEventActor = { readonly client: ClientInfo } | 'admin' | 'system';

/** Events to record: one, several, or none (false and undefined, alone or in a list, are none). */
type NoEvent = false | undefined;
type Events = NewSecurityEventRow | readonly (NewSecurityEventRow | NoEvent)[] | NoEvent;

/** What a change records: events, or a function of its result (what happened decides what is recorded). */
type EventsOf<T> = Events | ((result: T) => Events);

/**
 * The account's security activity: sign-ins, failed attempts and every change to how it signs in,
 * each recorded in the transaction of the change itself (a change is never without its record,
 * nor a record without its change), listed for the owner and kept SECURITY_EVENT_RETENTION_DAYS.
 */
@Injectable()
export class SecurityActivityService {
  constructor(
    @Inject(SecurityEventsRepository) private readonly events: SecurityEventsRepository,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** An event of `userId`'s account, now; `detail` per type (see `SecurityEventType`). */
  event(
    userId: string,
    type: SecurityEventType,
    by: SecurityEventActor,
    detail: string | null = null,
  ): NewSecurityEventRow {
    const client = typeof by === 'object' ? by.client : undefined;
    return {
      id: this.crypto.uuid(),
      userId,
      type,
      createdAt: this.clock.now(),
      ip: client?.ip ?? null,
      userAgent: client?.userAgent?.slice(0, 512) ?? null,
      detail: detail?.slice(0, 100) ?? null,
      byAdmin: by === 'admin',
    };
  }

  /**
   * Runs `change` in a transaction and records `events` in it: given as rows, or as a function of
   * the change's result that answers undefined when nothing changed (a passkey over the limit).
   * Every query of `change` must run on the transaction it gets.
   */
  withEvents<T>(change: (trx: Database) => Promise<T>, events: EventsOf<T>): Promise<T> {
    return this.events.withEvents(change, (result) =>
      rows(typeof events === 'function' ? events(result) : events),
    );
  }

  /** Records events inside `db`, the caller's transaction of the writes they describe. */
  record(events: Events, db: Database): Promise<void> {
    return this.events.insert(rows(events), db);
  }

  /**
   * Whether a sign-in from `userAgent` would be the account's first from that device (browser and
   * system, `describeDevice`) among its latest 50 recorded sign-ins. False when none are recorded
   * (a new account, or one from before the activity existed): there is nothing to compare with.
   */
  async isNewDevice(userId: string, userAgent: string | null): Promise<boolean> {
    const earlier = await this.events.recentSignInUserAgents(userId, RECENT_SIGN_INS);
    const device = describeDevice(userAgent);
    return earlier.length > 0 && !earlier.some((agent) => describeDevice(agent) === device);
  }

  /** The signed-in owner's activity. */
  list(auth: UserAuth, query: SecurityActivityQuery): Promise<SecurityActivityPageDto> {
    return this.listOf(auth.userId, query);
  }

  /** An account's activity, for an administrator (who checked the account exists). */
  async listOf(userId: string, query: SecurityActivityQuery): Promise<SecurityActivityPageDto> {
    const rows = await this.events.listByUser(userId, { cursor: query.cursor, limit: query.limit + 1 });
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((row) => ({
        id: row.id,
        type: row.type,
        createdAt: row.createdAt.toISOString(),
        ip: row.ip,
        userAgent: row.userAgent,
        detail: row.detail,
        byAdmin: row.byAdmin,
      })),
      nextCursor: rows.length > query.limit && last ? encodePageCursor(last) : null,
    };
  }

  /**
   * Deletes the events older than the retention (housekeeping); resolves to how many.
   * `mayContinue` is asked before each batch (`BatchedDeleteOptions`).
   */
  deleteExpired(mayContinue?: () => boolean): Promise<number> {
    const days = this.config.auth.securityEventRetentionDays;
    return this.events.deleteOlderThan(new Date(this.clock.now().getTime() - days * 86_400_000), {
      mayContinue,
    });
  }
}

function rows(events: Events): NewSecurityEventRow[] {
  if (!events) return [];
  if (!Array.isArray(events)) return [events as NewSecurityEventRow];
  return events.filter((event): event is NewSecurityEventRow => Boolean(event));
}
