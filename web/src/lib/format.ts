import type { SecurityEvent, SecurityEventType, SignInMethod } from './api-types';

/** "21 Nov 2026, 14:05" in the reader's locale; "never" for null. */
export function formatDate(iso: string | null): string {
  if (!iso) return 'never';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// Order matters: Edge's user agent also names Chrome, Chrome's also names Safari.
const browsers: readonly [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/Firefox\//, 'Firefox'],
  [/Chrom(e|ium)\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//, 'curl'],
];
const systems: readonly [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Mac OS X/, 'macOS'],
  [/Windows/, 'Windows'],
  [/Linux/, 'Linux'],
];

/** "Chrome on Linux" from a user agent string: enough to recognise a device in the sessions list. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = browsers.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'An app';
  const system = systems.find(([pattern]) => pattern.test(userAgent))?.[1];
  return system ? `${browser} on ${system}` : browser;
}

const SIGN_IN_METHODS: Readonly<Record<SignInMethod, string>> = {
  password: 'with the password',
  email_code: 'with an emailed code',
  email_link: 'from the email confirmation link',
  registration: 'when the account was created',
  passkey: 'with a passkey',
  authenticator: 'with an authenticator code (two-step)',
  recovery_code: 'with a recovery code (two-step)',
};

/** How a session was signed in, as the end of "signed in …"; empty when the API did not record it. */
export function describeSignInMethod(method: SignInMethod | null): string {
  return method === null ? '' : ` ${SIGN_IN_METHODS[method]}`;
}

/** Whether a security event's `detail` names a sign-in method this app knows how to word. */
function isSignInMethod(detail: string | null): detail is SignInMethod {
  return detail !== null && Object.hasOwn(SIGN_IN_METHODS, detail);
}

// Only these steps fail on a wrong guess; any other method reads as a bare failed attempt.
const FAILED_SIGN_IN_REASONS: Readonly<Partial<Record<SignInMethod, string>>> = {
  password: 'wrong password',
  authenticator: 'wrong authenticator code',
  recovery_code: 'wrong recovery code',
};

/** "Passkey “Laptop”" for the events that name what they added or removed; the bare noun without a name. */
function named(noun: string, name: string | null): string {
  return name ? `${noun} “${name}”` : noun;
}

// A Record, so a new event type in api-types.ts fails typecheck until it has its sentence.
const SECURITY_EVENT_SENTENCES: Readonly<Record<SecurityEventType, (detail: string | null) => string>> = {
  signed_in: (method) => `Signed in${describeSignInMethod(isSignInMethod(method) ? method : null)}`,
  sign_in_failed: (method) => {
    const reason = isSignInMethod(method) ? FAILED_SIGN_IN_REASONS[method] : undefined;
    return reason ? `Failed sign-in attempt (${reason})` : 'Failed sign-in attempt';
  },
  account_locked: () => 'Account locked after repeated failed sign-ins',
  password_changed: () => 'Password changed',
  password_reset: () => 'Password reset by email link',
  password_set: () => 'Password set',
  email_changed: () => 'Email address changed',
  two_step_enabled: () => 'Two-step sign-in turned on',
  two_step_disabled: () => 'Two-step sign-in turned off',
  recovery_codes_regenerated: () => 'New recovery codes made',
  passkey_added: (name) => `${named('Passkey', name)} added`,
  passkey_removed: (name) => `${named('Passkey', name)} removed`,
  api_key_created: (name) => `${named('API key', name)} created`,
  api_key_revoked: (name) => `${named('API key', name)} revoked`,
  signed_out_everywhere: () => 'Signed out everywhere',
  refresh_token_reused: () => 'A used sign-in token was presented again: that session was ended',
  role_changed: (role) => (role ? `Role changed to ${role}` : 'Role changed'),
  account_disabled: () => 'Account disabled',
  account_enabled: () => 'Account enabled',
  account_deleted: () => 'Account deleted (erased 30 days later)',
};

/** One line of the security activity: "Signed in with a passkey", "Account disabled by an administrator". */
export function describeSecurityEvent(event: Pick<SecurityEvent, 'type' | 'detail' | 'byAdmin'>): string {
  const sentence = SECURITY_EVENT_SENTENCES[event.type](event.detail);
  return event.byAdmin ? `${sentence} by an administrator` : sentence;
}
