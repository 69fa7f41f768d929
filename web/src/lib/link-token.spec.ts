import { describe, expect, it } from 'vitest';
import { linkTokenFrom } from './link-token';

describe('linkTokenFrom', () => {
  it('reads the token from the fragment, where mailed links carry it, and drops it from the address', () => {
    expect(linkTokenFrom({ pathname: '/reset-password', search: '', hash: '#token=abc_-1' })).toEqual({
      token: 'abc_-1',
      cleanUrl: '/reset-password',
    });
  });

  it('still reads a link mailed before, with the token in the query, keeping the other parameters', () => {
    expect(linkTokenFrom({ pathname: '/verify-email', search: '?token=old&x=1', hash: '' })).toEqual({
      token: 'old',
      cleanUrl: '/verify-email?x=1',
    });
  });

  it('is null without a token, and the address stays as it is', () => {
    expect(linkTokenFrom({ pathname: '/confirm-email-change', search: '?x=1', hash: '#other' })).toEqual({
      token: null,
      cleanUrl: '/confirm-email-change?x=1',
    });
    expect(
      linkTokenFrom({ pathname: '/reset-password', search: '?token=', hash: '#token=' }).token,
    ).toBeNull();
  });
});
