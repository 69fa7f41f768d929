import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationShutdown,
} from '@nestjs/common';
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

/** A step of a maintenance run, named by the count it reports. */
export type MaintenanceStep =
  | 'purgedAccounts'
  | 'removedFiles'
  | 'removedTokens'
  | 'removedPendingRegistrations'
  | 'removedSessions'
  | 'removedRateLimitCounters'
  | 'removedSecurityEvents'
  | 'removedOutboxMail';

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
  /**
   * Only on a run given a deadline that stopped steps at it (Lambda): those steps, which may have
   * work left for the next run. Not a failure: what they did is counted above.
   */
  readonly unfinishedSteps?: readonly MaintenanceStep[];
}

/**
 * A run in which some steps failed: the others ran (found in review: one step failing on every run,
 * such as a delete over a large backlog hitting the statement timeout, starved every step after
 * it). `report` counts what the steps that succeeded did; `failures` names the others.
 */
export class MaintenanceRunError extends AggregateError {
  constructor(
    readonly report: MaintenanceReport,
    readonly failures: readonly { readonly step: MaintenanceStep; readonly error: unknown }[],
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

/** How many of the ids a run left behind a message names; past it the rest are counted. */
const NAMED_LEFTOVERS = 100;

/** `ids`, the first {@link NAMED_LEFTOVERS} of them named and the rest counted. */
export function namedLeftovers(ids: readonly string[]): string {
  return ids.length <= NAMED_LEFTOVERS
    ? ids.join(', ')
    : `${ids.slice(0, NAMED_LEFTOVERS).join(', ')} and ${ids.length - NAMED_LEFTOVERS} more`;
}

/** Deleted accounts past their erasure date that a run could not purge (each retried next run). */
export class UnpurgedAccountsError extends Error {
  constructor(readonly accountIds: readonly string[]) {
    super(
      `${accountIds.length} deleted account(s) past their erasure date could not be purged (accounts ${namedLeftovers(accountIds)})`,
    );
    this.name = 'UnpurgedAccountsError';
  }
}

/** Logged at warn level when a run stopped steps at its deadline (docs/lambda.md, "Scheduled jobs"). */
export const MAINTENANCE_UNFINISHED_MESSAGE =
  'maintenance run stopped at its deadline; the backlog continues next run';
/** Logged at warn level when a step was still working at the deadline and the run stopped waiting. */
export const MAINTENANCE_OVERRAN_MESSAGE =
  'maintenance step still working at the deadline; the run stopped waiting for it';
/** What a step "returns" when the deadline passed first. */
const OVERRAN = Symbol('overran');
/** Logged at info level when shutdown stopped a run: expected, not a backlog to watch. */
export const MAINTENANCE_STOPPED_MESSAGE =
  'maintenance run stopped for shutdown; the rest continues next run';

/**
 * The time one unit of a step's work is allowed: a batch of a bulk delete (a select and a delete
 * of up to 1000 rows), one expired file (a claim, a storage delete, a row delete) or one deleted
 * account (its files and its erasure). Under a deadline a step starts a unit only while this much
 * of its share is left, so the unit ends inside the share. Each takes well under a second on a
 * healthy database and bucket; a unit still stuck at the deadline itself is left behind
 * (`unlessPast`), and the handler's margin is for returning the report.
 */
const UNIT_ALLOWANCE_MS = 2_000;

/** A step's work: `mayContinue` is asked before each unit, and `false` ends the step there. */
interface Step {
  readonly name: MaintenanceStep;
  readonly run: (mayContinue: () => boolean) => Promise<Partial<MaintenanceReport>>;
}

/** What a run reports before its steps fill it in (and what a failed step leaves). */
const NOTHING_DONE: MaintenanceReport = {
  purgedAccounts: 0,
  unpurgedAccounts: [],
  removedFiles: 0,
  unremovedFiles: [],
  removedTokens: 0,
  removedPendingRegistrations: 0,
  removedSessions: 0,
  removedRateLimitCounters: 0,
  removedSecurityEvents: 0,
  removedOutboxMail: 0,
};

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
 * MAINTENANCE_INTERVAL_MINUTES), or on Lambda from infra's hourly scheduled event, which gives
 * it a deadline ({@link MaintenanceService.runOnce}). Every step is idempotent, so overlapping
 * runs on several instances are harmless, and a run stopped part-way is continued by the next.
 */
@Injectable()
export class MaintenanceService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly interval = new RepeatingJob((stop) =>
    this.runOnce(undefined, stop).then(
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
   *
   * Given a `deadline` (epoch ms; the Lambda handler passes its invocation's end, less a margin),
   * no unit of work starts that could not end before it, and a step cut short is reported in
   * `unfinishedSteps` and logged, not thrown: its backlog continues next run. So that no step can
   * starve the others (a backlog outlasting every run would otherwise stop the steps after it for
   * as long as it lasts), each step may use an equal share of the time left when it starts: at
   * least an eighth of the budget, and more when the steps before it needed less. The bulk deletes
   * come first and the per-item steps with a storage call each (expired files, then deleted
   * accounts) last, so when one of those has a backlog, as usual, it gets nearly the whole budget;
   * the account purge, whose date is a promise to users, gets what everything else left.
   * Without a deadline (the server's interval, the CLI) every step runs to the end.
   *
   * `stop` (the server's shutdown) is asked through the same `mayContinue` as the deadline: once
   * aborted, the step in progress ends after its current unit (a batch, a file, an account's
   * file), the steps after it do not start, and all of them are reported in `unfinishedSteps`.
   */
  async runOnce(deadline?: number, stop?: AbortSignal): Promise<MaintenanceReport> {
    const steps = this.steps(this.clock.now().getTime());
    const failures: { step: MaintenanceStep; error: unknown }[] = [];
    const unfinished: MaintenanceStep[] = [];
    let report = NOTHING_DONE;
    let overran = false;
    for (const [index, step] of steps.entries()) {
      if (stop?.aborted || overran) {
        unfinished.push(step.name);
        continue;
      }
      const until = deadline === undefined ? undefined : this.shareOf(deadline, steps.length - index);
      let stopped = false;
      // Every loop returns on the first `false`, so one means work was left unstarted (or not
      // looked for): the step is unfinished, without having to report it itself.
      const mayContinue = () => {
        if (
          !stop?.aborted &&
          (until === undefined || this.clock.now().getTime() + UNIT_ALLOWANCE_MS <= until)
        )
          return true;
        stopped = true;
        return false;
      };
      try {
        const work = step.run(mayContinue);
        const done = deadline === undefined ? await work : await this.unlessPast(deadline, work);
        if (done === OVERRAN) {
          // Its counts are lost with it; what its units did stays done (every unit commits alone).
          overran = true;
          unfinished.push(step.name);
          this.logger.warn({ step: step.name }, MAINTENANCE_OVERRAN_MESSAGE);
          continue;
        }
        report = { ...report, ...done };
        if (stopped) unfinished.push(step.name);
      } catch (error) {
        failures.push({ step: step.name, error });
      }
    }
    if (unfinished.length > 0) {
      report = { ...report, unfinishedSteps: unfinished };
      if (stop?.aborted) this.logger.info({ unfinishedSteps: unfinished }, MAINTENANCE_STOPPED_MESSAGE);
      else this.logger.warn({ unfinishedSteps: unfinished }, MAINTENANCE_UNFINISHED_MESSAGE);
    }
    // An erasure past its date breaks a promise to the account's owner: a run that left one fails,
    // so the servers' log alarm and the Lambda's failed-run queue see it. It was a WARN line per
    // account, which alarms on nothing, and an account whose objects could never be deleted kept
    // its data past the 30 days unnoticed (found in review, 2026-12-07).
    if (report.unpurgedAccounts.length > 0)
      failures.push({ step: 'purgedAccounts', error: new UnpurgedAccountsError(report.unpurgedAccounts) });
    if (failures.length > 0) throw new MaintenanceRunError(report, failures);
    return report;
  }

  /**
   * `work`'s result, or OVERRAN once `deadline` passes first. A unit normally ends well inside its
   * allowance, but one stuck on a storage call (S3 unreachable: the SDK's three attempts of up to
   * 12 s each) outran the Lambda handler's margin, and the invocation timed out, losing the report
   * and being retried twice (found in review, 2026-12-07). The run stops waiting instead; the
   * unit, abandoned, is idempotent like all of them and is done again by the next run.
   */
  private async unlessPast<T>(deadline: number, work: Promise<T>): Promise<T | typeof OVERRAN> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const past = new Promise<typeof OVERRAN>((resolve) => {
      timer = setTimeout(() => resolve(OVERRAN), Math.max(0, deadline - this.clock.now().getTime()));
    });
    try {
      return await Promise.race([work, past]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs now and then every `minutes` (the HTTP server's interval; 0: never). */
  schedule(minutes: number): void {
    this.interval.start(minutes * 60_000);
  }

  /** Tells a run in progress to stop after its current unit, while the HTTP server drains. */
  beforeApplicationShutdown(): void {
    void this.interval.stop();
  }

  /** Waits for that run to end, before the pool closes. */
  onApplicationShutdown(): Promise<void> {
    return this.interval.stop();
  }

  /** Until when a step may start units: an equal share of what is left before `deadline`. */
  private shareOf(deadline: number, stepsLeft: number): number {
    const now = this.clock.now().getTime();
    return now + (deadline - now) / stepsLeft;
  }

  /** The run's steps in the order they run (see {@link runOnce}), their cutoffs taken at `now`. */
  private steps(now: number): readonly Step[] {
    return [
      {
        name: 'removedTokens',
        run: async (mayContinue) => ({
          removedTokens: await this.oneTimeTokens.deleteExpired(new Date(now - EXPIRED_TOKEN_RETENTION_MS), {
            mayContinue,
          }),
        }),
      },
      {
        name: 'removedPendingRegistrations',
        // At once: an expired registration is of no use to anyone, and it holds a password hash.
        run: async (mayContinue) => ({
          removedPendingRegistrations: await this.pendingRegistrations.deleteExpired(new Date(now), {
            mayContinue,
          }),
        }),
      },
      {
        name: 'removedSessions',
        run: async (mayContinue) => ({
          removedSessions: await this.sessions.deleteEnded(new Date(now - ENDED_SESSION_RETENTION_MS), {
            mayContinue,
          }),
        }),
      },
      {
        name: 'removedRateLimitCounters',
        run: async (mayContinue) => ({
          removedRateLimitCounters: await this.rateLimits.pruneEndedWindows(mayContinue),
        }),
      },
      {
        name: 'removedSecurityEvents',
        run: async (mayContinue) => ({
          removedSecurityEvents: await this.activity.deleteExpired(mayContinue),
        }),
      },
      {
        name: 'removedOutboxMail',
        run: async (mayContinue) => ({
          removedOutboxMail: await this.outbox.deleteOlderThan(new Date(now - OUTBOX_RETENTION_MS), {
            mayContinue,
          }),
        }),
      },
      {
        name: 'removedFiles',
        run: async (mayContinue) => {
          const { removed, failed } = await this.files.cleanupExpired(mayContinue);
          return { removedFiles: removed, unremovedFiles: failed };
        },
      },
      {
        name: 'purgedAccounts',
        run: async (mayContinue) => {
          const { purged, failed } = await this.users.purgeDeletedAccounts(mayContinue);
          return { purgedAccounts: purged, unpurgedAccounts: failed };
        },
      },
    ];
  }
}
