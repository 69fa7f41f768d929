/**
 * The registry of error codes. Clients branch on `code`, so codes never change once shipped;
 * messages say what to do and may improve. Services throw `new AppError('CODE')`.
 */
export const errorCodes = {
  // Generic request problems
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid; see details.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  BAD_REQUEST: { status: 400, message: 'The request could not be understood.' },
  UNAUTHENTICATED: { status: 401, message: 'Sign in first: send a valid Bearer access token.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No route matches this method and path.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here.' },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is larger than the server accepts.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the time in Retry-After.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.' },
  URI_TOO_LONG: { status: 414, message: 'A path segment of the URL is longer than the server accepts.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are larger than the server accepts.' },
  // Auth
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists; sign in instead.' },
  USERNAME_TAKEN: { status: 409, message: 'This username is taken; choose another.' },
  PASSWORD_TOO_COMMON: { status: 400, message: 'This password is too common; choose a less guessable one.' },
  INVALID_CREDENTIALS: { status: 401, message: 'The email/username or password is wrong.' },
  ACCOUNT_DISABLED: { status: 403, message: 'This account is disabled; contact support.' },
  EMAIL_NOT_VERIFIED: { status: 403, message: 'Confirm your email address first; we sent you a link.' },
  INVALID_TOKEN: { status: 401, message: 'The access token is invalid; sign in again.' },
  TOKEN_EXPIRED: { status: 401, message: 'The access token has expired; refresh it.' },
  SESSION_REVOKED: { status: 401, message: 'This session was signed out; sign in again.' },
  INVALID_REFRESH_TOKEN: { status: 401, message: 'The refresh token is invalid or expired; sign in again.' },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    message: 'This refresh token was already used, so the session was revoked for safety; sign in again.',
  },
  INVALID_OR_EXPIRED_TOKEN: {
    status: 400,
    message: 'The link is invalid, expired or already used; ask for a new one.',
  },
  INVALID_CODE: { status: 401, message: 'The code is wrong or expired; ask for a new one.' },
  REGISTRATION_PASSWORD_REQUIRED: {
    status: 400,
    message: 'This link creates an account: send the password chosen when signing up as `password`.',
  },
  REGISTRATION_PASSWORD_WRONG: { status: 401, message: 'That is not the password chosen for this sign-up.' },
  CURRENT_PASSWORD_INCORRECT: { status: 400, message: 'The current password is wrong.' },
  REAUTHENTICATION_REQUIRED: {
    status: 403,
    message:
      'Confirm it is you: send your password as `password`, or for an account without one, a code from POST /auth/reauthentication/code as `code`.',
  },
  CONFIRMATION_INTERRUPTED: {
    status: 409,
    message:
      'The account changed while this was being confirmed (a new password, or it was disabled); nothing was changed.',
  },
  MFA_ALREADY_ENABLED: {
    status: 409,
    message: 'Two-step sign-in is already on; turn it off first to set up another authenticator.',
  },
  MFA_NOT_ENABLED: { status: 409, message: 'Two-step sign-in is not on for this account.' },
  MFA_SETUP_NOT_STARTED: {
    status: 409,
    message: 'Start setting up two-step sign-in first (POST /auth/mfa/totp/setup).',
  },
  SIGN_IN_INTERRUPTED: {
    status: 409,
    message: 'The account changed while signing in (a new password or two-step sign-in); sign in again.',
  },
  MFA_CHALLENGE_INVALID: {
    status: 401,
    message: 'This sign-in attempt expired, was used or had too many wrong codes; sign in again.',
  },
  PASSKEY_CHALLENGE_INVALID: {
    status: 400,
    message: 'This passkey request expired or was already used; start adding the passkey again.',
  },
  PASSKEY_VERIFICATION_FAILED: {
    status: 400,
    message:
      'The passkey could not be verified (wrong site, no user verification, or a malformed answer from the authenticator); try again.',
  },
  PASSKEY_ALREADY_REGISTERED: { status: 409, message: 'This passkey is already registered.' },
  PASSKEY_LIMIT_REACHED: {
    status: 409,
    message: 'This account has the most passkeys it can have; remove one before adding another.',
  },
  PASSKEY_NOT_FOUND: { status: 404, message: 'No such passkey on this account.' },
  PASSKEY_SIGN_IN_FAILED: {
    status: 401,
    message:
      'Signing in with this passkey failed (unknown or removed passkey, or the request expired); try again.',
  },
  ACCOUNT_HAS_PASSWORD: {
    status: 409,
    message:
      'This account has a password: confirm it is you with it; emailed codes are for accounts without one.',
  },
  ACCOUNT_LOCKED: {
    status: 403,
    message:
      'Too many failed sign-in attempts: this account is locked for a while; reset the password to unlock it now.',
  },
  SECOND_STEP_LIMIT_REACHED: {
    status: 403,
    message:
      'Too many wrong two-step codes today: this account takes no more until tomorrow (a password reset does not change that); sign in with a passkey meanwhile.',
  },
  CSRF_TOKEN_INVALID: {
    status: 403,
    message: 'Send the __Host-cn_csrf cookie value in the X-CSRF-Token header.',
  },
  SESSION_NOT_FOUND: { status: 404, message: 'No such session.' },
  API_KEY_NOT_FOUND: { status: 404, message: 'No such API key.' },
  API_KEY_REQUIRED: { status: 401, message: 'Send a valid API key in the X-API-KEY header.' },
  INVALID_API_KEY: { status: 401, message: 'The API key is invalid or revoked.' },
  INSUFFICIENT_SCOPE: { status: 403, message: 'The API key lacks the scope this route needs.' },
  BEARER_REQUIRED: {
    status: 403,
    message: 'This route needs a signed-in user (Bearer token), not an API key.',
  },
  // Users and files
  USER_NOT_FOUND: { status: 404, message: 'No such user.' },
  ADMIN_SELF_CHANGE: {
    status: 409,
    message: 'You cannot change your own role or disable yourself; ask another admin.',
  },
  LAST_ADMIN: {
    status: 409,
    message: 'You are the only administrator: make another account an administrator first.',
  },
  FILE_NOT_FOUND: { status: 404, message: 'No such file (or it is not yours).' },
  FILE_TYPE_NOT_ALLOWED: {
    status: 400,
    message: 'This content type is not allowed for this purpose; see the allowed types in details.',
  },
  FILE_TOO_LARGE: {
    status: 400,
    message: 'The file is larger than this purpose allows; see maxBytes in details.',
  },
  FILE_NOT_UPLOADED: {
    status: 409,
    message: 'The file has not been uploaded yet: PUT it to the upload URL, then complete it.',
  },
  FILE_UPLOAD_MISMATCH: {
    status: 409,
    message: 'The uploaded object differs from the declared size or type; request a new upload.',
  },
  AVATAR_NOT_READY: {
    status: 409,
    message: 'The avatar file is not uploaded and completed yet: POST /files/{id}/complete first.',
  },
  FILE_NOT_AN_AVATAR: {
    status: 400,
    message: 'Only a file uploaded with purpose "avatar" can be an avatar.',
  },
  UPLOAD_URL_INVALID: {
    status: 403,
    message: 'The upload URL is invalid (altered or for another request); request a new one.',
  },
  UPLOAD_URL_EXPIRED: { status: 403, message: 'The upload URL has expired; request a new one.' },
  UPLOAD_CONTENT_MISMATCH: {
    status: 400,
    message: 'Send exactly the Content-Type and number of bytes the upload URL was issued for.',
  },
  DOWNLOAD_URL_INVALID: { status: 403, message: 'The download URL is invalid; ask the API for a new one.' },
  DOWNLOAD_URL_EXPIRED: { status: 403, message: 'The download URL has expired; ask the API for a new one.' },
  RANGE_NOT_SATISFIABLE: {
    status: 416,
    message: 'The requested byte range starts past the end of the file; see Content-Range for its size.',
  },
  // Server side
  INTERNAL_ERROR: {
    status: 500,
    message: 'Something went wrong on our side; the request id identifies it in our logs.',
  },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable; retry shortly.' },
  STORAGE_UNAVAILABLE: { status: 503, message: 'File storage is unavailable; retry shortly.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is unavailable; retry shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;
