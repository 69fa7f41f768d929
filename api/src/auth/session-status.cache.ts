import { Inject, Injectable } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type SessionStatus, SessionsRepository } from './sessions.repository.js';

const MAX_ENTRIES = 10_000;

/**
 * Per-instance memo of "is this session still active?" for AUTH_SESSION_CACHE_SECONDS (default 5).
 *
 * The trade-off: checking the session row on every request costs a query per request; trusting
 * the JWT alone leaves a revoked session usable for the token's 15 minutes. With this memo a
 * revocation takes effect at once on the instance that performed it (it drops the entry) and
 * within the TTL everywhere else, at the cost of one query per session per TTL per instance.
 * Set AUTH_SESSION_CACHE_SECONDS=0 to check on every request.
 */
@Injectable()
export class SessionStatusCache {
  private readonly entries = new Map<string, { status: SessionStatus | undefined; until: number }>();

  constructor(
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(sessionId: string): Promise<SessionStatus | undefined> {
    const now = this.clock.now();
    const cached = this.entries.get(sessionId);
    if (cached && cached.until > now.getTime()) return cached.status;
    const status = await this.sessions.status(sessionId, now);
    const ttlMs = this.config.auth.sessionCacheSeconds * 1000;
    if (ttlMs > 0) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(sessionId, { status, until: now.getTime() + ttlMs });
    }
    return status;
  }

  invalidate(sessionIds: Iterable<string>): void {
    for (const id of sessionIds) this.entries.delete(id);
  }

  /** Drops every cached session of a user (role change, disable, delete, sign-out everywhere). */
  invalidateUser(userId: string): void {
    for (const [id, entry] of this.entries) if (entry.status?.userId === userId) this.entries.delete(id);
  }
}
