import { messageFor, SPENT_REGISTRATION } from '../../lib/error-messages';

/** Where a dead end of /verify-email points to next. */
export interface NextStep {
  href: '/sign-in' | '/sign-up';
  label: string;
}

/** A refusal of "Confirm my email" that no click (and no new link) can turn around. */
export interface ConfirmationEnd {
  message: string;
  next?: NextStep;
}

/**
 * The confirmation refusals after which the page drops "Confirm my email" and says only what to do
 * instead; null for the others (a bad link offers a new one, anything else lets you try again).
 *
 * - `EMAIL_TAKEN`: the address got an account after this sign-up (its link opened in another tab,
 *   a sign-in by emailed code): the registration is spent, so sign in.
 * - `USERNAME_TAKEN`: another account took the username meanwhile: the registration is spent, and
 *   only a new sign-up can choose another username.
 * - `ACCOUNT_DISABLED`: the API refuses every way into a disabled account.
 */
export function confirmationEnd(code: string | undefined): ConfirmationEnd | null {
  switch (code) {
    case 'EMAIL_TAKEN':
      return { message: SPENT_REGISTRATION.EMAIL_TAKEN, next: { href: '/sign-in', label: 'Sign in' } };
    case 'USERNAME_TAKEN':
      return {
        message: SPENT_REGISTRATION.USERNAME_TAKEN,
        next: { href: '/sign-up', label: 'Sign up again' },
      };
    case 'ACCOUNT_DISABLED':
      return { message: messageFor('ACCOUNT_DISABLED') };
    default:
      return null;
  }
}
