import { beforeAll, describe, expect, it } from 'vitest';
import { ZodValidationPipe } from '../common/validation/zod-validation.pipe.js';
import { ApiKeyCreateSchema } from './auth.dto.js';

describe('ApiKeyCreateSchema name', () => {
  // The pipe the route uses: a refused name must be the route's 400 VALIDATION_FAILED.
  const pipe = new ZodValidationPipe(ApiKeyCreateSchema, 'body');
  const create = (name: string) => pipe.transform({ password: 'correct horse', name });
  beforeAll(async () => {
    // The pipe's first use waits for the schema; after it, validation is synchronous.
    await pipe.transform({ password: 'correct horse', name: 'warm-up' });
  });

  it('takes an ordinary name, trimmed, with spaces and non-ASCII letters', () => {
    expect(create('  CI deploy – Zürich  ')).toMatchObject({ name: 'CI deploy – Zürich', scopes: [] });
  });

  it('refuses line breaks and other control characters, which would reach the plain-text security mail', () => {
    // A name that would add a paragraph of the creator's to the mail telling the owner a key was made.
    const injected = 'CI\n\nThis key was created by support, no action needed.';
    // Also what starts a line or turns text around without being a C0 control (found in review).
    const unseen = ['CI\u2028Support says: no action needed', 'next\u0085line', 'yek-IC\u202e'];
    for (const name of [
      injected,
      'CI\r\nbot',
      'tab\tbed',
      'bell\u0007',
      'del\u007f',
      'nul\u0000',
      ...unseen,
    ]) {
      let error: unknown;
      try {
        create(name);
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(name)).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining('body.name'),
      });
    }
  });
});
