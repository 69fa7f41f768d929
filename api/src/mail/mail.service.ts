import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { LOGGER } from '../common/logging/logger.module.js';
import { RepeatingJob } from '../common/scheduling/repeating-job.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { Database } from '../database/database.factory.js';
import { MailRejectedError, MailRepository } from './mail.repository.js';
import type { MailTemplates, RenderedMail } from './mail.templates.js';
import { MailQueueRepository, type QueuedMailRow } from './mail-queue.repository.js';

/** The name of one of the API's mails (`passwordChanged`, `signInCode`, …). */
export type MailTemplateName = keyof MailTemplates;

/** What the template `T` is rendered from. */
export type MailTemplateArguments<T extends MailTemplateName> = Parameters<MailTemplates[T]>;

/** Who a mail goes to: an address, or an account (whose id the log names if delivery fails). */
export type MailRecipient = string | { readonly id: string; readonly email: string };

/** A mail queued in a change's transaction, to be handed to {@link MailService.deliver} after it commits. */
export type QueuedMail = QueuedMailRow;

/** What one delivery pass over the queue did. */
export interface MailDeliveryReport {
  readonly sent: number;
  /** Attempts that failed and were scheduled again. */
  readonly retried: number;
  /** Mail given up (refused for good, or its delivery window passed), each logged. */
  readonly failed: number;
}

/** Logged at error level for every mail given up; infra alarms on it. */
export const MAIL_NOT_DELIVERED_MESSAGE = 'mail not delivered';
/** Logged at warn level for a failed attempt that will be retried. */
export const MAIL_RETRY_MESSAGE = 'mail delivery failed, will retry';
/** Logged at warn level when an account-neutral answer went out before its mail's attempt ended. */
export const MAIL_ATTEMPT_OUTLASTED_ANSWER_MESSAGE =
  'mail attempt still running when its account-neutral answer was due; it goes on without the answer';
/** Logged at info level when shutdown waits for attempts under way before the pool closes. */
export const MAIL_ATTEMPTS_AWAITED_AT_SHUTDOWN_MESSAGE = 'shutdown waits for the mail attempts under way';
/** Logged at warn level when shutdown closes the pool under attempts that outlasted their time limit. */
export const MAIL_ATTEMPTS_OUTLASTED_SHUTDOWN_MESSAGE =
  'mail attempts still running at shutdown; their mail is retried after its lease';

/**
 * How long a mail is worth delivering when its template does not say (security notices): a day.
 * Mail with a code or link says its own (`RenderedMail.deliverWithinMs`), since a code that arrives
 * after it expired only confuses.
 */
const DEFAULT_DELIVERY_WINDOW_MS = 24 * 60 * 60_000;
/** The wait after the first failed attempt; it doubles per failure up to {@link MAX_RETRY_DELAY_MS}. */
const FIRST_RETRY_DELAY_MS = 30_000;
const MAX_RETRY_DELAY_MS = 30 * 60_000;
/**
 * How long an attempt holds its mail before another pass may take it, beyond the send's own time
 * limit: a process that dies mid-attempt leaves the mail to be retried after this.
 */
const LEASE_MARGIN_MS = 60_000;
/** Mail taken per claim of a delivery pass (a pass that runs out of time leaves the rest of its batch leased). */
const CLAIM_BATCH = 10;
/** How long a delivery pass may run when its caller sets no deadline (the server's interval). */
const PASS_MS = 25_000;
/** Room left after an attempt's own limit for the queue's queries around it. */
const ATTEMPT_MARGIN_MS = 2_000;
/**
 * The longest wait between two delivery passes the last retry of a mail allows for, at least:
 * on Lambda passes come from infra's event, every minute (EventBridge's finest rate, infra's
 * default), not every MAIL_RETRY_INTERVAL_SECONDS.
 */
const MIN_PASS_INTERVAL_MS = 60_000;

/**
 * Mail, through a durable queue (`mail_queue`). Every mail is rendered and stored first — in the
 * transaction of the change it is about when the caller has one ({@link queue}) — and then
 * attempted once right away, while the request waits (with SES: one call, no SDK retries, so an
 * answer's timing does not stretch with SES's throttling; an account-neutral answer waits only
 * until it is due, {@link deliver}). A mail that fails stays queued and is
 * retried with backoff by a delivery pass: on an interval in the server (`schedule`), on Lambda
 * from infra's per-minute event. Delivered mail is deleted; mail refused for good or past its
 * delivery window is deleted and logged ({@link MAIL_NOT_DELIVERED_MESSAGE}). Delivery is at least
 * once: a mail whose row outlives a send SES accepted (the process died, the attempt's time limit
 * cut in, the delete failed) is sent again after its lease (docs/architecture.md, "Mail").
 */
@Injectable()
export class MailService implements BeforeApplicationShutdown, OnApplicationShutdown {
  // The templates are imported on the first send, not with the services that name them: most
  // requests send no mail, and a Lambda's Init should not compile them (docs/lambda.md).
  private templates?: Promise<MailTemplates>;
  /** Attempts under way, the ones requests left running included (see {@link onApplicationShutdown}). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly interval = new RepeatingJob((stop) =>
    this.deliverDue(undefined, stop).then(
      (report) => {
        if (report.sent + report.retried + report.failed > 0) this.logger.info(report, 'mail delivery pass');
      },
      (error: unknown) => this.logger.error({ err: error }, 'mail delivery pass failed'),
    ),
  );

  constructor(
    @Inject(MailRepository) private readonly mail: MailRepository,
    @Inject(MailQueueRepository) private readonly mailQueue: MailQueueRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Queues a mail and makes its first delivery attempt. Never throws: a mail that cannot be
   * rendered or queued is logged, one that fails to send is retried later, so no answer reveals or
   * depends on delivery (an account-neutral 202 must not turn into a 500 for existing accounts only).
   */
  send<T extends MailTemplateName>(
    to: MailRecipient,
    template: T,
    ...args: MailTemplateArguments<T>
  ): Promise<void> {
    return this.sendBefore(undefined, to, template, ...args);
  }

  /**
   * {@link send} for an answer due at `answerBy` (epoch ms; undefined: whenever the attempt ends):
   * the first attempt is waited for no longer than that (see {@link deliver}).
   */
  async sendBefore<T extends MailTemplateName>(
    answerBy: number | undefined,
    to: MailRecipient,
    template: T,
    ...args: MailTemplateArguments<T>
  ): Promise<void> {
    let queued: QueuedMail;
    try {
      queued = await this.queue(undefined, to, template, ...args);
    } catch (error) {
      this.logger.error({ err: error, template, userId: userIdOf(to) }, MAIL_NOT_DELIVERED_MESSAGE);
      return;
    }
    await this.deliver(queued, answerBy);
  }

  /**
   * Renders a mail and queues it in `trx`, the transaction of the change it is about, so the two
   * commit together; throws if either fails (and the change rolls back with it). Hand the result
   * to {@link deliver} once the transaction has committed.
   */
  async queue<T extends MailTemplateName>(
    trx: Database | undefined,
    to: MailRecipient,
    template: T,
    ...args: MailTemplateArguments<T>
  ): Promise<QueuedMail> {
    const rendered = await this.render(template, args);
    const now = this.clock.now();
    const row: QueuedMail = {
      id: this.crypto.uuid(),
      toAddress: typeof to === 'string' ? to : to.email,
      userId: userIdOf(to) ?? null,
      template,
      subject: rendered.subject,
      textBody: rendered.text,
      htmlBody: rendered.html,
      devSummary: rendered.devSummary,
      attempts: 0,
      // Held by the attempt {@link deliver} makes right after; a pass takes it only if that never happens.
      nextAttemptAt: this.leaseFrom(now),
      deliverBy: new Date(now.getTime() + (rendered.deliverWithinMs ?? DEFAULT_DELIVERY_WINDOW_MS)),
      lastError: null,
      createdAt: now,
    };
    await this.mailQueue.insert(row, trx);
    return row;
  }

  /**
   * One delivery attempt of a queued mail. Never throws (see {@link send}). With `answerBy` (epoch
   * ms: when an account-neutral answer is due, `UniformResponse`) the caller waits for the attempt
   * no later than that: an SES that is slow rather than refusing would otherwise hold the answers
   * of existing accounts only, up to MAIL_SEND_TIMEOUT_MS, and tell them apart. The attempt goes on
   * without the caller — in the server it ends on its own (shutdown waits for it); a Lambda
   * environment is frozen with the answer and the attempt resumes when it thaws — and its mail's
   * lease (the send's time limit and a minute) lets a delivery pass take the mail if it never ends.
   */
  async deliver(queued: QueuedMail, answerBy?: number): Promise<void> {
    const attempt = this.attempt(queued);
    if (answerBy === undefined) {
      await attempt;
      return;
    }
    let ended = false;
    const waited = attempt.then(() => {
      ended = true;
    });
    await Promise.race([waited, this.clock.sleep(Math.max(0, answerBy - this.clock.now().getTime()))]);
    if (!ended)
      this.logger.warn(
        { template: queued.template, userId: queued.userId ?? undefined, mailId: queued.id },
        MAIL_ATTEMPT_OUTLASTED_ANSWER_MESSAGE,
      );
  }

  /**
   * Delivers the mail that is due, a batch at a time, until none is left or no further attempt
   * (at most MAIL_SEND_TIMEOUT_MS, a margin besides) can end before `deadline`: by default
   * {@link PASS_MS} from now; a Lambda run passes the time its invocation has left. What is left
   * waits for the next pass. A pass over an empty queue is one query. Once `stop` is aborted
   * (shutdown) the pass ends after the mail it is on, its send and bookkeeping done.
   */
  async deliverDue(
    deadline = this.clock.now().getTime() + PASS_MS,
    stop?: AbortSignal,
  ): Promise<MailDeliveryReport> {
    const report = { sent: 0, retried: 0, failed: 0 };
    const last = deadline - this.config.mail.sendTimeoutMs - ATTEMPT_MARGIN_MS;
    const spent = () => stop?.aborted === true || this.clock.now().getTime() > last;
    while (!spent()) {
      const now = this.clock.now();
      // Another pass running at once may take some of a batch: only an empty claim ends the pass.
      const claimed = await this.mailQueue.claimDue(now, this.leaseFrom(now), CLAIM_BATCH);
      if (claimed.length === 0) return report;
      for (const row of claimed) {
        // Claimed and not attempted: taken again once its lease has passed.
        if (spent()) return report;
        report[await this.attempt(row)]++;
      }
    }
    return report;
  }

  /** Runs a delivery pass now and then every `seconds` (the HTTP server's interval). */
  schedule(seconds: number): void {
    this.interval.start(seconds * 1000);
  }

  /**
   * Tells a pass in progress to end after its current mail, as shutdown begins: it winds down
   * while the HTTP server drains, rather than after.
   */
  beforeApplicationShutdown(): void {
    void this.interval.stop();
  }

  /**
   * Runs before the pool closes (the database module's hook comes last): waits for the pass to end
   * and for attempts under way, requests' included — an account-neutral answer leaves its mail's
   * attempt running (see {@link deliver}), and one cut off by the pool closing under it has its
   * mail sent again after its lease when SES had accepted it. Each attempt is bounded by
   * MAIL_SEND_TIMEOUT_MS, so the wait is no longer than that and the margin, inside
   * SHUTDOWN_TIMEOUT_MS's default; past it, the pool closes under what is left.
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.interval.stop(), this.attemptsEnded()]);
  }

  private async attemptsEnded(): Promise<void> {
    // No timer when nothing is under way, the usual case: a pending one would hold a test's process.
    if (this.inFlight.size === 0) return;
    this.logger.info({ attempts: this.inFlight.size }, MAIL_ATTEMPTS_AWAITED_AT_SHUTDOWN_MESSAGE);
    const ended = Promise.allSettled([...this.inFlight]).then(() => true);
    const bound = this.clock.sleep(this.config.mail.sendTimeoutMs + ATTEMPT_MARGIN_MS).then(() => false);
    if (!(await Promise.race([ended, bound])))
      this.logger.warn({ attempts: this.inFlight.size }, MAIL_ATTEMPTS_OUTLASTED_SHUTDOWN_MESSAGE);
  }

  /** One delivery attempt, tracked while under way (see {@link onApplicationShutdown}). Never rejects. */
  private attempt(row: QueuedMail): Promise<'sent' | 'retried' | 'failed'> {
    const attempt = this.attemptOnce(row);
    this.inFlight.add(attempt);
    void attempt.finally(() => this.inFlight.delete(attempt));
    return attempt;
  }

  private async attemptOnce(row: QueuedMail): Promise<'sent' | 'retried' | 'failed'> {
    const log = { template: row.template, userId: row.userId ?? undefined, mailId: row.id };
    try {
      // No pass ran while it was worth sending (passes failing, or none running, for its window).
      if (this.clock.now() > row.deliverBy)
        return await this.giveUp(row, { ...log, attempts: row.attempts, lastError: row.lastError });
      try {
        await this.mail.send({
          to: row.toAddress,
          subject: row.subject,
          text: row.textBody,
          html: row.htmlBody,
          devSummary: row.devSummary,
        });
      } catch (error) {
        const attempts = row.attempts + 1;
        const now = this.clock.now().getTime();
        const lastRetryAt = this.lastRetryAt(row);
        // A failure at or after the last retry's time is the last retry's (or one no pass could
        // follow up in time): nothing more can be promised before the window ends.
        if (error instanceof MailRejectedError || now >= lastRetryAt)
          return await this.giveUp(row, { err: error, ...log, attempts });
        const nextAttemptAt = new Date(Math.min(now + retryDelay(attempts), lastRetryAt));
        await this.mailQueue.reschedule(row.id, attempts, nextAttemptAt, errorText(error));
        this.logger.warn({ err: error, ...log, attempts, nextAttemptAt }, MAIL_RETRY_MESSAGE);
        return 'retried';
      }
      await this.mailQueue.delete(row.id);
      return 'sent';
    } catch (error) {
      // The queue itself failed (the database): the mail keeps its lease and is taken again after it.
      this.logger.error(
        { err: error, ...log },
        'mail queue update failed; the mail is retried after its lease',
      );
      return 'retried';
    }
  }

  /** Deletes a mail that will not go out, and logs it as not delivered (infra alarms on the line). */
  private async giveUp(row: QueuedMail, details: Record<string, unknown>): Promise<'failed'> {
    await this.mailQueue.delete(row.id);
    this.logger.error(details, MAIL_NOT_DELIVERED_MESSAGE);
    return 'failed';
  }

  /**
   * When the last retry of `row` is due: early enough that a pass still takes it before its
   * delivery window ends — a pass comes within one interval of it being due, and the send and the
   * queue's queries around it must end in the window — so a code or link gets nearly its whole
   * life. Capped at the window's end instead, the last retry was given up unsent by any pass that
   * did not land on that very millisecond (found in review: a reset link's last 28.5 minutes had
   * no attempt).
   */
  private lastRetryAt(row: QueuedMail): number {
    const passInterval = Math.max(this.config.mail.retryIntervalSeconds * 1000, MIN_PASS_INTERVAL_MS);
    return row.deliverBy.getTime() - passInterval - this.config.mail.sendTimeoutMs - ATTEMPT_MARGIN_MS;
  }

  private leaseFrom(now: Date): Date {
    return new Date(now.getTime() + this.config.mail.sendTimeoutMs + LEASE_MARGIN_MS);
  }

  private async render<T extends MailTemplateName>(
    template: T,
    args: MailTemplateArguments<T>,
  ): Promise<RenderedMail> {
    this.templates ??= import('./mail.templates.js').then(
      (module) => module.mailTemplates,
      (error: unknown) => {
        this.templates = undefined; // a failed load (a missing chunk) is retried by the next send
        throw error;
      },
    );
    const render = (await this.templates)[template] as (...values: MailTemplateArguments<T>) => RenderedMail;
    return render(...args);
  }
}

function userIdOf(to: MailRecipient): string | undefined {
  return typeof to === 'string' ? undefined : to.id;
}

/** The wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … up to 30 min. */
function retryDelay(attempts: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
