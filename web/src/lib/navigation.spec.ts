import { describe, expect, it } from 'vitest';
import { safeNext } from './navigation';

const ORIGIN = 'https://app.cloudnest.test';

describe('safeNext', () => {
  it.each(['/profile', '/sessions?page=2', '/profile#passkeys', '/admin?query=a%20b&cursor=x'])(
    'keeps the path of this site %j',
    (next) => {
      expect(safeNext(next, '/profile', ORIGIN)).toBe(next);
    },
  );

  it.each([
    // Tab, newline and carriage return are removed by the URL parser, so "/\t/evil" is "//evil".
    '/\t/evil.example/x',
    '/\n/evil.example/x',
    '/\r/evil.example/x',
    '/\t\\evil.example',
    '\t//evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\/evil.example',
    // A dot segment that leaves a protocol-relative path once resolved.
    '/.//evil.example',
    '/..//evil.example',
    'https://evil.example/x',
    'javascript:alert(1)',
    'evil.example',
    '',
    null,
  ])('falls back for %j', (next) => {
    expect(safeNext(next, '/profile', ORIGIN)).toBe('/profile');
  });

  it('decodes what the query string carried, as the page receives it', () => {
    // What `/sign-in?next=/%09/evil.example/x` hands to the page through URLSearchParams.
    const next = new URLSearchParams('next=/%09/evil.example/x').get('next');
    expect(safeNext(next, '/profile', ORIGIN)).toBe('/profile');
  });
});
