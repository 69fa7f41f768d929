import type { Logger } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OneTimeTokensRepository } from '../auth/one-time-tokens.repository.js';
import type { PendingRegistrationsRepository } from '../auth/pending-registrations.repository.js';
import type { RateLimitService } from '../auth/rate-limit.service.js';
import type { SecurityActivityService } from '../auth/security-activity.service.js';
import type { SessionsRepository } from '../auth/sessions.repository.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import type { FilesService } from '../files/files.service.js';
import type { OutboxMailRepository } from '../mail/outbox-mail.repository.js';
import type { UsersService } from '../users/users.service.js';
import { MaintenanceRunError, MaintenanceService } from './maintenance.service.js';

const REPORT = {
  purgedAccounts: 2,
  unpurgedAccounts: ['stuck-account'],
  removedFiles: 5,
  unremovedFiles: ['stuck-file'],
  removedTokens: 7,
  removedPendingRegistrations: 19,
  removedSessions: 3,
  removedRateLimitCounters: 11,
  removedSecurityEvents: 13,
  removedOutboxMail: 17,
};

function setup() {
  const users = { purgeDeletedAccounts: vi.fn(async () => ({ purged: 2, failed: ['stuck-account'] })) };
  const files = { cleanupExpired: vi.fn(async () => ({ removed: 5, failed: ['stuck-file'] })) };
  const oneTimeTokens = { deleteExpired: vi.fn(async (_before: Date) => 7) };
  const pendingRegistrations = { deleteExpired: vi.fn(async (_before: Date) => 19) };
  const sessions = { deleteEnded: vi.fn(async (_before: Date) => 3) };
  const rateLimits = { pruneEndedWindows: vi.fn(async () => 11) };
  const activity = { deleteExpired: vi.fn(async () => 13) };
  const outbox = { deleteOlderThan: vi.fn(async (_before: Date) => 17) };
  const clock = { now: () => new Date('2026-12-06T12:00:00Z') } as ClockRepository;
  const logger = { info: vi.fn(), error: vi.fn() };
  const service = new MaintenanceService(
    users as unknown as UsersService,
    files as unknown as FilesService,
    oneTimeTokens as unknown as OneTimeTokensRepository,
    pendingRegistrations as unknown as PendingRegistrationsRepository,
    sessions as unknown as SessionsRepository,
    rateLimits as unknown as RateLimitService,
    activity as unknown as SecurityActivityService,
    outbox as unknown as OutboxMailRepository,
    clock,
    logger as unknown as Logger,
  );
  return { service, users, files, oneTimeTokens, pendingRegistrations, sessions, rateLimits, outbox, logger };
}

describe('MaintenanceService', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the account purge and the upload, token, session and rate-limit cleanups and reports them', async () => {
    const { service, oneTimeTokens, sessions, rateLimits, outbox } = setup();
    expect(await service.runOnce()).toEqual(REPORT);
    // Tokens are kept for a day after they expire, outbox mail for two days, ended sessions for 30.
    expect(oneTimeTokens.deleteExpired).toHaveBeenCalledWith(new Date('2026-12-05T12:00:00Z'));
    expect(outbox.deleteOlderThan).toHaveBeenCalledWith(new Date('2026-12-04T12:00:00Z'));
    expect(sessions.deleteEnded).toHaveBeenCalledWith(new Date('2026-11-06T12:00:00Z'));
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
});
