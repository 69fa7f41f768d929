import { mkdtempSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';

/**
 * Pauses the file system calls the repository makes at chosen points, so one interleaving of an
 * upload's last steps and a delete runs every time (timing alone would hit it rarely).
 */
const pauses: { beforeRename?: () => Promise<void>; beforeReaddir?: () => Promise<void> } = {};
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (...args: Parameters<typeof real.rename>) => {
      await pauses.beforeRename?.();
      return real.rename(...args);
    },
    readdir: async (...args: Parameters<typeof real.readdir>) => {
      await pauses.beforeReaddir?.();
      return real.readdir(...args);
    },
  };
});

const { loadConfig } = await import('../config/app-config.js');
const { LocalStorageRepository } = await import('./local-storage.repository.js');

const KEY = 'uploads/temp/11111111-1111-4111-8111-111111111111/22222222-2222-4222-8222-222222222222.png';

describe('LocalStorageRepository.delete racing the end of an upload', () => {
  // Found in review (2026-12-07): the delete removed the object and its metadata before it looked
  // for partial files, so an upload whose renames landed in between left both behind.
  it('leaves nothing when the upload puts its files in place while the delete runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cloudnest-delete-race-'));
    const storage = new LocalStorageRepository(
      loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, API_BASE_URL: 'https://api.example.com' }, '/'),
    );
    let resumeUpload = () => {};
    const bodyReceived = new Promise<void>((received) => {
      pauses.beforeRename = () => {
        pauses.beforeRename = undefined;
        received();
        return new Promise<void>((resume) => {
          resumeUpload = resume;
        });
      };
    });
    const writing = storage.write(KEY, 'image/png', 4, Readable.from([Buffer.from('abcd')]));
    await bodyReceived;
    // The upload finishes (metadata and object renamed into place) once the delete is under way.
    pauses.beforeReaddir = async () => {
      pauses.beforeReaddir = undefined;
      resumeUpload();
      await writing;
    };
    await storage.delete(KEY);
    expect(await writing).toBe(true);
    expect(await storage.head(KEY)).toBeUndefined();
    expect(await fs.readdir(join(dataDir, 'uploads/temp/11111111-1111-4111-8111-111111111111'))).toEqual([]);
  });
});
