import { describe, expect, it } from 'vitest';
import { confirmationEnd } from './confirmation-end';
import { passwordRefusal } from './registration-password';

describe('passwordRefusal', () => {
  // A sign-up's link without the password: nothing is spent and nothing went wrong, so the page
  // asks (a prompt, not an error) and sends the token again with the password.
  it('asks for the sign-up password, as a prompt, when the API requires it', () => {
    expect(passwordRefusal('REGISTRATION_PASSWORD_REQUIRED')).toEqual({ alert: 'info' });
  });

  it('keeps asking after a wrong password, under an error', () => {
    expect(passwordRefusal('REGISTRATION_PASSWORD_WRONG')).toEqual({ alert: 'error' });
  });

  // After 5 wrong passwords the sign-up is gone: the link answers INVALID_OR_EXPIRED_TOKEN, which
  // drops the button and says to sign up again; the 409s end the page; the rest is tried again.
  it.each([
    'INVALID_OR_EXPIRED_TOKEN',
    'EMAIL_TAKEN',
    'USERNAME_TAKEN',
    'ACCOUNT_DISABLED',
    'VALIDATION_FAILED',
    'RATE_LIMITED',
    'NETWORK_ERROR',
    undefined,
  ])('leaves %s to the usual handling', (code) => {
    expect(passwordRefusal(code)).toBeNull();
  });

  it.each(['REGISTRATION_PASSWORD_REQUIRED', 'REGISTRATION_PASSWORD_WRONG'])(
    'does not end the page on %s (the button stays)',
    (code) => {
      expect(confirmationEnd(code)).toBeNull();
    },
  );
});
