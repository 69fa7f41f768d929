import { describe, expect, it } from 'vitest';
import { STORAGE_KEY_PATTERN } from './file-purposes.js';
import { LocalUploadQuerySchema } from './files.dto.js';

// "A path outside DATA_DIR must be impossible" (local-storage.repository.ts pathOf) rests on this
// pattern being anchored at both ends; the signature check would stop a traversal too, but later.
const OWNER = '0b7c5a8e-1f2d-4c3b-9a8e-7d6c5b4a3f2e';
const FILE = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

describe('STORAGE_KEY_PATTERN', () => {
  it('matches a key the API issues and nothing with anything before or after it', () => {
    const key = `uploads/users/${OWNER}/${FILE}.jpg`;
    expect(STORAGE_KEY_PATTERN.test(key)).toBe(true);
    expect(STORAGE_KEY_PATTERN.test(`../../../etc/${key}`)).toBe(false);
    expect(STORAGE_KEY_PATTERN.test(`/${key}`)).toBe(false);
    expect(STORAGE_KEY_PATTERN.test(`${key}/../../../../secret`)).toBe(false);
  });

  it('refuses a traversing key in a local upload URL before any signature check', async () => {
    const parsed = (await LocalUploadQuerySchema.load()).safeParse({
      key: `../../${'uploads/users'}/${OWNER}/${FILE}.jpg`,
      type: 'image/jpeg',
      size: '10',
      expires: '1',
      sig: 'a'.repeat(43),
    });
    expect(parsed.success).toBe(false);
  });
});
