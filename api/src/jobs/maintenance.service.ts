import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { OneTimeTokensRepository } from '../auth/one-time-tokens.repository.js';
import { PendingRegistrationsRepository } from '../auth/pending-registrations.repository.js';
import { RateLimitService } from '../auth/rate-limit.service.js';
import { SecurityActivityService } from '../auth/security-activity.service.js';
import { SessionsRepository } from '../auth/sessions.repository.js';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { LOGGER } from '../common/logging/logger.module.js';
import { RepeatingJob } from '../common/scheduling/repeating-job.js';
import { FilesService } from '../files/files.service.js';
import { OutboxMailRepository } from '../mail/outbox-mail.repository.js';
import { UsersService } from '../users/users.service.js';

/** What one maintenance run did. */
export interface MaintenanceReport {
  readonly purgedAccounts: number;
  /** Deleted accounts past their erasure date that could not be purged (each logged; retried next run). */
  readonly unpurgedAccounts: readonly string[];
  readonly removedFiles: number;
  /** Expired files that could not be removed (each logged; retried next run). */
  readonly unremovedFiles: readonly string[];
  readonly removedTokens: number;
  /** Registrations whose link expired unopened (each holds a password hash). */
  readonly removedPendingRegistrations: number;
  readonly removedSessions: number;
  readonly removedRateLimitCounters: number;
  readonly removedSecurityEvents: number;
  readonly removedOutboxMail: number;
}

/**
 * A run in which some steps failed: the others ran (found in review: one step failing on every run,
 * such as a delete over a large backlog hitting the statement timeout, starved every step after
 * it). `report` counts what the steps that succeeded did; `failures` names the others.
 */
export class MaintenanceRunError extends AggregateError {
  constructor(
    readonly report: MaintenanceReport,
    readonly failures: readonly { readonly step: keyof MaintenanceReport; readonly error: unknown }[],
  ) {
    super(
      failures.map((failure) => failure.error),
      `maintenance steps failed: ${failures
        .map(({ step, error }) => `${step} (${error instanceof Error ? error.message : String(error)})`)
        .join('; ')}`,
    );
    this.name = 'MaintenanceRunError';
  }
}

/** How long an expired one-time token (link, code, challenge) is kept: a day, for support questions. */
const EXPIRED_TOKEN_RETENTION_MS = 24 * 60 * 60_000;

/**
 * How long an ended (revoked or expired) session is kept, with its device, address and how it
 * ended: 30 days, for "why was I signed out?" and for looking into a stolen refresh token. After
 * that it is personal data nobody can see (the API lists active sessions only).
 */
const ENDED_SESSION_RETENTION_MS = 30 * 24 * 60 * 60_000;

/**
 * How long the outbox driver keeps a message: two days, the longest link's life (a verification
 * link, 24 h) and a day more. The outbox holds the only plaintext copy of links and codes (the
 * tokens table stores digests), and where it stands in for a mail service outside development no
 * one reads it, so kept for ever it would be live credentials, then personal data, at rest.
 */
const OUTBOX_RETENTION_MS = 2 * 24 * 60 * 60_000;

/**
 * Periodic housekeeping: erase accounts deleted more than 30 days ago, remove unfinished uploads
 * and temp files older than 24 h, delete one-time tokens (links, emailed codes, sign-in and
 * passkey challenges) a day after they expired, registrations whose link expired unopened, sessions (and their refresh tokens, one row per
 * refresh) 30 days after they ended, rate-limit counters whose window has ended, security
 * activity older than SECURITY_EVENT_RETENTION_DAYS, and mail the outbox driver kept for two days. Runs from
 * `npm run users:purge` (cron, a scheduled task), on an interval inside the HTTP server (`main.ts`,
 * MAINTENANCE_INTERVAL_MINUTES), or on Lambda from infra's hourly scheduled event. Every step is
 * idempotent, so overlapping runs on several instances are harmless.
 */
@Injectable()
export class MaintenanceService implements OnApplicationShutdown {
  private readonly interval = new RepeatingJob(() =>
    this.runOnce().then(
      (report) => this.logger.info(report, 'maintenance run'),
      (error: unknown) => this.logger.error({ err: error }, 'maintenance run failed'),
    ),
  );

  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(FilesService) private readonly files: FilesService,
    @Inject(OneTimeTokensRepository) private readonly oneTimeTokens: OneTimeTokensRepository,
    @Inject(PendingRegistrationsRepository)
    private readonly pendingRegistrations: PendingRegistrationsRepository,
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(RateLimitService) private readonly rateLimits: RateLimitService,
    @Inject(SecurityActivityService) private readonly activity: SecurityActivityService,
    @Inject(OutboxMailRepository) private readonly outbox: OutboxMailRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Runs every step, each whatever the others did, and reports what they removed; throws a
   * {@link MaintenanceRunError} after the last one when any failed (so the Lambda's scheduled run,
   * the CLI and the interval's log all see the failure).
   */
  async runOnce(): Promise<MaintenanceReport> {
    const now = this.clock.now().getTime();
    const failures: { step: keyof MaintenanceReport; error: unknown }[] = [];
    const step = async <T>(name: keyof MaintenanceReport, work: () => Promise<T>, none: T): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        failures.push({ step: name, error });
        return none;
      }
    };
    const count = (name: keyof MaintenanceReport, work: () => Promise<number>) => step(name, work, 0);
    const accounts = await step('purgedAccounts', () => this.users.purgeDeletedAccounts(), {
      purged: 0,
      failed: [],
    });
    const files = await step('removedFiles', () => this.files.cleanupExpired(), { removed: 0, failed: [] });
    const report: MaintenanceReport = {
      purgedAccounts: accounts.purged,
      unpurgedAccounts: accounts.failed,
      removedFiles: files.removed,
      unremovedFiles: files.failed,
      removedTokens: await count('removedTokens', () =>
        this.oneTimeTokens.deleteExpired(new Date(now - EXPIRED_TOKEN_RETENTION_MS)),
      ),
      // At once: an expired registration is of no use to anyone, and it holds a password hash.
      removedPendingRegistrations: await count('removedPendingRegistrations', () =>
        this.pendingRegistrations.deleteExpired(new Date(now)),
      ),
      removedSessions: await count('removedSessions', () =>
        this.sessions.deleteEnded(new Date(now - ENDED_SESSION_RETENTION_MS)),
      ),
      removedRateLimitCounters: await count('removedRateLimitCounters', () =>
        this.rateLimits.pruneEndedWindows(),
      ),
      removedSecurityEvents: await count('removedSecurityEvents', () => this.activity.deleteExpired()),
      removedOutboxMail: await count('removedOutboxMail', () =>
        this.outbox.deleteOlderThan(new Date(now - OUTBOX_RETENTION_MS)),
      ),
    };
    if (failures.length > 0) throw new MaintenanceRunError(report, failures);
    return report;
  }

  /** Runs now and then every `minutes` (the HTTP server's interval; 0: never). */
  schedule(minutes: number): void {
    this.interval.start(minutes * 60_000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.interval.stop();
  }
}
