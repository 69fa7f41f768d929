import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { ReauthenticationDto } from '../auth/auth.dto.js';
import { AuthService } from '../auth/auth.service.js';
import type { ClientInfo, UserAuth } from '../auth/auth-context.js';
import { MfaRepository } from '../auth/mfa.repository.js';
import type { SecurityActivityPageDto, SecurityActivityQuery } from '../auth/security-activity.dto.js';
import { SecurityActivityService } from '../auth/security-activity.service.js';
import { SessionStatusCache } from '../auth/session-status.cache.js';
import { SessionsRepository } from '../auth/sessions.repository.js';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { LOGGER } from '../common/logging/logger.module.js';
import { encodePageCursor } from '../common/validation/page-cursor.dto.js';
import type { LiveFileRow, UserRow, UserUpdate } from '../database/database.types.js';
import { FilesService } from '../files/files.service.js';
import { MailService } from '../mail/mail.service.js';
import { ACCOUNT_PURGE_AFTER_MS } from './account-retention.js';
import type {
  AdminUserDto,
  AdminUsersPageDto,
  AdminUsersQuery,
  AdminUserUpdateDto,
  MeDto,
  PublicProfileDto,
  UpdateMeDto,
} from './users.dto.js';
import { mapAdminUser, mapMe, mapPublicProfile } from './users.mapper.js';
import { UsersRepository } from './users.repository.js';

const PURGE_BATCH = 50;

/**
 * Profiles, account deletion and its delayed purge, and user administration. Anything that takes
 * access away (disable, role change, deletion) revokes the user's sessions and drops them from
 * this instance's session cache, so it applies to the very next request.
 */
@Injectable()
export class UsersService {
  constructor(
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(MfaRepository) private readonly mfa: MfaRepository,
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(SessionStatusCache) private readonly sessionCache: SessionStatusCache,
    @Inject(FilesService) private readonly files: FilesService,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(MailService) private readonly mail: MailService,
    @Inject(SecurityActivityService) private readonly activity: SecurityActivityService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async me(auth: UserAuth): Promise<MeDto> {
    const user = await this.activeUser(auth.userId);
    return mapMe(user, await this.files.publicUrlOfId(user.avatarFileId));
  }

  async updateMe(auth: UserAuth, dto: UpdateMeDto): Promise<MeDto> {
    const user = await this.activeUser(auth.userId);
    const changes: UserUpdate = {};
    if (dto.displayName !== undefined) changes.displayName = dto.displayName || null;
    if (dto.bio !== undefined) changes.bio = dto.bio || null;
    if (dto.username !== undefined && dto.username !== user.username) changes.username = dto.username;
    if (dto.avatarFileId !== undefined) {
      if (dto.avatarFileId !== null) await this.files.readyAvatar(user.id, dto.avatarFileId);
      changes.avatarFileId = dto.avatarFileId;
    }
    if (Object.keys(changes).length === 0) return this.me(auth);
    // A replaced avatar is retired in the profile's transaction and its object deleted after it.
    // Which one it replaces is read from the row locked in that transaction, not from `user`: two
    // changes at once both read the first avatar there, and the one saved in between stayed
    // public (found in review).
    let replaced: LiveFileRow | undefined;
    const collision = await this.users.updateProfile(
      user.id,
      { ...changes, updatedAt: this.clock.now() },
      undefined,
      changes.avatarFileId === undefined
        ? undefined
        : async (trx, before) => {
            // Checked again under lock: a delete of the file since the check above is seen here.
            if (changes.avatarFileId) await this.files.readyAvatar(user.id, changes.avatarFileId, trx);
            const previous = before?.avatarFileId ?? null;
            if (previous === null || previous === changes.avatarFileId) return;
            replaced = await this.files.ownFile(user.id, previous, trx);
            if (replaced) await this.files.retire(replaced, trx);
          },
    );
    if (collision === 'username') throw new AppError('USERNAME_TAKEN');
    // The change was rolled back: nothing below may act as if it were saved.
    if (collision !== undefined) throw new Error(`a profile change collided on ${collision}`);
    if (replaced) await this.files.deleteRetired(replaced);
    const updated = { ...user, ...changes } as UserRow;
    return mapMe(updated, await this.files.publicUrlOfId(updated.avatarFileId));
  }

  /**
   * Marks the account deleted and signs it out everywhere, in one transaction with its
   * `account_deleted` event (where from: an administrator answering "I did not delete it" reads it
   * until the account is erased); `purgeDeletedAccounts` erases it after 30 days. Takes
   * re-authentication: a stolen access token must not be enough to delete an account.
   */
  async deleteMe(auth: UserAuth, proof: ReauthenticationDto, client: ClientInfo): Promise<void> {
    // Before the proof, so the refusal costs the owner no code; decided again under the lock below.
    const account = await this.users.findById(auth.userId);
    if (account?.role === 'admin') assertAnotherAdmin(auth.userId, await this.users.activeAdminIds());
    const { user, spend } = await this.auth.confirmIdentity(auth, proof);
    const now = this.clock.now();
    const deleted = await this.activity.withEvents(
      async (trx) => {
        // The admins' rows and this account's, in id order, before the proof's spend locks this
        // one again: taken the other way round, two admins deleting themselves at once deadlocked.
        // Whether it is an admin is read under that lock: the role read before the proof missed a
        // promotion while the password was checked, and the last admin could delete their account
        // (found in review, 2026-12-07).
        const admins = await this.users.lockActiveAdmins(trx, auth.userId);
        if (admins.includes(auth.userId)) assertAnotherAdmin(auth.userId, admins);
        await spend(trx);
        // A second deletion sent at once (a double click, a retry after a timeout) waited here for
        // the first and answers as it did, with nothing done twice (found in review, 2026-12-07:
        // two notices, two events, and the erasure's 30 days started again).
        if (!(await this.users.markDeleted(auth.userId, now, trx))) return undefined;
        await this.sessions.revokeAll(auth.userId, now, 'account_deleted', undefined, trx);
        return {
          // Public files go now (they may be read from the bucket directly); the rest at the purge.
          retired: await this.files.retirePublicFilesOf(auth.userId, trx),
          notice: await this.mail.queue(trx, user, 'accountDeleted', ACCOUNT_PURGE_AFTER_MS / 86_400_000),
        };
      },
      (done) => [done && this.activity.event(auth.userId, 'account_deleted', { client })],
    );
    this.sessionCache.invalidateUser(auth.userId);
    if (!deleted) return;
    await this.files.deleteRetiredObjects(deleted.retired);
    await this.mail.deliver(deleted.notice);
  }

  async profile(id: string): Promise<PublicProfileDto> {
    const user = await this.users.findById(id);
    if (!user || user.deletedAt !== null || user.disabledAt !== null) throw new AppError('USER_NOT_FOUND');
    return mapPublicProfile(user, await this.files.publicUrlOfId(user.avatarFileId));
  }

  // ---------------------------------------------------------------- administration

  async list(query: AdminUsersQuery): Promise<AdminUsersPageDto> {
    const rows = await this.users.search({
      prefix: query.query,
      cursor: query.cursor,
      limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(mapAdminUser),
      nextCursor: rows.length > query.limit && last ? encodePageCursor(last) : null,
    };
  }

  /**
   * Role and disabled flag. Granting admin (or re-enabling an admin) takes the acting admin's
   * re-authentication, and the new admin is told: an admin's stolen access token must not be enough to make another account
   * admin, which would outlive the session it was stolen from. Taking access away (demoting,
   * disabling) stays one step, since it is what an admin does in a hurry.
   */
  async adminUpdate(admin: UserAuth, id: string, dto: AdminUserUpdateDto): Promise<AdminUserDto> {
    // An admin demoting or disabling themselves could leave nobody able to administer.
    if (id === admin.userId) throw new AppError('ADMIN_SELF_CHANGE');
    const user = await this.users.findById(id);
    if (!user || user.deletedAt !== null) throw new AppError('USER_NOT_FOUND');
    const changes: UserUpdate = {};
    if (dto.role !== undefined && dto.role !== user.role) changes.role = dto.role;
    const grantsAdmin = changes.role === 'admin';
    const now = this.clock.now();
    if (dto.disabled === true && user.disabledAt === null) changes.disabledAt = now;
    if (dto.disabled === false && user.disabledAt !== null) changes.disabledAt = null;
    // Re-enabling an account that is still an admin gives back an admin, like granting the role
    // (found in review, 2026-12-07: a stolen admin token could revive a disabled admin account).
    const enablesAdmin = changes.disabledAt === null && (changes.role ?? user.role) === 'admin';
    // These weaken or widen access beyond what an admin's stolen token alone should do: a second
    // admin account, or an account whose second factor the thief's accomplice no longer needs.
    const resetsTwoStep = dto.twoStepSignIn === 'off' && user.mfaEnabledAt !== null;
    const confirmed =
      grantsAdmin || enablesAdmin || resetsTwoStep ? await this.auth.confirmIdentity(admin, dto) : undefined;
    if (Object.keys(changes).length === 0 && !resetsTwoStep) return mapAdminUser(user);
    // Every change but re-enabling signs the account out: its sessions carry the old role, or
    // passed a second step that is gone. In the transaction of the change, like its events.
    const signOutReason = changes.disabledAt
      ? 'account_disabled'
      : resetsTwoStep
        ? 'mfa_reset'
        : changes.role !== undefined
          ? 'role_changed'
          : undefined;
    // The account's owner sees each change in their activity, made by an administrator (who is not named).
    const notices = await this.activity.withEvents(
      async (trx) => {
        // Every active admin's row and the account's, locked in one order before the proof's spend
        // (which locks the acting admin's row alone): two admins demoting each other at once would
        // each pass the guard with the role they had before and leave none, and two granting each
        // other admin would each hold their own row and wait for the other's.
        // Under that lock the acting admin must still be one: the guard passed on the role the
        // session had, and an admin demoted or disabled since (while the password was checked, or
        // on an instance whose session cache still held the old role) could still grant admin or
        // turn off someone's two-step sign-in (found in review, 2026-12-07; taking admin away was
        // already checked). They also remain an admin themselves, so a change that takes one away
        // leaves at least one.
        if (!(await this.users.lockActiveAdmins(trx, id)).includes(admin.userId))
          throw new AppError('FORBIDDEN');
        await confirmed?.spend(trx);
        if (Object.keys(changes).length > 0) await this.users.update(id, { ...changes, updatedAt: now }, trx);
        if (resetsTwoStep) await this.mfa.disable(id, now, trx);
        if (signOutReason) await this.sessions.revokeAll(id, now, signOutReason, undefined, trx);
        return [
          ...(grantsAdmin ? [await this.mail.queue(trx, user, 'adminGranted')] : []),
          ...(resetsTwoStep ? [await this.mail.queue(trx, user, 'mfaResetByAdmin')] : []),
        ];
      },
      [
        changes.role !== undefined && this.activity.event(id, 'role_changed', 'admin', changes.role),
        changes.disabledAt instanceof Date && this.activity.event(id, 'account_disabled', 'admin'),
        changes.disabledAt === null && this.activity.event(id, 'account_enabled', 'admin'),
        resetsTwoStep && this.activity.event(id, 'two_step_disabled', 'admin'),
      ],
    );
    // First: the change takes effect on this instance without waiting for the mail's attempts.
    this.sessionCache.invalidateUser(id);
    for (const notice of notices) await this.mail.deliver(notice);
    return mapAdminUser({ ...user, ...changes, ...(resetsTwoStep ? { mfaEnabledAt: null } : {}) } as UserRow);
  }

  /**
   * A user's security activity, for an administrator looking into their account (a lockout, a
   * sign-in they do not recognise). A deleted account's stays readable until it is erased.
   */
  async adminActivity(id: string, query: SecurityActivityQuery): Promise<SecurityActivityPageDto> {
    const user = await this.users.findById(id);
    if (!user) throw new AppError('USER_NOT_FOUND');
    return this.activity.listOf(id, query);
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * Erases accounts deleted more than 30 days ago: their files (objects and rows) go, and the row
   * keeps no personal data, so the email and username can be registered again. Idempotent; one
   * failing account is logged and retried on the next run. Returns how many were purged, and the
   * ids of those that could not be. `mayContinue` is asked before each listing and each account;
   * `false` stops the purge there, the rest left for the next run (a maintenance run at its
   * deadline).
   */
  async purgeDeletedAccounts(
    mayContinue: () => boolean = () => true,
  ): Promise<{ purged: number; failed: string[] }> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - ACCOUNT_PURGE_AFTER_MS);
    const failed = new Set<string>();
    let purged = 0;
    const result = () => ({ purged, failed: [...failed] });
    for (;;) {
      if (!mayContinue()) return result();
      const batch = (await this.users.listDeletedBefore(cutoff, PURGE_BATCH + failed.size)).filter(
        (user) => !failed.has(user.id),
      );
      if (batch.length === 0) return result();
      for (const user of batch) {
        // A batch is 50 accounts, far more than one check ahead could answer for.
        if (!mayContinue()) return result();
        try {
          // Out of time among the account's files: its data stays until they are all gone.
          if (!(await this.files.removeAllOf(user.id, mayContinue)).complete) return result();
          await this.users.erasePersonalData(user, now);
          purged++;
        } catch (error) {
          failed.add(user.id);
          this.logger.warn({ err: error, userId: user.id }, 'could not purge a deleted account; will retry');
        }
      }
    }
  }

  private async activeUser(id: string): Promise<UserRow> {
    const user = await this.users.findById(id);
    if (!user || user.deletedAt !== null) throw new AppError('USER_NOT_FOUND');
    return user;
  }
}

/**
 * The only active administrator deleting their account would leave nobody able to administer,
 * and getting one back takes database access (`npm run user:promote`), which on Lambda sits in a
 * private VPC (found in review, 2026-12-07: the docs promised it could not happen).
 */
function assertAnotherAdmin(userId: string, activeAdminIds: readonly string[]): void {
  if (!activeAdminIds.some((id) => id !== userId)) throw new AppError('LAST_ADMIN');
}
