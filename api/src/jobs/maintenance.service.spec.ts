import type { Logger } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OneTimeTokensRepository } from '../auth/one-time-tokens.repository.js';
import type { PendingRegistrationsRepository } from '../auth/pending-registrations.repository.js';
import type { RateLimitService } from '../auth/rate-limit.service.js';
import type { SecurityActivityService } from '../auth/security-activity.service.js';
import type { SessionsRepository } from '../auth/sessions.repository.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import type { BatchedDeleteOptions } from '../database/batched-delete.js';
import type { FilesService } from '../files/files.service.js';
import type { OutboxMailRepository } from '../mail/outbox-mail.repository.js';
import type { UsersService } from '../users/users.service.js';
import {
  MAINTENANCE_OVERRAN_MESSAGE,
  MAINTENANCE_STOPPED_MESSAGE,
  MAINTENANCE_UNFINISHED_MESSAGE,
  MaintenanceRunError,
  MaintenanceService,
  type MaintenanceStep,
} from './maintenance.service.js';

const REPORT = {
  purgedAccounts: 2,
  unpurgedAccounts: [],
  removedFiles: 5,
  unremovedFiles: ['stuck-file'],
  removedTokens: 7,
  removedPendingRegistrations: 19,
  removedSessions: 3,
  removedRateLimitCounters: 11,
  removedSecurityEvents: 13,
  removedOutboxMail: 17,
};

const T0 = Date.parse('2026-12-06T12:00:00Z');
/** The run's budget in these tests: a 30 s function's, less the handler's margin. */
const BUDGET_MS = 27_000;

type MayContinue = () => boolean;

function setup() {
  const users = { purgeDeletedAccounts: vi.fn(async () => ({ purged: 2, failed: [] as string[] })) };
  const files = { cleanupExpired: vi.fn(async () => ({ removed: 5, failed: ['stuck-file'] })) };
  const oneTimeTokens = { deleteExpired: vi.fn(async (_before: Date) => 7) };
  const pendingRegistrations = { deleteExpired: vi.fn(async (_before: Date) => 19) };
  const sessions = { deleteEnded: vi.fn(async (_before: Date) => 3) };
  const rateLimits = { pruneEndedWindows: vi.fn(async () => 11) };
  const activity = { deleteExpired: vi.fn(async () => 13) };
  const outbox = { deleteOlderThan: vi.fn(async (_before: Date) => 17) };
  // A fake clock the steps' fakes move on as they work.
  const clock = { time: T0, now: () => new Date(clock.time) };
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const service = new MaintenanceService(
    users as unknown as UsersService,
    files as unknown as FilesService,
    oneTimeTokens as unknown as OneTimeTokensRepository,
    pendingRegistrations as unknown as PendingRegistrationsRepository,
    sessions as unknown as SessionsRepository,
    rateLimits as unknown as RateLimitService,
    activity as unknown as SecurityActivityService,
    outbox as unknown as OutboxMailRepository,
    clock as unknown as ClockRepository,
    logger as unknown as Logger,
  );
  return {
    service,
    clock,
    users,
    files,
    oneTimeTokens,
    pendingRegistrations,
    sessions,
    rateLimits,
    activity,
    outbox,
    logger,
  };
}

/**
 * Makes every step of `setup()` work through a backlog of `units[step]` units, each taking
 * `unitMs` on the fake clock, asking `mayContinue` (when given one) before each as the real loops
 * do; records when each unit started and ended, and each answer.
 */
function withBacklogs(
  context: ReturnType<typeof setup>,
  units: Partial<Record<MaintenanceStep, number>>,
  unitMs: number,
) {
  const { clock } = context;
  const worked: { step: MaintenanceStep; start: number; end: number }[] = [];
  const answers: boolean[] = [];
  const work = async (step: MaintenanceStep, mayContinue: MayContinue | undefined) => {
    let done = 0;
    const ask = () => {
      if (mayContinue === undefined) return true;
      const answer = mayContinue();
      answers.push(answer);
      return answer;
    };
    while (done < (units[step] ?? 0) && ask()) {
      const start = clock.time;
      clock.time += unitMs;
      worked.push({ step, start, end: clock.time });
      done++;
    }
    return done;
  };
  context.users.purgeDeletedAccounts.mockImplementation(async (mayContinue?: MayContinue) => ({
    purged: await work('purgedAccounts', mayContinue),
    failed: [],
  }));
  context.files.cleanupExpired.mockImplementation(async (mayContinue?: MayContinue) => ({
    removed: await work('removedFiles', mayContinue),
    failed: [],
  }));
  context.oneTimeTokens.deleteExpired.mockImplementation(
    async (_before: Date, options?: BatchedDeleteOptions) => work('removedTokens', options?.mayContinue),
  );
  context.pendingRegistrations.deleteExpired.mockImplementation(
    async (_before: Date, options?: BatchedDeleteOptions) =>
      work('removedPendingRegistrations', options?.mayContinue),
  );
  context.sessions.deleteEnded.mockImplementation(async (_before: Date, options?: BatchedDeleteOptions) =>
    work('removedSessions', options?.mayContinue),
  );
  context.rateLimits.pruneEndedWindows.mockImplementation(async (mayContinue?: MayContinue) =>
    work('removedRateLimitCounters', mayContinue),
  );
  context.activity.deleteExpired.mockImplementation(async (mayContinue?: MayContinue) =>
    work('removedSecurityEvents', mayContinue),
  );
  context.outbox.deleteOlderThan.mockImplementation(async (_before: Date, options?: BatchedDeleteOptions) =>
    work('removedOutboxMail', options?.mayContinue),
  );
  return { worked, answers };
}

/** A backlog far beyond what a run gets through (100 s of work a step at 0.5 s a unit). */
const BACKLOG = 200;

const STEPS: readonly MaintenanceStep[] = [
  'purgedAccounts',
  'removedFiles',
  'removedTokens',
  'removedPendingRegistrations',
  'removedSessions',
  'removedRateLimitCounters',
  'removedSecurityEvents',
  'removedOutboxMail',
];
const everyStep = (units: number) => Object.fromEntries(STEPS.map((step) => [step, units]));

describe('MaintenanceService', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the account purge and the upload, token, session and rate-limit cleanups and reports them', async () => {
    const { service, oneTimeTokens, sessions, rateLimits, outbox } = setup();
    expect(await service.runOnce()).toEqual(REPORT);
    // Tokens are kept for a day after they expire, outbox mail for two days, ended sessions for 30.
    const options = expect.objectContaining({ mayContinue: expect.any(Function) });
    expect(oneTimeTokens.deleteExpired).toHaveBeenCalledWith(new Date('2026-12-05T12:00:00Z'), options);
    expect(outbox.deleteOlderThan).toHaveBeenCalledWith(new Date('2026-12-04T12:00:00Z'), options);
    expect(sessions.deleteEnded).toHaveBeenCalledWith(new Date('2026-11-06T12:00:00Z'), options);
    expect(rateLimits.pruneEndedWindows).toHaveBeenCalledTimes(1);
  });

  it('runs at once and then every interval, never two runs at a time, until shutdown', async () => {
    vi.useFakeTimers();
    const { service, users, logger } = setup();
    type Purge = { purged: number; failed: string[] };
    let finish: (value: Purge) => void = () => {};
    users.purgeDeletedAccounts.mockImplementationOnce(
      () => new Promise<Purge>((resolve) => (finish = resolve)),
    );
    service.schedule(10);
    // The purge is the run's last step, after the bulk deletes' awaits.
    await vi.advanceTimersByTimeAsync(0);
    expect(users.purgeDeletedAccounts).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(users.purgeDeletedAccounts).toHaveBeenCalledTimes(1);
    finish({ purged: 0, failed: [] });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(users.purgeDeletedAccounts).toHaveBeenCalledTimes(2);
    expect(logger.info).toHaveBeenCalledWith(REPORT, 'maintenance run');
    await service.onApplicationShutdown();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(users.purgeDeletedAccounts).toHaveBeenCalledTimes(2);
  });

  it('runs every step when one fails, then reports the failure with what the others did', async () => {
    const { service, users, outbox } = setup();
    users.purgeDeletedAccounts.mockRejectedValueOnce(new Error('statement timeout'));
    const failure = await service.runOnce().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MaintenanceRunError);
    const { report, failures, message } = failure as MaintenanceRunError;
    expect(message).toBe('maintenance steps failed: purgedAccounts (statement timeout)');
    expect(failures.map((f) => f.step)).toEqual(['purgedAccounts']);
    expect(report).toEqual({ ...REPORT, purgedAccounts: 0, unpurgedAccounts: [] });
    expect(outbox.deleteOlderThan).toHaveBeenCalledTimes(1);
  });

  // Found in review (2026-12-07): an account whose erasure kept failing was a WARN line per run,
  // which alarms on nothing, on the servers and on Lambda alike.
  it('fails a run that left a deleted account past its erasure date, after every step ran', async () => {
    const { service, users, outbox } = setup();
    users.purgeDeletedAccounts.mockResolvedValueOnce({ purged: 2, failed: ['stuck-account'] });
    const failure = await service.runOnce().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MaintenanceRunError);
    const { report, failures, message } = failure as MaintenanceRunError;
    expect(failures.map((f) => f.step)).toEqual(['purgedAccounts']);
    expect(message).toContain(
      '1 deleted account(s) past their erasure date could not be purged (accounts stuck-account)',
    );
    expect(report).toEqual({ ...REPORT, unpurgedAccounts: ['stuck-account'] });
    expect(outbox.deleteOlderThan).toHaveBeenCalledTimes(1);
    // A file left behind (REPORT has one) is reported, not a failure: an expired upload promises
    // nobody anything.
    expect(REPORT.unremovedFiles).toEqual(['stuck-file']);
    expect(await setup().service.runOnce()).toEqual(REPORT);
  });

  it('does nothing with an interval of 0, and logs a failed run without stopping', async () => {
    vi.useFakeTimers();
    const idle = setup();
    idle.service.schedule(0);
    expect(idle.users.purgeDeletedAccounts).not.toHaveBeenCalled();

    const failing = setup();
    failing.users.purgeDeletedAccounts.mockRejectedValueOnce(new Error('database down'));
    failing.service.schedule(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(failing.logger.error).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(failing.users.purgeDeletedAccounts).toHaveBeenCalledTimes(2);
    await failing.service.onApplicationShutdown();
  });

  describe('with a deadline (Lambda)', () => {
    it('starts no unit of work that could not end before the deadline, and every step still gets its share', async () => {
      const context = setup();
      const { worked } = withBacklogs(context, everyStep(BACKLOG), 500);
      const report = await context.service.runOnce(T0 + BUDGET_MS);
      expect(Math.max(...worked.map((unit) => unit.end))).toBeLessThanOrEqual(T0 + BUDGET_MS);
      // Each step did work, the first ones as much as their eighth of the budget holds (2 s of
      // it kept for a unit in progress), so the first step cannot starve the last.
      for (const step of STEPS) expect(worked.filter((unit) => unit.step === step).length).toBeGreaterThan(0);
      const first = worked.filter((unit) => unit.step === 'removedTokens');
      expect(first).toHaveLength(3);
      expect(Math.max(...first.map((unit) => unit.end))).toBeLessThanOrEqual(T0 + BUDGET_MS / 8);
      expect(report.unfinishedSteps).toEqual([
        'removedTokens',
        'removedPendingRegistrations',
        'removedSessions',
        'removedRateLimitCounters',
        'removedSecurityEvents',
        'removedOutboxMail',
        'removedFiles',
        'purgedAccounts',
      ]);
      expect(report.purgedAccounts).toBe(worked.filter((unit) => unit.step === 'purgedAccounts').length);
    });

    it('hands the time a step did not need to the ones after it: a lone account backlog gets nearly all of it', async () => {
      const context = setup();
      const { worked } = withBacklogs(context, { purgedAccounts: BACKLOG, removedFiles: 3 }, 500);
      const report = await context.service.runOnce(T0 + BUDGET_MS);
      // 1.5 s of expired files, then an account every 0.5 s while 2 s (the allowance) are left:
      // from 1.5 s to 25 s.
      expect(report).toEqual({
        ...REPORT,
        purgedAccounts: 48,
        unpurgedAccounts: [],
        removedFiles: 3,
        unremovedFiles: [],
        removedTokens: 0,
        removedPendingRegistrations: 0,
        removedSessions: 0,
        removedRateLimitCounters: 0,
        removedSecurityEvents: 0,
        removedOutboxMail: 0,
        unfinishedSteps: ['purgedAccounts'],
      });
      expect(Math.max(...worked.map((unit) => unit.end))).toBeLessThanOrEqual(T0 + BUDGET_MS);
    });

    it('is not an error to stop at the deadline: the run reports what it did and logs that the backlog continues', async () => {
      const context = setup();
      withBacklogs(context, everyStep(BACKLOG), 500);
      // An invocation with less time left than its margin: nothing may start.
      const report = await context.service.runOnce(T0 - 1);
      expect(report).toEqual({
        ...REPORT,
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
        unfinishedSteps: expect.arrayContaining([...STEPS]),
      });
      expect(context.clock.time).toBe(T0);
      expect(context.logger.warn).toHaveBeenCalledWith(
        { unfinishedSteps: report.unfinishedSteps },
        MAINTENANCE_UNFINISHED_MESSAGE,
      );
      expect(context.logger.error).not.toHaveBeenCalled();
    });

    // Found in review (2026-12-07): a storage call stuck past the deadline (S3 unreachable) held
    // the run until the invocation timed out, and its report was lost.
    it('stops waiting for a step still working at the deadline, and reports it and the rest unfinished', async () => {
      const context = setup();
      withBacklogs(context, everyStep(1), 10);
      const deadline = T0 + BUDGET_MS;
      // The expired-files step hangs on a storage call begun 100 ms before the deadline.
      context.files.cleanupExpired.mockImplementation(() => {
        context.clock.time = deadline - 100;
        return new Promise(() => {});
      });
      const report = await context.service.runOnce(deadline);
      expect(report.unfinishedSteps).toEqual(['removedFiles', 'purgedAccounts']);
      expect(context.users.purgeDeletedAccounts).not.toHaveBeenCalled();
      // The steps before it are reported as they ran.
      expect(report.removedTokens).toBe(1);
      expect(report.removedOutboxMail).toBe(1);
      expect(context.logger.warn).toHaveBeenCalledWith({ step: 'removedFiles' }, MAINTENANCE_OVERRAN_MESSAGE);
    });

    it('still throws for a step that failed, with the steps it stopped in the report', async () => {
      const context = setup();
      withBacklogs(context, everyStep(BACKLOG), 500);
      context.sessions.deleteEnded.mockRejectedValueOnce(new Error('statement timeout'));
      const failure = await context.service.runOnce(T0 + BUDGET_MS).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(MaintenanceRunError);
      const { report, failures } = failure as MaintenanceRunError;
      expect(failures.map((f) => f.step)).toEqual(['removedSessions']);
      expect(report.unfinishedSteps).toHaveLength(7);
      expect(report.unfinishedSteps).not.toContain('removedSessions');
    });
  });

  describe('told to stop (the server shutting down)', () => {
    it('ends the step it is on after its current unit, starts no other, and reports them unfinished', async () => {
      const context = setup();
      const { worked } = withBacklogs(context, everyStep(3), 500);
      const stop = new AbortController();
      // Shutdown comes while the session cleanup works on its second batch.
      context.sessions.deleteEnded.mockImplementation(
        async (_before: Date, options?: BatchedDeleteOptions) => {
          let done = 0;
          while (done < 3 && options?.mayContinue?.() !== false) {
            done++;
            if (done === 2) stop.abort();
          }
          return done;
        },
      );
      const report = await context.service.runOnce(undefined, stop.signal);
      expect(report).toMatchObject({ removedTokens: 3, removedPendingRegistrations: 3, removedSessions: 2 });
      expect(worked.map((unit) => unit.step)).toEqual([
        'removedTokens',
        'removedTokens',
        'removedTokens',
        'removedPendingRegistrations',
        'removedPendingRegistrations',
        'removedPendingRegistrations',
      ]);
      for (const later of [
        context.rateLimits.pruneEndedWindows,
        context.activity.deleteExpired,
        context.outbox.deleteOlderThan,
        context.files.cleanupExpired,
        context.users.purgeDeletedAccounts,
      ])
        expect(later).not.toHaveBeenCalled();
      expect(report.unfinishedSteps).toEqual([
        'removedSessions',
        'removedRateLimitCounters',
        'removedSecurityEvents',
        'removedOutboxMail',
        'removedFiles',
        'purgedAccounts',
      ]);
      // Expected at shutdown, so no warning about a backlog.
      expect(context.logger.info).toHaveBeenCalledWith(
        { unfinishedSteps: report.unfinishedSteps },
        MAINTENANCE_STOPPED_MESSAGE,
      );
      expect(context.logger.warn).not.toHaveBeenCalled();
      expect(context.logger.error).not.toHaveBeenCalled();
    });

    it('stops a scheduled run at shutdown: the hooks wait for the unit under way and no more', async () => {
      const context = setup();
      withBacklogs(context, everyStep(3), 500);
      // The token cleanup's batches each wait for the test to finish them.
      const batches: (() => void)[] = [];
      context.oneTimeTokens.deleteExpired.mockImplementation(
        async (_before: Date, options?: BatchedDeleteOptions) => {
          let done = 0;
          while (done < 3 && options?.mayContinue?.() !== false) {
            await new Promise<void>((resolve) => batches.push(resolve));
            done++;
          }
          return done;
        },
      );
      context.service.schedule(60);
      await vi.waitFor(() => expect(batches).toHaveLength(1));
      context.service.beforeApplicationShutdown();
      let stopped = false;
      const shutdown = context.service.onApplicationShutdown().then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(stopped).toBe(false);
      batches.shift()?.();
      await shutdown;
      expect(batches).toHaveLength(0);
      expect(context.pendingRegistrations.deleteExpired).not.toHaveBeenCalled();
      expect(context.users.purgeDeletedAccounts).not.toHaveBeenCalled();
      expect(context.logger.info).toHaveBeenCalledWith(
        expect.objectContaining({ removedTokens: 1, unfinishedSteps: expect.arrayContaining([...STEPS]) }),
        'maintenance run',
      );
    });
  });

  it('without a deadline (server, CLI) runs every step to its end however long it takes, and logs no backlog', async () => {
    const context = setup();
    // An hour a unit: no Lambda budget would hold a single one.
    const { worked, answers } = withBacklogs(context, everyStep(3), 60 * 60_000);
    const report = await context.service.runOnce();
    expect(worked).toHaveLength(3 * STEPS.length);
    // Each step is asked before each unit, as under a deadline, and always told to go on.
    expect(answers).toEqual(Array.from({ length: 3 * STEPS.length }, () => true));
    expect(report).toEqual({
      ...REPORT,
      purgedAccounts: 3,
      unpurgedAccounts: [],
      removedFiles: 3,
      unremovedFiles: [],
      removedTokens: 3,
      removedPendingRegistrations: 3,
      removedSessions: 3,
      removedRateLimitCounters: 3,
      removedSecurityEvents: 3,
      removedOutboxMail: 3,
    });
    expect(report).not.toHaveProperty('unfinishedSteps');
    expect(context.logger.warn).not.toHaveBeenCalled();
  });
});
