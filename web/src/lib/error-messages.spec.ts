import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_CHANGED_CODES,
  messageFor,
  NOT_CONFIRMED_YET_HINT,
  SECOND_STEP_ENDED_CODES,
  SPENT_REGISTRATION,
  WRONG_SIGN_IN_CODE,
} from './error-messages';

describe('messageFor', () => {
  it('words a known code for people', () => {
    expect(messageFor('SESSION_REVOKED')).toBe('This session was signed out. Please sign in again.');
  });

  it('falls back to the API message, then a generic sentence, for unknown codes', () => {
    expect(messageFor('SOMETHING_NEW', 'The API says so.')).toBe('The API says so.');
    expect(messageFor('SOMETHING_NEW')).toBe('Something went wrong. Try again.');
  });

  // `?reason=` on /sign-in is whatever the address says: names inherited from Object.prototype
  // must not come back as an object or a function (React throws rendering either).
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'answers a string for the inherited name %j',
    (code) => {
      expect(messageFor(code)).toBe('Something went wrong. Try again.');
      expect(messageFor(code, 'fallback')).toBe('fallback');
    },
  );
});

describe('the sign-in refusals', () => {
  it('says what SIGN_IN_INTERRUPTED means: sign in again', () => {
    expect(messageFor('SIGN_IN_INTERRUPTED')).toBe(
      'Your account changed while you were signing in. Sign in again.',
    );
  });

  // The API answers these to a second step that can no longer succeed: staying on the form would
  // only collect more codes for a challenge that is gone.
  it.each([
    'MFA_CHALLENGE_INVALID',
    'ACCOUNT_LOCKED',
    'SECOND_STEP_LIMIT_REACHED',
    'SIGN_IN_INTERRUPTED',
    'ACCOUNT_DISABLED',
  ])('%s ends the second step', (code) => {
    expect(SECOND_STEP_ENDED_CODES.has(code)).toBe(true);
  });

  it.each(['INVALID_CODE', 'RATE_LIMITED', 'NETWORK_ERROR'])('%s keeps the second step', (code) => {
    expect(SECOND_STEP_ENDED_CODES.has(code)).toBe(false);
  });

  it('tells a wrong emailed sign-in code may mean a locked account, and how to unlock it', () => {
    expect(WRONG_SIGN_IN_CODE).toMatch(/locked for a while/);
    expect(WRONG_SIGN_IN_CODE).toMatch(/resetting your password unlocks it/);
  });
});

describe('the hint under a wrong password', () => {
  // Said to every INVALID_CREDENTIALS, whatever was typed, so it must hold nothing about an address.
  it('points a new sign-up to the emailed link, in general terms', () => {
    expect(NOT_CONFIRMED_YET_HINT).toBe(
      'Just signed up? Open the link we emailed you first: your account is created when you do.',
    );
  });
});

describe('a spent sign-up on /verify-email', () => {
  it('words the two 409s with the next step, not the sign-up form’s sentences', () => {
    expect(SPENT_REGISTRATION.EMAIL_TAKEN).toBe('This address already has an account.');
    expect(SPENT_REGISTRATION.USERNAME_TAKEN).toMatch(/Sign up again with another one\.$/);
    expect(SPENT_REGISTRATION.USERNAME_TAKEN).not.toMatch(/Choose another one/);
  });
});

// /verify-email: a sign-up's link opens only with the password chosen at sign-up.
describe('the sign-up password refusals', () => {
  it('says what to type when the password is required', () => {
    expect(messageFor('REGISTRATION_PASSWORD_REQUIRED')).toBe(
      'This link confirms a sign-up. To show it is yours, enter the password chosen when this address was signed up.',
    );
  });

  it('says the password is not the sign-up one', () => {
    expect(messageFor('REGISTRATION_PASSWORD_WRONG')).toBe(
      'That is not the password chosen when this address was signed up.',
    );
  });
});

// The API client reads the profile again on these, and the form then asks for the other proof: the
// sentence has to say why the form changed under the person (the API's own is written for developers).
describe('the refusals that mean the account changed since the page loaded', () => {
  it.each([...ACCOUNT_CHANGED_CODES])('words %s for people, as a change of the account', (code) => {
    expect(messageFor(code, 'api')).not.toBe('api');
    expect(messageFor(code)).toMatch(/account|password/i);
  });
});
