/**
 * How /verify-email shows a refusal of "Confirm my email" that is about the sign-up's password, or
 * null for any other refusal.
 *
 * A sign-up's link opens only with the password chosen at sign-up, so that whoever registered
 * someone else's address gets no account when its owner opens the link. The page cannot tell a
 * sign-up's link from an older unconfirmed account's (which needs no password), so it first sends
 * the token alone and asks for the password only when the API says so:
 *
 * - `REGISTRATION_PASSWORD_REQUIRED` (400, nothing spent): a sign-up's link; the password field
 *   appears with a prompt (not an error: nothing went wrong), and the field takes focus.
 * - `REGISTRATION_PASSWORD_WRONG` (401): the field stays for another try, under an error (which
 *   takes focus, as errors do). After 5 the sign-up is gone and the link answers
 *   INVALID_OR_EXPIRED_TOKEN, which the page already handles (sign up again).
 */
export interface PasswordRefusal {
  /** The kind of alert the message goes in. */
  alert: 'info' | 'error';
}

export function passwordRefusal(code: string | undefined): PasswordRefusal | null {
  switch (code) {
    case 'REGISTRATION_PASSWORD_REQUIRED':
      return { alert: 'info' };
    case 'REGISTRATION_PASSWORD_WRONG':
      return { alert: 'error' };
    default:
      return null;
  }
}
