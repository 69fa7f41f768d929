import { Inject, Injectable } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type SessionStatus, SessionsRepository } from './sessions.repository.js';

const MAX_ENTRIES = 10_000;

/** One session's memo: the lookup (shared while it runs) and, once it has answered, its result. */
interface Entry {
  readonly lookup: Promise<SessionStatus | undefined>;
  readonly until: number;
  settled: boolean;
  status: SessionStatus | undefined;
}

/**
 * Per-instance memo of "is this session still active?" for AUTH_SESSION_CACHE_SECONDS (default 5).
 *
 * The trade-off: checking the session row on every request costs a query per request; trusting
 * the JWT alone leaves a revoked session usable for the token's 15 minutes. With this memo a
 * revocation takes effect at once on the instance that performed it (it drops the entry) and
 * within the TTL everywhere else, at the cost of one query per session per TTL per instance.
 * Set AUTH_SESSION_CACHE_SECONDS=0 to check on every request.
 *
 * A lookup is memoised from the moment it starts, so the requests that arrive while it runs share
 * it. Memoising only answers let every request in flight when an entry expired send its own
 * query: under load that was a burst of identical queries per session every TTL, queued behind
 * each other in the pool. A failed lookup is forgotten, so the next request asks again.
 */
@Injectable()
export class SessionStatusCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get(sessionId: string): Promise<SessionStatus | undefined> {
    const now = this.clock.now();
    const cached = this.entries.get(sessionId);
    if (cached && cached.until > now.getTime()) return cached.lookup;
    const lookup = this.sessions.status(sessionId, now);
    const ttlMs = this.config.auth.sessionCacheSeconds * 1000;
    if (ttlMs <= 0) return lookup;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const entry: Entry = { lookup, until: now.getTime() + ttlMs, settled: false, status: undefined };
    this.entries.set(sessionId, entry);
    lookup.then(
      (status) => {
        entry.settled = true;
        entry.status = status;
      },
      () => {
        if (this.entries.get(sessionId) === entry) this.entries.delete(sessionId);
      },
    );
    return lookup;
  }

  invalidate(sessionIds: Iterable<string>): void {
    for (const id of sessionIds) this.entries.delete(id);
  }

  /**
   * Drops every cached session of a user (role change, disable, delete, sign-out everywhere), and
   * every lookup still running: it may have read the row before the change.
   */
  invalidateUser(userId: string): void {
    for (const [id, entry] of this.entries) {
      if (!entry.settled || entry.status?.userId === userId) this.entries.delete(id);
    }
  }
}
