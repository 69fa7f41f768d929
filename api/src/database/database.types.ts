import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A timestamp column: read as Date, written as Date. */
type Timestamp = ColumnType<Date, Date, Date>;

/** `users`: one row per account (migration 0001). */
export interface UsersTable {
  id: string;
  email: string;
  username: string;
  passwordHash: string | null;
  emailVerifiedAt: Timestamp | null;
  displayName: string | null;
  bio: string | null;
  avatarFileId: string | null;
  role: Generated<'user' | 'admin'>;
  disabledAt: Timestamp | null;
  deletedAt: Timestamp | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** The whole schema as Kysely sees it (camelCase; the database uses snake_case). */
export interface DatabaseSchema {
  users: UsersTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
