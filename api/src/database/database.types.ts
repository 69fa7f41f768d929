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
  failedLoginCount: Generated<number>;
  lockoutCount: Generated<number>;
  lockedUntil: Timestamp | null;
  /** When two-step sign-in was turned on (0004); null while sign-in takes one step. */
  mfaEnabledAt: Timestamp | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/**
 * `users` as the database has it: {@link UsersTable} plus `purged_at` (0003), set when a deleted
 * account's personal data was erased. Kept apart so code that builds whole `UserRow`s need not name it.
 */
export interface UsersTableWithPurge extends UsersTable {
  purgedAt: Timestamp | null;
}

/** `sessions`: one signed-in device; also the rotation family of its refresh tokens (0002). */
export interface SessionsTable {
  id: string;
  userId: string;
  createdAt: Timestamp;
  lastUsedAt: Timestamp;
  expiresAt: Timestamp;
  revokedAt: Timestamp | null;
  revokedReason: string | null;
  userAgent: string | null;
  ip: string | null;
  /** How the session was signed in (0006); null for sessions from before that. Optional on insert. */
  signInMethod: ColumnType<SignInMethod | null, SignInMethod | null | undefined, SignInMethod | null>;
}

/**
 * The step that finished a sign-in: a password, an emailed code, a verification link, a new
 * account's first session, a passkey, or the second step (authenticator or recovery code) after
 * one of the first three.
 */
export const SIGN_IN_METHODS = [
  'password',
  'email_code',
  'email_link',
  'registration',
  'passkey',
  'authenticator',
  'recovery_code',
] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

/** `refresh_tokens`: SHA-256 of each opaque refresh token; `rotatedAt` set once exchanged (0002). */
export interface RefreshTokensTable {
  id: string;
  sessionId: string;
  parentId: string | null;
  tokenHash: string;
  createdAt: Timestamp;
  rotatedAt: Timestamp | null;
}

/** What a one-time token is for. */
export type OneTimeTokenPurpose =
  | 'email_verification'
  | 'password_reset'
  | 'email_code'
  | 'email_change'
  | 'reauthentication_code'
  /** The second step of a sign-in with two-step sign-in on: the `mfaToken` (0004). */
  | 'mfa_challenge'
  /** WebAuthn challenges (their SHA-256): adding a passkey, and signing in with one (0005). */
  | 'passkey_registration'
  | 'passkey_sign_in';

/** `one_time_tokens`: hashed single-use tokens and email codes with expiry and attempts (0002). */
export interface OneTimeTokensTable {
  id: string;
  purpose: OneTimeTokenPurpose;
  email: string;
  userId: string | null;
  tokenHash: string;
  attempts: Generated<number>;
  createdAt: Timestamp;
  expiresAt: Timestamp;
  usedAt: Timestamp | null;
}

/** `totp_credentials`: an account's authenticator secret, sealed; `confirmedAt` null until set up (0004). */
export interface TotpCredentialsTable {
  userId: string;
  secret: string;
  createdAt: Timestamp;
  confirmedAt: Timestamp | null;
  lastUsedStep: number | null;
}

/** `passkeys`: an account's WebAuthn credentials (0005). */
export interface PasskeysTable {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: string;
  /** bigint: drivers may return it as a string. */
  counter: number | string;
  /** JSON array of the transports the browser reported (`["internal","hybrid"]`). */
  transports: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean | number;
  name: string;
  createdAt: Timestamp;
  lastUsedAt: Timestamp | null;
}

/** `mfa_recovery_codes`: SHA-256 of each single-use recovery code (0004). */
export interface MfaRecoveryCodesTable {
  id: string;
  userId: string;
  codeHash: string;
  createdAt: Timestamp;
  usedAt: Timestamp | null;
}

/** `api_keys`: hashed service keys with an identifiable prefix (0002). */
export interface ApiKeysTable {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  keyHash: string;
  /** Space-separated scopes. */
  scopes: string;
  createdAt: Timestamp;
  lastUsedAt: Timestamp | null;
  revokedAt: Timestamp | null;
}

/** `rate_limits`: fixed-window counters shared by every instance (0002). */
export interface RateLimitsTable {
  key: string;
  windowStart: Timestamp;
  count: number;
}

/** `outbox`: mail kept by the development driver instead of being sent (0002). */
export interface OutboxTable {
  id: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  createdAt: Timestamp;
}

/**
 * `mail_queue`: a mail not yet delivered (0009). `nextAttemptAt` is also the lease of an attempt in
 * progress (set ahead before sending, so no other pass takes the row meanwhile); the row is
 * deleted once delivered or given up after `deliverBy`.
 */
export interface MailQueueTable {
  id: string;
  toAddress: string;
  /** The account the mail is about, when the sender knew it (named in the log if it fails). */
  userId: string | null;
  template: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  devSummary: string;
  attempts: number;
  nextAttemptAt: Timestamp;
  deliverBy: Timestamp;
  lastError: string | null;
  createdAt: Timestamp;
}

/**
 * `pending_registrations`: a registration waiting for its emailed link (0010); it becomes an
 * account when the link is opened, or is deleted a day after it expired.
 */
export interface PendingRegistrationsTable {
  id: string;
  email: string;
  username: string;
  passwordHash: string;
  tokenHash: string;
  attempts: Generated<number>;
  createdAt: Timestamp;
  expiresAt: Timestamp;
}

/** Why a file was uploaded; decides its key prefix, allowed types, size limit and visibility. */
export type FilePurpose = 'avatar' | 'story' | 'channel' | 'temp';

/**
 * `files`: one upload straight to storage; `pending` until `POST /files/:id/complete` saw it (0003).
 * `deleted` is a tombstone: a file deleted while its upload URL could still be used, kept until
 * the cleanup job deletes the object once more (a presigned PUT cannot be revoked).
 */
export interface FilesTable {
  id: string;
  userId: string;
  purpose: FilePurpose;
  storageKey: string;
  contentType: string;
  size: number;
  status: 'pending' | 'ready' | 'deleted';
  createdAt: Timestamp;
  completedAt: Timestamp | null;
}

/**
 * What happened to an account's security (`security_events.type`, 0007). Stable names: clients
 * show them. `signed_in` and `sign_in_failed` carry the method in `detail`; `passkey_*` and
 * `api_key_*` the name; `role_changed` the new role. One list: the type, and the OpenAPI enum of
 * the activity routes (security-activity.dto.ts).
 */
export const SECURITY_EVENT_TYPES = [
  'signed_in',
  'sign_in_failed',
  'account_locked',
  'password_changed',
  'password_reset',
  'password_set',
  'email_changed',
  'two_step_enabled',
  'two_step_disabled',
  'recovery_codes_regenerated',
  'passkey_added',
  'passkey_removed',
  'api_key_created',
  'api_key_revoked',
  'signed_out_everywhere',
  'refresh_token_reused',
  'role_changed',
  'account_disabled',
  'account_enabled',
  'account_deleted',
] as const;
export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

/** `security_events`: one line of an account's security activity (0007). */
export interface SecurityEventsTable {
  id: string;
  userId: string;
  type: SecurityEventType;
  createdAt: Timestamp;
  ip: string | null;
  userAgent: string | null;
  detail: string | null;
  /** MySQL's tinyint(1) reads as 0/1; the repository maps it. */
  byAdmin: ColumnType<boolean | number, boolean, boolean>;
}

/** The whole schema as Kysely sees it (camelCase; the database uses snake_case). */
export interface DatabaseSchema {
  users: UsersTableWithPurge;
  sessions: SessionsTable;
  refreshTokens: RefreshTokensTable;
  oneTimeTokens: OneTimeTokensTable;
  totpCredentials: TotpCredentialsTable;
  mfaRecoveryCodes: MfaRecoveryCodesTable;
  passkeys: PasskeysTable;
  apiKeys: ApiKeysTable;
  rateLimits: RateLimitsTable;
  outbox: OutboxTable;
  mailQueue: MailQueueTable;
  pendingRegistrations: PendingRegistrationsTable;
  files: FilesTable;
  securityEvents: SecurityEventsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type FileRow = Selectable<FilesTable>;
/** A file that is not a tombstone: what every lookup by id returns. */
export type LiveFileRow = FileRow & { status: 'pending' | 'ready' };
