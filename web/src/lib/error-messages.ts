/**
 * What the UI says for each API error `code` (the registry is api/src/common/errors/error-codes.ts).
 * The API's own messages are written for developers ("send a Bearer token"); these are for people.
 * Codes missing here fall back to the API's message.
 */
const messages: Readonly<Record<string, string>> = {
  // Client-side conditions (no response from the API)
  NETWORK_ERROR: 'Could not reach CloudNest. Check your connection and try again.',
  UPLOAD_FAILED: 'The upload did not finish. Try again.',
  SIGN_OUT_NOT_CONFIRMED:
    'Signing out did not reach CloudNest, so your session may still be active. Reloading will not sign you back in here, but try again to end it.',
  SIGN_OUT_EVERYWHERE_NOT_DONE:
    'Your other sessions were not signed out: the session in this browser had already ended, so it could not reach them. Sign in again and use "Sign out everywhere", or reset your password, which also signs out every session.',
  SIGNED_OUT_HERE_ONLY:
    'You are signed out in this browser, but CloudNest could not be told, so that session may stay active on the server until it expires. To end it now, sign in and sign it out under Sessions, or use "Sign out everywhere".',
  SIGNED_OUT_IN_ANOTHER_TAB: 'You signed out of CloudNest in another tab.',
  SIGNED_IN_AS_SOMEONE_ELSE:
    'Another account signed in to CloudNest in this browser, in another tab. Sign in again to go on here.',
  PASSKEY_PROMPT_CANCELLED:
    'No passkey was used: the prompt was closed or timed out. Try again when you are ready.',
  PASSKEY_ON_THIS_DEVICE:
    'This device or password manager already has a passkey for your account. Use another one, or remove the old passkey first.',
  PASSKEY_UNSUPPORTED: 'This browser cannot use passkeys. Try another browser, or sign in another way.',
  PASSKEY_PROMPT_FAILED: 'Your browser could not use a passkey here. Try again, or use another device.',
  // Generic
  VALIDATION_FAILED: 'Some fields are not valid; check them and try again.',
  RATE_LIMITED: 'Too many attempts. Wait a moment, then try again.',
  INTERNAL_ERROR: 'Something went wrong on our side. Try again in a moment.',
  DATABASE_UNAVAILABLE: 'CloudNest is briefly unavailable. Try again in a moment.',
  SERVICE_UNAVAILABLE: 'CloudNest is briefly unavailable. Try again in a moment.',
  PAYLOAD_TOO_LARGE: 'That is too large to send.',
  // Sign-up and sign-in
  EMAIL_TAKEN: 'An account with this email already exists. Sign in instead.',
  USERNAME_TAKEN: 'This username is taken. Choose another one.',
  PASSWORD_TOO_COMMON: 'This password is too common. Choose one that is harder to guess.',
  INVALID_CREDENTIALS: 'The email, username or password is wrong.',
  ACCOUNT_DISABLED: 'This account is disabled. Contact support.',
  EMAIL_NOT_VERIFIED: 'Confirm your email address first: open the link we sent you.',
  INVALID_CODE: 'That code is wrong or has expired. Check the email or ask for a new code.',
  INVALID_OR_EXPIRED_TOKEN: 'This link is invalid, expired or already used. Ask for a new one.',
  // Said of a pending sign-up and of an older account still unconfirmed (made before confirmations
  // were required): both are the password chosen when the address was signed up.
  REGISTRATION_PASSWORD_REQUIRED:
    'This link confirms a sign-up. To show it is yours, enter the password chosen when this address was signed up.',
  REGISTRATION_PASSWORD_WRONG: 'That is not the password chosen when this address was signed up.',
  CURRENT_PASSWORD_INCORRECT: 'Your current password is wrong.',
  // The web app sends the proof the account took when the page read it, so this means it changed
  // since (ACCOUNT_CHANGED_CODES): the page has read it again and asks for the right proof.
  REAUTHENTICATION_REQUIRED:
    'Your account changed since this page was loaded (a password was set or removed elsewhere), so it is confirmed another way now. Nothing was changed: confirm it is you again below.',
  SIGN_IN_INTERRUPTED: 'Your account changed while you were signing in. Sign in again.',
  CONFIRMATION_INTERRUPTED:
    'Your password changed (or the account was disabled) while this was being confirmed, so nothing was changed.',
  ACCOUNT_LOCKED:
    'Too many failed sign-in attempts: your account is locked for a while. Reset your password to unlock it now.',
  SECOND_STEP_LIMIT_REACHED:
    'Too many wrong codes today: two-step sign-in takes no more until tomorrow, even after a password reset. Sign in with a passkey meanwhile.',
  // Two-step sign-in
  MFA_CHALLENGE_INVALID:
    'This sign-in attempt expired or had too many wrong codes. Sign in again, then enter a new code.',
  MFA_ALREADY_ENABLED: 'Two-step sign-in is already on for your account.',
  MFA_NOT_ENABLED: 'Two-step sign-in is already off for your account.',
  MFA_SETUP_NOT_STARTED:
    'That setup is no longer waiting for a code. Start turning on two-step sign-in again.',
  // Passkeys
  PASSKEY_CHALLENGE_INVALID:
    'That passkey request expired (after 5 minutes) or was already used. Start again.',
  PASSKEY_VERIFICATION_FAILED: 'The passkey could not be checked. Try again, or use another device.',
  PASSKEY_ALREADY_REGISTERED: 'This passkey is already added to an account. Use another one.',
  PASSKEY_LIMIT_REACHED: 'You have the most passkeys an account can have. Remove one before adding another.',
  PASSKEY_NOT_FOUND: 'That passkey no longer exists.',
  PASSKEY_SIGN_IN_FAILED:
    'That passkey did not sign you in: it may have been removed from your account, or the request expired. Try again, or use your password.',
  // Sessions
  ACCOUNT_DELETED: 'Your account was deleted. Its data and files are erased after 30 days.',
  UNAUTHENTICATED: 'Please sign in to continue.',
  INVALID_TOKEN: 'Your sign-in is no longer valid. Please sign in again.',
  TOKEN_EXPIRED: 'Your sign-in has expired. Please sign in again.',
  SESSION_REVOKED: 'This session was signed out. Please sign in again.',
  INVALID_REFRESH_TOKEN: 'Your session has ended. Please sign in again.',
  REFRESH_TOKEN_REUSED: 'For your safety this session was signed out. Please sign in again.',
  CSRF_TOKEN_INVALID: 'Your session could not be verified. Please sign in again.',
  SESSION_NOT_FOUND: 'That session no longer exists.',
  ACCOUNT_HAS_PASSWORD:
    'Your account has a password now (set in another tab or on another device): confirm with it instead of an emailed code.',
  // Administration
  FORBIDDEN: 'You are not allowed to do this.',
  ADMIN_SELF_CHANGE: 'You cannot change your own role or disable yourself; ask another admin.',
  LAST_ADMIN: 'You are the only administrator. Make another account an administrator first.',
  // API keys
  API_KEY_NOT_FOUND: 'That API key no longer exists.',
  // Profile and files
  USER_NOT_FOUND: 'That account does not exist.',
  FILE_TYPE_NOT_ALLOWED: 'Choose a JPEG, PNG, WebP or GIF image.',
  FILE_TOO_LARGE: 'The image is too large; choose one under 5 MB.',
  FILE_NOT_UPLOADED: 'The upload did not reach storage. Try again.',
  FILE_UPLOAD_MISMATCH: 'The uploaded file did not match what was announced. Try again.',
  // The avatar flow can meet both (PATCH /users/me, POST /files/{id}/complete): found in review,
  // 2026-12-07, when they showed the API's developer wording.
  FILE_NOT_FOUND: 'That upload is no longer there. Choose the picture again.',
  STORAGE_UNAVAILABLE: 'File storage is not answering right now. Try again in a moment.',
  AVATAR_NOT_READY: 'The picture is not ready yet. Try again.',
  FILE_NOT_AN_AVATAR: 'That file cannot be used as a profile picture.',
  UPLOAD_URL_INVALID: 'The upload link was rejected. Try again.',
  UPLOAD_URL_EXPIRED: 'The upload link expired. Try again.',
  UPLOAD_CONTENT_MISMATCH: 'The upload did not match what was announced. Try again.',
};

/**
 * INVALID_CODE where the code came from an authenticator app or is a recovery code: the general
 * sentence sends people to an email that does not exist here.
 */
export const WRONG_SECOND_STEP_CODE: Readonly<Record<'authenticator' | 'recovery', string>> = {
  authenticator:
    'That code is wrong or was already used. Enter the code your authenticator app shows now (a new one comes every 30 seconds).',
  recovery: 'That recovery code is wrong or was already used. Check it, or use another one.',
};

/**
 * INVALID_CODE on the emailed-code sign-in: wrong codes count towards the account's lockout, and
 * a locked account answers the same INVALID_CODE (so a guesser learns nothing), so say it may be
 * the lock and how to lift it.
 */
export const WRONG_SIGN_IN_CODE =
  'That code is wrong or has expired. Check the email or ask for a new code; if it keeps failing, the account may be locked for a while; resetting your password unlocks it.';

/**
 * Under INVALID_CREDENTIALS on /sign-in. With email verification a sign-up is no account until its
 * link is opened, so signing in before that is a wrong password. Said to every wrong password, so
 * it tells nothing about the address typed.
 */
export const NOT_CONFIRMED_YET_HINT =
  'Just signed up? Open the link we emailed you first: your account is created when you do.';

/**
 * What /verify-email says when opening a sign-up's link is refused for good (409): the registration
 * is spent, so neither the button nor a new link can help, and the sentence gives the next step.
 * (`messageFor` would say "Sign in instead" / "Choose another one", and the page has no field.)
 */
export const SPENT_REGISTRATION: Readonly<Record<'EMAIL_TAKEN' | 'USERNAME_TAKEN', string>> = {
  EMAIL_TAKEN: 'This address already has an account.',
  USERNAME_TAKEN: 'The username you chose was taken before you confirmed. Sign up again with another one.',
};

/**
 * Refusals of the second step after which its challenge cannot succeed, so the sign-in starts
 * again: the challenge expired, was used or met too many wrong codes; the account got locked or
 * disabled; or it changed meanwhile (a new password, two-step sign-in toggled: SIGN_IN_INTERRUPTED).
 */
export const SECOND_STEP_ENDED_CODES: ReadonlySet<string> = new Set([
  'MFA_CHALLENGE_INVALID',
  'ACCOUNT_LOCKED',
  'SECOND_STEP_LIMIT_REACHED',
  'SIGN_IN_INTERRUPTED',
  'ACCOUNT_DISABLED',
]);

/**
 * Refusals that mean the page's copy of the signed-in account is out of date: the proof a form
 * offered (the password, or an emailed code for an account without one) is no longer the one the
 * account takes, or the account changed while the proof was being checked. The API client reads
 * the profile again before passing them on, so the form asks for the right proof (docs/web.md,
 * "Re-authentication"). From api/src/auth/auth.service.ts: `confirmIdentity` answers
 * REAUTHENTICATION_REQUIRED to the wrong kind of proof, `setPassword` and
 * `sendReauthenticationCode` answer ACCOUNT_HAS_PASSWORD, and `lockUnchanged` answers
 * CONFIRMATION_INTERRUPTED when the password changed since the proof was checked.
 */
export const ACCOUNT_CHANGED_CODES: ReadonlySet<string> = new Set([
  'REAUTHENTICATION_REQUIRED',
  'ACCOUNT_HAS_PASSWORD',
  'CONFIRMATION_INTERRUPTED',
]);

/**
 * Under "Change password" when the profile, read again, has a password the page did not know of:
 * "Set a password" gave way to it without a word otherwise (its form, and its refusal, are gone).
 */
export const PASSWORD_SET_ELSEWHERE =
  'Your account has a password now: it was set in another tab or on another device. You can sign in with it, or change it here.';

/**
 * On an /admin row whose change the API refused because the account (or the acting admin's own)
 * is not what the list showed: the row, read again, shows it as it is now. USER_NOT_FOUND: deleted
 * (or erased) since; REAUTHENTICATION_REQUIRED: the change needs the admin's proof now (the account
 * became an admin meanwhile), or the admin's account changed how it confirms.
 */
export const ADMIN_ROW_CHANGED: Readonly<Record<'USER_NOT_FOUND' | 'REAUTHENTICATION_REQUIRED', string>> = {
  USER_NOT_FOUND:
    'This account changed since the list was loaded: it was deleted, so it takes no more changes. The row shows it as it is now.',
  REAUTHENTICATION_REQUIRED:
    'This account changed since the list was loaded (or yours did), and the change now needs you to confirm it is you. The row shows it as it is now: try again.',
};

/** The sentence to show for an API error code; `fallback` (the API's message) when unknown. */
export function messageFor(code: string, fallback?: string): string {
  // Own keys only: a code can come from the address (`/sign-in?reason=`), and `__proto__` or
  // `constructor` would otherwise find Object.prototype's members, which React cannot render.
  const known = Object.hasOwn(messages, code) ? messages[code] : undefined;
  return known ?? fallback ?? 'Something went wrong. Try again.';
}

/**
 * Codes after which the browser no longer holds a usable session. Not TOKEN_EXPIRED: an expired
 * access token is renewed by the refresh cookie, and only the refresh endpoint's own verdict says
 * the session is over (a refresh the API could not answer leaves it alive).
 */
export const SESSION_ENDED_CODES: ReadonlySet<string> = new Set([
  'SESSION_REVOKED',
  'INVALID_TOKEN',
  'INVALID_REFRESH_TOKEN',
  'REFRESH_TOKEN_REUSED',
  'CSRF_TOKEN_INVALID',
  'UNAUTHENTICATED',
  'ACCOUNT_DISABLED',
]);
