/**
 * Response shapes of the API routes the web app calls; they mirror the zod DTOs in
 * api/src/auth/auth.dto.ts, api/src/auth/passkeys.dto.ts, api/src/auth/security-activity.dto.ts,
 * api/src/users/users.dto.ts and api/src/files/files.dto.ts.
 */

import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';

export interface AuthUser {
  id: string;
  email: string;
  username: string;
  /** As of signing in (a role change signs the account out). */
  role: 'user' | 'admin';
  emailVerified: boolean;
  /** Whether signing in also takes a code from an authenticator app (two-step sign-in). */
  mfaEnabled: boolean;
  createdAt: string;
}

/** A cookie-mode token response: the refresh token is in the httpOnly cookie, not here. */
export interface AuthTokens {
  user: AuthUser;
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/**
 * A sign-in route's 202 for an account with two-step sign-in on: no tokens yet; the `mfaToken`
 * goes with a code to `POST /auth/mfa/verify` within `expiresIn` seconds.
 */
export interface MfaChallenge {
  status: 'mfa_required';
  mfaToken: string;
  expiresIn: number;
}

/** How a sign-in ended: signed in, or waiting for the second step. */
export type SignInResult = { status: 'signed-in'; user: AuthUser } | MfaChallenge;

/** The second step's answer: the authenticator app's current code, or one recovery code. */
export type SecondStepProof = { code: string } | { recoveryCode: string };

/** An unconfirmed authenticator (API `TotpSetupSchema`): the same secret as text and as a URI. */
export interface TotpSetup {
  /** Base32, for typing into an authenticator app. */
  secret: string;
  /** `otpauth://totp/…`, shown as a QR code. */
  otpauthUri: string;
}

/** Single-use codes for the second step without the authenticator app; the API shows them only once. */
export interface RecoveryCodes {
  recoveryCodes: string[];
}

/** A passkey of the signed-in account (API `PasskeySchema`); the API keeps only its public key. */
export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  /** The last sign-in with it; null until it signs in once. */
  lastUsedAt: string | null;
  /** Synced to the owner's other devices by a passkey manager, not bound to one authenticator. */
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
}

/** What the browser needs to create a passkey (`POST /auth/passkeys/registration/options`), good for 5 minutes. */
export interface PasskeyCreationOptions {
  options: PublicKeyCredentialCreationOptionsJSON;
}

/** What the browser needs to sign in with any passkey of this site (`POST /auth/passkeys/sign-in/options`). */
export interface PasskeyRequestOptions {
  options: PublicKeyCredentialRequestOptionsJSON;
}

/** What finished a sign-in (null for sessions from before the API recorded it). */
export type SignInMethod =
  | 'password'
  | 'email_code'
  | 'email_link'
  | 'registration'
  | 'passkey'
  | 'authenticator'
  | 'recovery_code';

export interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  ip: string | null;
  signInMethod: SignInMethod | null;
  current: boolean;
}

/** What happened to the account's security (API `SecurityEventType`); the page words each one. */
export type SecurityEventType =
  | 'signed_in'
  | 'sign_in_failed'
  | 'account_locked'
  | 'password_changed'
  | 'password_reset'
  | 'password_set'
  | 'email_changed'
  | 'two_step_enabled'
  | 'two_step_disabled'
  | 'recovery_codes_regenerated'
  | 'passkey_added'
  | 'passkey_removed'
  | 'api_key_created'
  | 'api_key_revoked'
  | 'signed_out_everywhere'
  | 'refresh_token_reused'
  | 'role_changed'
  | 'account_disabled'
  | 'account_enabled'
  | 'account_deleted';

/** One entry of the account's security activity (API `SecurityEventSchema`). */
export interface SecurityEvent {
  id: string;
  type: SecurityEventType;
  createdAt: string;
  /** Null for what an administrator or the system (a lockout, a reused token) did. */
  ip: string | null;
  userAgent: string | null;
  /**
   * signed_in and sign_in_failed: the method (a `SignInMethod`); passkey_* and api_key_*: the
   * name; role_changed: the new role.
   */
  detail: string | null;
  /** An administrator made this change. */
  byAdmin: boolean;
}

export interface SecurityActivityPage {
  /** Newest first. */
  items: SecurityEvent[];
  /** Pass back as `cursor` for the next (older) page; null on the last one. */
  nextCursor: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** Shown only in the create response. */
  key: string;
}

export interface Profile {
  id: string;
  email: string;
  username: string;
  displayName: string | null;
  bio: string | null;
  avatarFileId: string | null;
  avatarUrl: string | null;
  role: 'user' | 'admin';
  emailVerified: boolean;
  /** False for an account made by email code: it confirms sensitive changes with an emailed code. */
  hasPassword: boolean;
  createdAt: string;
}

/** An account as administrators see it (API `AdminUserSchema`). */
export interface AdminUser {
  id: string;
  email: string;
  username: string;
  displayName: string | null;
  role: 'user' | 'admin';
  emailVerified: boolean;
  /** Signs in with two steps (an authenticator app). */
  mfaEnabled: boolean;
  disabledAt: string | null;
  deletedAt: string | null;
  createdAt: string;
}

export interface AdminUsersPage {
  items: AdminUser[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** What an administrator may change; granting admin also carries the acting admin's proof. */
export type AdminUserChange =
  | { role: 'user' }
  | ({ role: 'admin' } & IdentityProof)
  | { disabled: boolean }
  // Enabling an account that is still an admin gives back an admin: the API asks as for granting.
  | ({ disabled: false } & IdentityProof)
  | ({ twoStepSignIn: 'off' } & IdentityProof);

/** What re-authentication takes (API `ReauthenticationSchema`): the password, or an emailed code. */
export type IdentityProof = { password: string } | { code: string };

export interface ProfileUpdate {
  displayName?: string | null;
  bio?: string | null;
  username?: string;
  avatarFileId?: string | null;
}

/** Where and how the browser sends the bytes: a presigned PUT (headers) or POST form (fields). */
export interface UploadTarget {
  url: string;
  method: 'PUT' | 'POST';
  headers?: Record<string, string>;
  fields?: Record<string, string>;
}

export interface CreatedUpload {
  fileId: string;
  upload: UploadTarget;
  key: string;
  expiresAt: string;
}

export interface StoredFile {
  id: string;
  status: 'pending' | 'ready';
  url: string | null;
}

/** The body of every API error. */
export interface ApiErrorBody {
  statusCode: number;
  code: string;
  message: string;
  requestId?: string;
  details?: { issues?: { path: string; message: string }[] } & Record<string, unknown>;
}
