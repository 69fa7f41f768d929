import type { UserRow } from '../database/database.types.js';
import type { AdminUserDto, MeDto, PublicProfileDto } from './users.dto.js';

/** The account as its owner sees it. */
export function mapMe(user: UserRow, avatarUrl: string | null): MeDto {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    bio: user.bio,
    avatarFileId: user.avatarFileId,
    avatarUrl,
    role: user.role,
    emailVerified: user.emailVerifiedAt !== null,
    hasPassword: user.passwordHash !== null,
    mfaEnabled: user.mfaEnabledAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}

/** What anyone may see of a user: never the email. */
export function mapPublicProfile(user: UserRow, avatarUrl: string | null): PublicProfileDto {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    bio: user.bio,
    avatarUrl,
  };
}

/** A row of the admin list. */
export function mapAdminUser(user: UserRow): AdminUserDto {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    emailVerified: user.emailVerifiedAt !== null,
    mfaEnabled: user.mfaEnabledAt !== null,
    disabledAt: user.disabledAt?.toISOString() ?? null,
    deletedAt: user.deletedAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}
