import type { SignInMethod } from './api-types';

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
