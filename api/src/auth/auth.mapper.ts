import type { UserRow } from '../database/database.types.js';
import type { UserDto } from './auth.dto.js';

/** The account as auth responses show it to its owner. */
export function mapAuthUser(user: UserRow): UserDto {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    role: user.role,
    emailVerified: user.emailVerifiedAt !== null,
    mfaEnabled: user.mfaEnabledAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}
