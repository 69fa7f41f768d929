import { describe, expect, it } from 'vitest';
import { messageFor } from './error-messages';

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
