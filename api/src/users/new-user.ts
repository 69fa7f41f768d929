import type { UserRow } from '../database/database.types.js';

/** The row of a brand-new account: a plain user, no profile yet, no failed sign-ins, one-step sign-in. */
export function newUserRow(account: {
  readonly id: string;
  readonly email: string;
  readonly username: string;
  readonly passwordHash: string | null;
  readonly emailVerifiedAt: Date | null;
  readonly now: Date;
}): UserRow {
  return {
    id: account.id,
    email: account.email,
    username: account.username,
    passwordHash: account.passwordHash,
    emailVerifiedAt: account.emailVerifiedAt,
    displayName: null,
    bio: null,
    avatarFileId: null,
    role: 'user',
    disabledAt: null,
    deletedAt: null,
    failedLoginCount: 0,
    lockoutCount: 0,
    lockedUntil: null,
    mfaEnabledAt: null,
    createdAt: account.now,
    updatedAt: account.now,
  };
}
