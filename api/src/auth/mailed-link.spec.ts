import { describe, expect, it } from 'vitest';
import { linkWithToken } from './mailed-link.js';

describe('linkWithToken', () => {
  it('puts the token in the fragment, which no server on the way receives or logs', () => {
    const link = new URL(linkWithToken('https://app.example.com', '/reset-password', 'tok_-1'));
    expect(link.pathname).toBe('/reset-password');
    expect(link.search).toBe('');
    expect(link.hash).toBe('#token=tok_-1');
  });
});
