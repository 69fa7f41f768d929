import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { appErrorCode } from '../../test/support/app-error-code.js';
import { confirmedIdentity } from '../../test/support/confirmed-identity.js';
import { recordedSecurityActivity, SPEC_TRANSACTION } from '../../test/support/recorded-security-activity.js';
import { recordingMail } from '../../test/support/recording-mail.js';
import type { ReauthenticationDto } from '../auth/auth.dto.js';
import type { AuthService } from '../auth/auth.service.js';
import type { UserAuth } from '../auth/auth-context.js';
import type { MfaRepository } from '../auth/mfa.repository.js';
import type { SessionStatusCache } from '../auth/session-status.cache.js';
import type { SessionsRepository } from '../auth/sessions.repository.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { encodePageCursor } from '../common/validation/page-cursor.dto.js';
import type { Database } from '../database/database.factory.js';
import type { UserRow } from '../database/database.types.js';
import type { FilesService } from '../files/files.service.js';
import { newUserRow } from './new-user.js';
import type { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const ME: UserAuth = { method: 'bearer', userId: 'user-1', sessionId: 'session-1', role: 'user' };
const CLIENT = { ip: '198.51.100.20', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' };
const ADMIN: UserAuth = { method: 'bearer', userId: 'admin-1', sessionId: 'session-9', role: 'admin' };

function user(overrides: Partial<UserRow> = {}): UserRow {
  return {
    ...newUserRow({
      id: 'user-1',
      email: 'ada@example.com',
      username: 'ada',
      passwordHash: 'hash',
      emailVerifiedAt: T0,
      now: T0,
    }),
    displayName: 'Ada',
    ...overrides,
  };
}

/**
 * A UsersService over fake repositories and a fixed clock. `locked` is the row as the profile
 * change's transaction finds it, locked (by default the same as `found`, read before it).
 */
function setup(found: UserRow | null = user(), locked: UserRow | null = found) {
  const clock = { now: vi.fn(() => T0) } as unknown as ClockRepository;
  const users = {
    findById: vi.fn(async () => found ?? undefined),
    update: vi.fn(async () => {}),
    // Like the repository: what must commit with the change runs in its transaction.
    updateProfile: vi.fn(
      async (
        _id: string,
        _changes: object,
        _db?: Database,
        alongside?: (trx: Database, before: UserRow | undefined) => Promise<void>,
      ): Promise<'username' | 'email' | undefined> => {
        await alongside?.(SPEC_TRANSACTION, locked ?? undefined);
        return undefined;
      },
    ),
    search: vi.fn(async () => [] as UserRow[]),
    markDeleted: vi.fn(async (_id: string, _now: Date, _trx: Database) => true),
    // The active administrators: ADMIN alone unless a test says otherwise.
    activeAdminIds: vi.fn(async (): Promise<string[]> => ['admin-1']),
    lockActiveAdmins: vi.fn(async (_trx: Database): Promise<string[]> => ['admin-1']),
    lockById: vi.fn(async (_id: string, _trx: Database) => found ?? undefined),
    listDeletedBefore: vi.fn(async () => [] as UserRow[]),
    erasePersonalData: vi.fn(async (_user: UserRow, _now: Date) => {}),
  };
  const sessions = { revokeAll: vi.fn(async () => ['s1', 's2']) };
  const sessionCache = { invalidateUser: vi.fn() };
  const files = {
    readyAvatar: vi.fn(async (_userId: string, _id: string, _within?: Database): Promise<object> => ({})),
    publicUrlOfId: vi.fn(async (id: string | null) =>
      id ? `https://api.example.com/files/${id}/content` : null,
    ),
    removeAllOf: vi.fn(async (_userId: string, _mayContinue?: () => boolean) => ({
      removed: 0,
      complete: true,
    })),
    ownFile: vi.fn(async (_userId: string, id: string) => ({ id, storageKey: `k/${id}` })),
    retire: vi.fn(async (_file: unknown, _trx: Database) => {}),
    retirePublicFilesOf: vi.fn(async (_userId: string, _trx: Database) => [
      { id: 'avatar-1' },
      { id: 'story-1' },
    ]),
    deleteRetiredObjects: vi.fn(async (_files: readonly unknown[]) => {}),
    deleteRetired: vi.fn(async (_file: unknown) => {}),
  };
  const logger = { warn: vi.fn() } as unknown as Logger;
  const identity = confirmedIdentity(user());
  const auth = { confirmIdentity: vi.fn(async (_auth: UserAuth, _proof: ReauthenticationDto) => identity) };
  const mail = recordingMail();
  const mfa = { disable: vi.fn(async (_userId: string, _now: Date) => {}) };
  const { activity, recorded, types: activityTypes } = recordedSecurityActivity(clock);
  const service = new UsersService(
    users as unknown as UsersRepository,
    auth as unknown as AuthService,
    mfa as unknown as MfaRepository,
    sessions as unknown as SessionsRepository,
    sessionCache as unknown as SessionStatusCache,
    files as unknown as FilesService,
    clock,
    mail,
    activity,
    logger,
  );
  return {
    service,
    users,
    sessions,
    sessionCache,
    files,
    logger,
    auth,
    identity,
    mail,
    mfa,
    activityTypes,
    recorded,
  };
}

describe('UsersService profile', () => {
  it('updates only the given fields, empty strings clearing them', async () => {
    const { service, users } = setup();
    const me = await service.updateMe(ME, { displayName: '', bio: 'Hello', username: 'ada' });
    expect(users.updateProfile).toHaveBeenCalledWith(
      'user-1',
      { displayName: null, bio: 'Hello', updatedAt: T0 },
      undefined,
      undefined,
    );
    expect(me).toMatchObject({ displayName: null, bio: 'Hello', username: 'ada' });
  });

  it('maps a username collision to USERNAME_TAKEN', async () => {
    const { service, users } = setup();
    users.updateProfile.mockResolvedValue('username');
    expect(await appErrorCode(service.updateMe(ME, { username: 'taken' }))).toBe('USERNAME_TAKEN');
  });

  it('sets an avatar only after FilesService vouches for it, and removes it with null', async () => {
    const { service, users, files } = setup();
    const me = await service.updateMe(ME, { avatarFileId: 'file-1' });
    expect(files.readyAvatar).toHaveBeenCalledWith('user-1', 'file-1');
    // And again in the profile's transaction, under lock: a delete since the first check is seen there.
    expect(files.readyAvatar).toHaveBeenCalledWith('user-1', 'file-1', SPEC_TRANSACTION);
    expect(me.avatarUrl).toBe('https://api.example.com/files/file-1/content');
    files.readyAvatar.mockRejectedValue(new AppError('AVATAR_NOT_READY'));
    expect(await appErrorCode(service.updateMe(ME, { avatarFileId: 'file-2' }))).toBe('AVATAR_NOT_READY');
    expect(users.updateProfile).toHaveBeenCalledTimes(1);
    await service.updateMe(ME, { avatarFileId: null });
    expect(users.updateProfile).toHaveBeenLastCalledWith(
      'user-1',
      { avatarFileId: null, updatedAt: T0 },
      undefined,
      expect.any(Function),
    );
    expect(files.readyAvatar).toHaveBeenCalledTimes(3);
  });

  it('saves nothing when the avatar was deleted after the first check (seen under lock)', async () => {
    const { service, users, files } = setup(user({ avatarFileId: 'old' }));
    files.readyAvatar.mockImplementation(async (_userId: string, _id: string, within?: Database) => {
      if (within) throw new AppError('FILE_NOT_FOUND');
      return {};
    });
    expect(await appErrorCode(service.updateMe(ME, { avatarFileId: 'new' }))).toBe('FILE_NOT_FOUND');
    // Thrown inside the profile's transaction (rolled back), before the old avatar was retired.
    expect(users.updateProfile).toHaveBeenCalledTimes(1);
    expect(files.retire).not.toHaveBeenCalled();
    expect(files.deleteRetired).not.toHaveBeenCalled();
  });

  it('retires the replaced avatar in the profile’s transaction and deletes its object after the commit', async () => {
    const { service, files } = setup(user({ avatarFileId: 'old' }));
    await service.updateMe(ME, { avatarFileId: 'new' });
    expect(files.ownFile).toHaveBeenCalledWith('user-1', 'old', SPEC_TRANSACTION);
    expect(files.retire).toHaveBeenCalledWith(expect.objectContaining({ id: 'old' }), SPEC_TRANSACTION);
    expect(files.deleteRetired).toHaveBeenCalledWith(expect.objectContaining({ id: 'old' }));
    expect(files.retire.mock.invocationCallOrder[0]).toBeLessThan(
      files.deleteRetired.mock.invocationCallOrder[0] ?? 0,
    );
    const unchanged = setup(user({ avatarFileId: 'old' }));
    await unchanged.service.updateMe(ME, { avatarFileId: 'old' });
    await unchanged.service.updateMe(ME, { bio: 'x' });
    expect(unchanged.files.retire).not.toHaveBeenCalled();
    expect(unchanged.files.deleteRetired).not.toHaveBeenCalled();
  });

  it('retires the avatar the locked row holds: one saved by a change that committed meanwhile', async () => {
    // Read 'old' before the transaction; another change set 'between' and committed before the lock.
    const { service, files } = setup(user({ avatarFileId: 'old' }), user({ avatarFileId: 'between' }));
    await service.updateMe(ME, { avatarFileId: 'new' });
    expect(files.retire).toHaveBeenCalledTimes(1);
    expect(files.retire).toHaveBeenCalledWith(expect.objectContaining({ id: 'between' }), SPEC_TRANSACTION);
    expect(files.deleteRetired).toHaveBeenCalledWith(expect.objectContaining({ id: 'between' }));
    // And one that already set this avatar meanwhile replaced nothing of ours.
    const same = setup(user({ avatarFileId: 'old' }), user({ avatarFileId: 'new' }));
    await same.service.updateMe(ME, { avatarFileId: 'new' });
    expect(same.files.retire).not.toHaveBeenCalled();
  });

  it('retires nothing when the new username is taken (the whole change rolls back)', async () => {
    const { service, users, files } = setup(user({ avatarFileId: 'old' }));
    users.updateProfile.mockResolvedValueOnce('username');
    expect(await appErrorCode(service.updateMe(ME, { avatarFileId: 'new', username: 'taken' }))).toBe(
      'USERNAME_TAKEN',
    );
    expect(files.deleteRetired).not.toHaveBeenCalled();
  });

  it('hides deleted and disabled users from profiles (USER_NOT_FOUND), never showing the email', async () => {
    expect(await setup().service.profile('user-1')).toEqual({
      id: 'user-1',
      username: 'ada',
      displayName: 'Ada',
      bio: null,
      avatarUrl: null,
    });
    for (const hidden of [user({ deletedAt: T0 }), user({ disabledAt: T0 }), null]) {
      expect(await appErrorCode(setup(hidden).service.profile('user-1'))).toBe('USER_NOT_FOUND');
    }
  });

  it('deleting the account marks it, revokes every session in the same transaction, records where from and drops them from the cache', async () => {
    const { service, users, sessions, sessionCache, auth, identity, mail, recorded } = setup();
    await service.deleteMe(ME, { password: 'pw' }, CLIENT);
    expect(auth.confirmIdentity).toHaveBeenCalledWith(ME, { password: 'pw' });
    expect(identity.spend).toHaveBeenCalledWith(SPEC_TRANSACTION);
    // The owner hears of it (the deletion may not have been theirs), and support can see where from.
    expect(mail.sent).toHaveBeenCalledWith('ada@example.com', 'accountDeleted', 30);
    // Queued in the change's transaction: the two commit together.
    expect(mail.queue).toHaveBeenCalledWith(SPEC_TRANSACTION, expect.anything(), 'accountDeleted', 30);
    expect(users.markDeleted).toHaveBeenCalledWith('user-1', T0, SPEC_TRANSACTION);
    expect(sessions.revokeAll).toHaveBeenCalledWith(
      'user-1',
      T0,
      'account_deleted',
      undefined,
      SPEC_TRANSACTION,
    );
    expect(recorded).toEqual([
      expect.objectContaining({
        userId: 'user-1',
        type: 'account_deleted',
        ip: CLIENT.ip,
        userAgent: CLIENT.userAgent,
        byAdmin: false,
      }),
    ]);
    expect(sessionCache.invalidateUser).toHaveBeenCalledWith('user-1');
  });

  it('deleting the account retires its public files in the same transaction and deletes their objects after it', async () => {
    const { service, files } = setup();
    await service.deleteMe(ME, { password: 'pw' }, CLIENT);
    // With S3_PUBLIC_BASE_URL they are read from the bucket itself: they cannot wait for the purge.
    expect(files.retirePublicFilesOf).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    expect(files.deleteRetiredObjects).toHaveBeenCalledWith([{ id: 'avatar-1' }, { id: 'story-1' }]);
    expect(files.retirePublicFilesOf.mock.invocationCallOrder[0]).toBeLessThan(
      files.deleteRetiredObjects.mock.invocationCallOrder[0] ?? 0,
    );
  });

  it('deletes nothing, records nothing and signs nobody out when re-authentication fails', async () => {
    const { service, users, sessions, auth, mail, recorded } = setup();
    auth.confirmIdentity.mockRejectedValue(new AppError('CURRENT_PASSWORD_INCORRECT'));
    expect(await appErrorCode(service.deleteMe(ME, { password: 'wrong' }, CLIENT))).toBe(
      'CURRENT_PASSWORD_INCORRECT',
    );
    expect(users.markDeleted).not.toHaveBeenCalled();
    expect(sessions.revokeAll).not.toHaveBeenCalled();
    expect(recorded).toEqual([]);
    expect(mail.sent).not.toHaveBeenCalled();
  });

  it('refuses to delete the only administrator’s account (LAST_ADMIN), before asking for the proof', async () => {
    const { service, users, auth, identity } = setup(user({ id: 'admin-1', role: 'admin' }));
    expect(await appErrorCode(service.deleteMe(ADMIN, { password: 'pw' }, CLIENT))).toBe('LAST_ADMIN');
    expect(auth.confirmIdentity).not.toHaveBeenCalled();
    expect(identity.spend).not.toHaveBeenCalled();
    expect(users.markDeleted).not.toHaveBeenCalled();
  });

  it('deletes an administrator’s account while another admin remains, checked again under the lock', async () => {
    const { service, users, auth } = setup(user({ id: 'admin-1', role: 'admin' }));
    auth.confirmIdentity.mockResolvedValue(confirmedIdentity(user({ id: 'admin-1', role: 'admin' })));
    users.activeAdminIds.mockResolvedValue(['admin-1', 'admin-2']);
    users.lockActiveAdmins.mockResolvedValue(['admin-1', 'admin-2']);
    await service.deleteMe(ADMIN, { password: 'pw' }, CLIENT);
    expect(users.lockActiveAdmins).toHaveBeenCalledWith(SPEC_TRANSACTION, 'admin-1');
    expect(users.markDeleted).toHaveBeenCalledWith('admin-1', T0, SPEC_TRANSACTION);

    // Found in review (2026-12-07): read as a plain user before the proof, promoted while the
    // password was checked, and the only other admin gone meanwhile: the role under the lock counts.
    const promoted = setup(user());
    promoted.users.lockActiveAdmins.mockResolvedValue(['user-1']);
    expect(await appErrorCode(promoted.service.deleteMe(ME, { password: 'pw' }, CLIENT))).toBe('LAST_ADMIN');
    expect(promoted.users.markDeleted).not.toHaveBeenCalled();

    // The other admin was demoted or deleted between the first look and the transaction.
    const raced = setup(user({ id: 'admin-1', role: 'admin' }));
    raced.auth.confirmIdentity.mockResolvedValue(confirmedIdentity(user({ id: 'admin-1', role: 'admin' })));
    raced.users.activeAdminIds.mockResolvedValue(['admin-1', 'admin-2']);
    expect(await appErrorCode(raced.service.deleteMe(ADMIN, { password: 'pw' }, CLIENT))).toBe('LAST_ADMIN');
    expect(raced.users.markDeleted).not.toHaveBeenCalled();
  });

  it('does nothing twice when the account was deleted meanwhile (a second deletion sent at once)', async () => {
    const { service, users, sessions, files, mail, recorded } = setup();
    users.markDeleted.mockResolvedValue(false);
    await service.deleteMe(ME, { password: 'pw' }, CLIENT);
    expect(sessions.revokeAll).not.toHaveBeenCalled();
    expect(files.retirePublicFilesOf).not.toHaveBeenCalled();
    expect(files.deleteRetiredObjects).not.toHaveBeenCalled();
    expect(mail.queue).not.toHaveBeenCalled();
    expect(recorded).toEqual([]);
  });

  it('deletes nothing when the confirmation code was used meanwhile (its spend refuses)', async () => {
    const { service, users, sessions, identity, mail, recorded } = setup();
    identity.spend.mockRejectedValue(new AppError('INVALID_CODE'));
    expect(await appErrorCode(service.deleteMe(ME, { code: '123456' }, CLIENT))).toBe('INVALID_CODE');
    expect(users.markDeleted).not.toHaveBeenCalled();
    expect(sessions.revokeAll).not.toHaveBeenCalled();
    expect(recorded).toEqual([]);
    expect(mail.sent).not.toHaveBeenCalled();
  });
});

describe('UsersService administration', () => {
  it('pages with one extra row to know whether another page exists', async () => {
    const { service, users } = setup();
    const rows = [user({ id: 'c' }), user({ id: 'b' }), user({ id: 'a' })];
    users.search.mockResolvedValue(rows);
    const page = await service.list({ query: 'ad', limit: 2 });
    expect(users.search).toHaveBeenCalledWith({ prefix: 'ad', cursor: undefined, limit: 3 });
    expect(page.items.map((item) => item.id)).toEqual(['c', 'b']);
    expect(page.nextCursor).toBe(encodePageCursor({ createdAt: T0, id: 'b' }));
    users.search.mockResolvedValue(rows.slice(0, 2));
    expect((await service.list({ limit: 2 })).nextCursor).toBeNull();
  });

  it('disabling revokes the sessions at once; re-enabling only refreshes the cache', async () => {
    const { service, users, sessions, sessionCache, activityTypes } = setup();
    await service.adminUpdate(ADMIN, 'user-1', { disabled: true });
    expect(users.update).toHaveBeenCalledWith('user-1', { disabledAt: T0, updatedAt: T0 }, SPEC_TRANSACTION);
    expect(activityTypes()).toEqual(['account_disabled']);
    expect(sessions.revokeAll).toHaveBeenCalledWith(
      'user-1',
      T0,
      'account_disabled',
      undefined,
      SPEC_TRANSACTION,
    );
    expect(sessionCache.invalidateUser).toHaveBeenCalledWith('user-1');

    const disabled = setup(user({ disabledAt: T0 }));
    const result = await disabled.service.adminUpdate(ADMIN, 'user-1', { disabled: false });
    expect(disabled.users.update).toHaveBeenCalledWith(
      'user-1',
      { disabledAt: null, updatedAt: T0 },
      SPEC_TRANSACTION,
    );
    expect(disabled.activityTypes()).toEqual(['account_enabled']);
    expect(disabled.sessions.revokeAll).not.toHaveBeenCalled();
    expect(disabled.sessionCache.invalidateUser).toHaveBeenCalledWith('user-1');
    expect(result.disabledAt).toBeNull();
  });

  it('a role change revokes the sessions; an unchanged role writes nothing', async () => {
    const { service, sessions } = setup();
    expect((await service.adminUpdate(ADMIN, 'user-1', { role: 'admin', password: 'pw' })).role).toBe(
      'admin',
    );
    expect(sessions.revokeAll).toHaveBeenCalledWith(
      'user-1',
      T0,
      'role_changed',
      undefined,
      SPEC_TRANSACTION,
    );
    const same = setup();
    await same.service.adminUpdate(ADMIN, 'user-1', { role: 'user' });
    expect(same.users.update).not.toHaveBeenCalled();
    expect(same.activityTypes()).toEqual([]);
    expect(same.auth.confirmIdentity).not.toHaveBeenCalled();
  });

  it("grants admin only with the acting admin's re-authentication, and tells the new admin", async () => {
    const refused = setup();
    refused.auth.confirmIdentity.mockRejectedValueOnce(new AppError('REAUTHENTICATION_REQUIRED'));
    expect(await appErrorCode(refused.service.adminUpdate(ADMIN, 'user-1', { role: 'admin' }))).toBe(
      'REAUTHENTICATION_REQUIRED',
    );
    expect(refused.users.update).not.toHaveBeenCalled();
    expect(refused.mail.sent).not.toHaveBeenCalled();

    const { service, auth, identity, users, mail, activityTypes } = setup();
    await service.adminUpdate(ADMIN, 'user-1', { role: 'admin', password: 'the admin password' });
    // The admin's proof is spent in the change's transaction, after the admins' rows and the
    // account's are locked in id order: the spend locks the admin's row, and two admins granting
    // each other at once would otherwise each hold their own row and wait for the other's.
    expect(identity.spend).toHaveBeenCalledWith(SPEC_TRANSACTION);
    expect(users.lockActiveAdmins).toHaveBeenCalledWith(SPEC_TRANSACTION, 'user-1');
    expect(users.lockActiveAdmins.mock.invocationCallOrder[0]).toBeLessThan(
      identity.spend.mock.invocationCallOrder[0] as number,
    );
    expect(activityTypes()).toEqual(['role_changed:admin']);
    expect(auth.confirmIdentity).toHaveBeenCalledWith(ADMIN, {
      role: 'admin',
      password: 'the admin password',
    });
    expect(users.update).toHaveBeenCalledWith('user-1', { role: 'admin', updatedAt: T0 }, SPEC_TRANSACTION);
    expect(mail.sent).toHaveBeenCalledWith('ada@example.com', 'adminGranted');
  });

  it("turns a user's two-step sign-in off only with the admin's re-authentication; mails and signs them out", async () => {
    const refused = setup(user({ mfaEnabledAt: T0 }));
    refused.auth.confirmIdentity.mockRejectedValueOnce(new AppError('REAUTHENTICATION_REQUIRED'));
    expect(await appErrorCode(refused.service.adminUpdate(ADMIN, 'user-1', { twoStepSignIn: 'off' }))).toBe(
      'REAUTHENTICATION_REQUIRED',
    );
    expect(refused.mfa.disable).not.toHaveBeenCalled();

    const { service, identity, mfa, mail, sessions, sessionCache, activityTypes } = setup(
      user({ mfaEnabledAt: T0 }),
    );
    const result = await service.adminUpdate(ADMIN, 'user-1', { twoStepSignIn: 'off', password: 'pw' });
    expect(identity.spend).toHaveBeenCalledWith(SPEC_TRANSACTION);
    expect(activityTypes()).toEqual(['two_step_disabled']);
    expect(result.mfaEnabled).toBe(false);
    expect(mfa.disable).toHaveBeenCalledWith('user-1', T0, SPEC_TRANSACTION);
    expect(sessions.revokeAll).toHaveBeenCalledWith('user-1', T0, 'mfa_reset', undefined, SPEC_TRANSACTION);
    expect(sessionCache.invalidateUser).toHaveBeenCalledWith('user-1');
    expect(mail.sent).toHaveBeenCalledWith('ada@example.com', 'mfaResetByAdmin');

    // Already off: nothing to confirm, nothing done.
    const off = setup();
    await off.service.adminUpdate(ADMIN, 'user-1', { twoStepSignIn: 'off' });
    expect(off.auth.confirmIdentity).not.toHaveBeenCalled();
    expect(off.mfa.disable).not.toHaveBeenCalled();
    expect(off.sessions.revokeAll).not.toHaveBeenCalled();
  });

  it('demotes and disables without re-authentication (taking access away is one step)', async () => {
    const admin = setup(user({ role: 'admin' }));
    await admin.service.adminUpdate(ADMIN, 'user-1', { role: 'user', disabled: true });
    expect(admin.auth.confirmIdentity).not.toHaveBeenCalled();
    expect(admin.users.update).toHaveBeenCalledWith(
      'user-1',
      { role: 'user', disabledAt: T0, updatedAt: T0 },
      SPEC_TRANSACTION,
    );
    // Each change is its own line in the user's activity, marked as an administrator's.
    expect(admin.activityTypes()).toEqual(['role_changed:user', 'account_disabled']);
    expect(admin.mail.sent).not.toHaveBeenCalled();
  });

  it('re-enables a disabled admin only after re-authentication; a disabled user without it', async () => {
    const disabledAdmin = setup(user({ role: 'admin', disabledAt: T0 }));
    await disabledAdmin.service.adminUpdate(ADMIN, 'user-1', { disabled: false, password: 'pw' });
    expect(disabledAdmin.auth.confirmIdentity).toHaveBeenCalledWith(ADMIN, {
      disabled: false,
      password: 'pw',
    });
    expect(disabledAdmin.identity.spend).toHaveBeenCalledWith(SPEC_TRANSACTION);

    const disabledUser = setup(user({ disabledAt: T0 }));
    await disabledUser.service.adminUpdate(ADMIN, 'user-1', { disabled: false });
    expect(disabledUser.auth.confirmIdentity).not.toHaveBeenCalled();
    expect(disabledUser.users.update).toHaveBeenCalledWith(
      'user-1',
      { disabledAt: null, updatedAt: T0 },
      SPEC_TRANSACTION,
    );
  });

  it('takes an admin away only while the acting admin still is one (two admins demoting each other)', async () => {
    const { service, users } = setup(user({ role: 'admin' }));
    users.lockActiveAdmins.mockResolvedValue(['user-1']);
    expect(await appErrorCode(service.adminUpdate(ADMIN, 'user-1', { role: 'user' }))).toBe('FORBIDDEN');
    expect(await appErrorCode(service.adminUpdate(ADMIN, 'user-1', { disabled: true }))).toBe('FORBIDDEN');
    expect(users.update).not.toHaveBeenCalled();
    // Still an admin: the change goes through, with the admins' rows locked in its transaction.
    users.lockActiveAdmins.mockResolvedValue(['admin-1', 'user-1']);
    await service.adminUpdate(ADMIN, 'user-1', { role: 'user' });
    expect(users.lockActiveAdmins).toHaveBeenCalledWith(SPEC_TRANSACTION, 'user-1');
    expect(users.update).toHaveBeenCalledTimes(1);
  });

  // Found in review (2026-12-07): only taking admin away checked the acting admin under the lock;
  // one demoted after the guard passed could still grant admin or turn off a second step.
  it('makes no change at all once the acting admin is no longer one under the lock', async () => {
    for (const dto of [
      { role: 'admin' as const, password: 'pw' },
      { twoStepSignIn: 'off' as const, password: 'pw' },
      { disabled: true },
    ]) {
      const demoted = setup(user({ mfaEnabledAt: T0 }));
      demoted.users.lockActiveAdmins.mockResolvedValue(['admin-2']);
      expect(await appErrorCode(demoted.service.adminUpdate(ADMIN, 'user-1', dto))).toBe('FORBIDDEN');
      expect(demoted.users.update).not.toHaveBeenCalled();
      expect(demoted.mfa.disable).not.toHaveBeenCalled();
      expect(demoted.identity.spend).not.toHaveBeenCalled();
      expect(demoted.activityTypes()).toEqual([]);
    }
  });

  it('refuses self-changes (ADMIN_SELF_CHANGE) and unknown or deleted users (USER_NOT_FOUND)', async () => {
    expect(await appErrorCode(setup().service.adminUpdate(ADMIN, 'admin-1', { role: 'user' }))).toBe(
      'ADMIN_SELF_CHANGE',
    );
    expect(await appErrorCode(setup(null).service.adminUpdate(ADMIN, 'x', { disabled: true }))).toBe(
      'USER_NOT_FOUND',
    );
    expect(
      await appErrorCode(
        setup(user({ deletedAt: T0 })).service.adminUpdate(ADMIN, 'user-1', { disabled: true }),
      ),
    ).toBe('USER_NOT_FOUND');
  });
});

describe('UsersService.purgeDeletedAccounts', () => {
  it('erases accounts deleted more than 30 days before the injected clock, files first', async () => {
    const { service, users, files } = setup();
    const old = user({ id: 'old', deletedAt: new Date('2026-01-01T00:00:00.000Z') });
    users.listDeletedBefore.mockResolvedValueOnce([old]).mockResolvedValueOnce([]);
    expect(await service.purgeDeletedAccounts()).toEqual({ purged: 1, failed: [] });
    expect(users.listDeletedBefore).toHaveBeenCalledWith(new Date('2026-01-30T12:00:00.000Z'), 50);
    expect(files.removeAllOf).toHaveBeenCalledWith('old', expect.any(Function));
    expect(users.erasePersonalData).toHaveBeenCalledWith(old, T0);
    expect(files.removeAllOf.mock.invocationCallOrder[0]).toBeLessThan(
      users.erasePersonalData.mock.invocationCallOrder[0] ?? 0,
    );
  });

  it('keeps the data of an account whose files could not be removed, logs it and goes on', async () => {
    const { service, users, files, logger } = setup();
    const stuck = user({ id: 'stuck' });
    const fine = user({ id: 'fine' });
    users.listDeletedBefore.mockResolvedValueOnce([stuck, fine]).mockResolvedValueOnce([stuck]);
    files.removeAllOf.mockImplementation(async (id: string) => {
      if (id === 'stuck') throw new Error('storage down');
      return { removed: 0, complete: true };
    });
    expect(await service.purgeDeletedAccounts()).toEqual({ purged: 1, failed: ['stuck'] });
    expect(users.erasePersonalData.mock.calls.map(([row]) => row.id)).toEqual(['fine']);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('asks mayContinue before each listing and each account, and stops where it answers no (a run at its deadline)', async () => {
    const { service, users, files } = setup();
    const accounts = ['a', 'b', 'c'].map((id) =>
      user({ id, deletedAt: new Date('2026-01-01T00:00:00.000Z') }),
    );
    users.listDeletedBefore.mockResolvedValueOnce(accounts);
    let answers = 3; // the listing, then accounts a and b
    expect(await service.purgeDeletedAccounts(() => answers-- > 0)).toEqual({ purged: 2, failed: [] });
    expect(files.removeAllOf.mock.calls.map(([id]) => id)).toEqual(['a', 'b']);
    expect(users.erasePersonalData.mock.calls.map(([row]) => row.id)).toEqual(['a', 'b']);
    // Out of time before it starts: not even the listing.
    users.listDeletedBefore.mockClear();
    expect(await service.purgeDeletedAccounts(() => false)).toEqual({ purged: 0, failed: [] });
    expect(users.listDeletedBefore).not.toHaveBeenCalled();
  });

  it("keeps an account's data when its files ran out the time, and stops there", async () => {
    const { service, users, files } = setup();
    const many = user({ id: 'many', deletedAt: new Date('2026-01-01T00:00:00.000Z') });
    users.listDeletedBefore.mockResolvedValueOnce([many, user({ id: 'next' })]);
    files.removeAllOf.mockResolvedValueOnce({ removed: 120, complete: false });
    expect(await service.purgeDeletedAccounts()).toEqual({ purged: 0, failed: [] });
    expect(users.erasePersonalData).not.toHaveBeenCalled();
    expect(files.removeAllOf).toHaveBeenCalledTimes(1);
  });
});
