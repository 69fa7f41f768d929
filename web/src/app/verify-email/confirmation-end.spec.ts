import { describe, expect, it } from 'vitest';
import { messageFor } from '../../lib/error-messages';
import { confirmationEnd } from './confirmation-end';

describe('confirmationEnd', () => {
  // 409 from the confirmation: the sign-up's registration is spent, and a second click would only
  // meet INVALID_OR_EXPIRED_TOKEN (and a resend form that sends nothing for a sign-up).
  it('sends a spent sign-up whose address got an account to sign in', () => {
    expect(confirmationEnd('EMAIL_TAKEN')).toEqual({
      message: 'This address already has an account.',
      next: { href: '/sign-in', label: 'Sign in' },
    });
  });

  it('sends a spent sign-up whose username was taken to sign up again (the page has no username field)', () => {
    const end = confirmationEnd('USERNAME_TAKEN');
    expect(end).toEqual({
      message: 'The username you chose was taken before you confirmed. Sign up again with another one.',
      next: { href: '/sign-up', label: 'Sign up again' },
    });
    expect(end?.message).not.toBe(messageFor('USERNAME_TAKEN'));
  });

  it('says only why for a disabled account, with nowhere to go', () => {
    expect(confirmationEnd('ACCOUNT_DISABLED')).toEqual({ message: messageFor('ACCOUNT_DISABLED') });
  });

  // A bad link offers a new one; an unanswered request can be tried again: the button stays.
  it.each(['INVALID_OR_EXPIRED_TOKEN', 'RATE_LIMITED', 'NETWORK_ERROR', 'INTERNAL_ERROR', undefined])(
    'leaves %s to the usual handling',
    (code) => {
      expect(confirmationEnd(code)).toBeNull();
    },
  );
});
