import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { appErrorCode } from '../../test/support/app-error-code.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { loadConfig } from '../config/app-config.js';
import type { Database } from '../database/database.factory.js';
import type { FileRow, LiveFileRow } from '../database/database.types.js';
import type { FilesRepository } from './files.repository.js';
import { FilesService } from './files.service.js';
import type { StorageRepository } from './storage.repository.js';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const OWNER = { userId: '11111111-1111-4111-8111-111111111111', role: 'user' as const };
const OTHER = { userId: '22222222-2222-4222-8222-222222222222', role: 'user' as const };
const ADMIN = { userId: '33333333-3333-4333-8333-333333333333', role: 'admin' as const };
const FILE_ID = '44444444-4444-4444-8444-444444444444';

function file(overrides: Partial<FileRow> = {}): FileRow {
  return {
    id: FILE_ID,
    userId: OWNER.userId,
    purpose: 'avatar',
    storageKey: `uploads/users/${OWNER.userId}/${FILE_ID}.png`,
    contentType: 'image/png',
    size: 100,
    status: 'ready',
    createdAt: T0,
    completedAt: T0,
    ...overrides,
  };
}

/** A FilesService over fake repositories, a fixed clock and a fixed id. */
function setup(options: { file?: FileRow; env?: Record<string, string> } = {}) {
  const clock = { now: vi.fn(() => T0) } as unknown as ClockRepository;
  const crypto = Object.assign(Object.create(CryptoRepository.prototype), {
    uuid: vi.fn(() => FILE_ID),
  }) as CryptoRepository;
  const files = {
    create: vi.fn(async () => {}),
    findById: vi.fn(async () => options.file),
    findWithActiveOwner: vi.fn(async () => options.file),
    markReady: vi.fn(async () => true),
    markDeleted: vi.fn(async () => {}),
    delete: vi.fn(async () => {}),
    listByUser: vi.fn(async () => [] as FileRow[]),
    listExpired: vi.fn(async () => [] as FileRow[]),
    claimExpired: vi.fn(async (_id: string, _cutoffs: { upload: Date; tombstone: Date }) => true),
  };
  const storage = {
    presignUpload: vi.fn(async (request: { signedAt: Date; expiresInSeconds: number }) => ({
      url: 'https://storage.example/put',
      method: 'PUT' as const,
      headers: { 'Content-Type': 'image/png' },
      expiresAt: new Date(request.signedAt.getTime() + request.expiresInSeconds * 1000),
    })),
    presignDownload: vi.fn(async () => 'https://storage.example/get'),
    head: vi.fn(
      async (): Promise<{ size: number; contentType: string | undefined } | undefined> => undefined,
    ),
    delete: vi.fn(async (_key: string) => {}),
    publicUrl: vi.fn((): string | undefined => undefined),
  };
  const logger = { warn: vi.fn() } as unknown as Logger;
  const config = loadConfig(
    { NODE_ENV: 'test', API_BASE_URL: 'https://api.example.com', ...options.env },
    '/',
  );
  const service = new FilesService(
    files as unknown as FilesRepository,
    storage as unknown as StorageRepository,
    clock,
    crypto,
    config,
    logger,
  );
  return { service, files, storage, clock, logger };
}

describe('FilesService.createUpload', () => {
  it('writes no pending row when the URL cannot be signed', async () => {
    const { service, files, storage } = setup();
    storage.presignUpload.mockRejectedValue(new Error('Could not load credentials from any providers'));
    await expect(
      service.createUpload(OWNER, { purpose: 'avatar', contentType: 'image/png', size: 10 }),
    ).rejects.toThrow('credentials');
    expect(files.create).not.toHaveBeenCalled();
  });

  it('records a pending file under the purpose prefix and presigns a PUT bound to type and size', async () => {
    const { service, files, storage } = setup();
    const result = await service.createUpload(OWNER, {
      purpose: 'story',
      contentType: 'video/mp4',
      size: 1000,
    });
    const key = `uploads/stories/${OWNER.userId}/${FILE_ID}.mp4`;
    expect(files.create).toHaveBeenCalledWith({
      id: FILE_ID,
      userId: OWNER.userId,
      purpose: 'story',
      storageKey: key,
      contentType: 'video/mp4',
      size: 1000,
      status: 'pending',
      createdAt: T0,
      completedAt: null,
    });
    expect(storage.presignUpload).toHaveBeenCalledWith({
      key,
      contentType: 'video/mp4',
      size: 1000,
      signedAt: T0,
      expiresInSeconds: 900,
    });
    expect(result).toEqual({
      fileId: FILE_ID,
      upload: { url: 'https://storage.example/put', method: 'PUT', headers: { 'Content-Type': 'image/png' } },
      key,
      expiresAt: '2026-03-01T12:15:00.000Z',
    });
  });

  it.each([
    ['avatar', 'video/mp4'],
    ['channel', 'video/mp4'],
    ['temp', 'application/pdf'],
    ['story', 'image/svg+xml'],
  ] as const)('refuses %s files of type %s with FILE_TYPE_NOT_ALLOWED', async (purpose, contentType) => {
    const { service, files } = setup();
    expect(await appErrorCode(service.createUpload(OWNER, { purpose, contentType, size: 10 }))).toBe(
      'FILE_TYPE_NOT_ALLOWED',
    );
    expect(files.create).not.toHaveBeenCalled();
  });

  it.each([
    ['avatar', 5 * 1024 * 1024],
    ['story', 100 * 1024 * 1024],
    ['channel', 10 * 1024 * 1024],
    ['temp', 25 * 1024 * 1024],
  ] as const)(
    'allows %s files up to %i bytes and refuses one more with FILE_TOO_LARGE',
    async (purpose, max) => {
      const { service } = setup();
      await expect(
        service.createUpload(OWNER, { purpose, contentType: 'image/gif', size: max }),
      ).resolves.toBeDefined();
      expect(
        await appErrorCode(service.createUpload(OWNER, { purpose, contentType: 'image/gif', size: max + 1 })),
      ).toBe('FILE_TOO_LARGE');
    },
  );
});

describe('FilesService.complete', () => {
  it('marks the file ready when storage holds the declared size and type', async () => {
    const { service, files, storage } = setup({ file: file({ status: 'pending', completedAt: null }) });
    storage.head.mockResolvedValue({ size: 100, contentType: 'image/png' });
    const result = await service.complete(OWNER, FILE_ID);
    expect(files.markReady).toHaveBeenCalledWith(FILE_ID, T0);
    expect(result).toMatchObject({ status: 'ready', completedAt: T0.toISOString() });
    expect(result.url).toBe(`https://api.example.com/files/${FILE_ID}/content`);
  });

  it('is FILE_NOT_FOUND for another user (even an admin) and for unknown ids', async () => {
    expect(
      await appErrorCode(setup({ file: file({ status: 'pending' }) }).service.complete(OTHER, FILE_ID)),
    ).toBe('FILE_NOT_FOUND');
    expect(
      await appErrorCode(setup({ file: file({ status: 'pending' }) }).service.complete(ADMIN, FILE_ID)),
    ).toBe('FILE_NOT_FOUND');
    expect(await appErrorCode(setup().service.complete(OWNER, FILE_ID))).toBe('FILE_NOT_FOUND');
  });

  it('is FILE_NOT_UPLOADED while storage has no object', async () => {
    const { service, files } = setup({ file: file({ status: 'pending' }) });
    expect(await appErrorCode(service.complete(OWNER, FILE_ID))).toBe('FILE_NOT_UPLOADED');
    expect(files.markReady).not.toHaveBeenCalled();
  });

  it.each([
    [{ size: 101, contentType: 'image/png' }],
    [{ size: 100, contentType: 'image/jpeg' }],
    [{ size: 100, contentType: undefined }],
  ])('deletes an object that differs from the declaration (%o) with FILE_UPLOAD_MISMATCH', async (object) => {
    const { service, files, storage } = setup({ file: file({ status: 'pending' }) });
    storage.head.mockResolvedValue(object);
    expect(await appErrorCode(service.complete(OWNER, FILE_ID))).toBe('FILE_UPLOAD_MISMATCH');
    expect(storage.delete).toHaveBeenCalledWith(file().storageKey);
    expect(files.markReady).not.toHaveBeenCalled();
  });

  it('is FILE_NOT_FOUND when the file was deleted between the check and marking it ready', async () => {
    const { service, files, storage } = setup({ file: file({ status: 'pending', completedAt: null }) });
    storage.head.mockResolvedValue({ size: 100, contentType: 'image/png' });
    files.markReady.mockResolvedValue(false);
    files.findById
      .mockResolvedValueOnce(file({ status: 'pending', completedAt: null }))
      .mockResolvedValueOnce(undefined);
    expect(await appErrorCode(service.complete(OWNER, FILE_ID))).toBe('FILE_NOT_FOUND');
  });

  it('accepts a stored type with parameters or other case', async () => {
    const { service, storage } = setup({ file: file({ status: 'pending' }) });
    storage.head.mockResolvedValue({ size: 100, contentType: 'Image/PNG; foo=bar' });
    await expect(service.complete(OWNER, FILE_ID)).resolves.toMatchObject({ status: 'ready' });
  });
});

describe('FilesService reads and deletes', () => {
  it('lets owners and admins read private files; others get FILE_NOT_FOUND', async () => {
    const temp = file({ purpose: 'temp', storageKey: `uploads/temp/${OWNER.userId}/${FILE_ID}.png` });
    for (const caller of [OWNER, ADMIN]) {
      const { service, storage } = setup({ file: temp });
      expect(await service.downloadUrl(caller, FILE_ID)).toEqual({ url: 'https://storage.example/get' });
      expect(storage.presignDownload).toHaveBeenCalledWith(temp.storageKey, {
        signedAt: T0,
        expiresInSeconds: 300,
      });
    }
    expect(await appErrorCode(setup({ file: temp }).service.downloadUrl(OTHER, FILE_ID))).toBe(
      'FILE_NOT_FOUND',
    );
  });

  it('lets anyone signed in read public files, preferring the public URL', async () => {
    const { service, storage, files } = setup({ file: file() });
    expect(await service.downloadUrl(OTHER, FILE_ID)).toEqual({ url: 'https://storage.example/get' });
    expect(files.findWithActiveOwner).toHaveBeenCalledWith(FILE_ID);
    storage.publicUrl.mockReturnValue('https://cdn.example.com/key');
    expect(await service.downloadUrl(OTHER, FILE_ID)).toEqual({ url: 'https://cdn.example.com/key' });
  });

  it('answers FILE_NOT_UPLOADED for a pending file of the caller', async () => {
    expect(
      await appErrorCode(setup({ file: file({ status: 'pending' }) }).service.downloadUrl(OWNER, FILE_ID)),
    ).toBe('FILE_NOT_UPLOADED');
  });

  it('serves public content without a caller only for ready public files', async () => {
    expect(await setup({ file: file() }).service.publicContentUrl(FILE_ID)).toEqual({
      url: 'https://storage.example/get',
    });
    for (const hidden of [file({ purpose: 'temp' }), file({ status: 'pending' }), undefined]) {
      expect(await appErrorCode(setup({ file: hidden }).service.publicContentUrl(FILE_ID))).toBe(
        'FILE_NOT_FOUND',
      );
    }
  });

  it('answers FILE_NOT_FOUND, not FILE_NOT_UPLOADED, for a pending public file of someone else', async () => {
    const pending = file({ status: 'pending', completedAt: null });
    expect(await appErrorCode(setup({ file: pending }).service.downloadUrl(OTHER, FILE_ID))).toBe(
      'FILE_NOT_FOUND',
    );
    // The owner and admins still learn that it is not uploaded yet.
    expect(await appErrorCode(setup({ file: pending }).service.downloadUrl(ADMIN, FILE_ID))).toBe(
      'FILE_NOT_UPLOADED',
    );
  });

  it('deletes the object, then leaves the row as a tombstone, for the owner or an admin', async () => {
    // Long after its upload URL expired (15 minutes): an upload that started before the expiry may
    // still be running, so the row stays for the cleanup job whatever the file's age.
    const old = file({ createdAt: new Date(T0.getTime() - 60 * 60_000) });
    for (const caller of [OWNER, ADMIN]) {
      const { service, storage, files } = setup({ file: old });
      await service.remove(caller, FILE_ID);
      expect(storage.delete).toHaveBeenCalledWith(old.storageKey);
      expect(files.markDeleted).toHaveBeenCalledWith(FILE_ID);
      expect(files.delete).not.toHaveBeenCalled();
      expect(storage.delete.mock.invocationCallOrder[0]).toBeLessThan(
        files.markDeleted.mock.invocationCallOrder[0] ?? 0,
      );
    }
    const { service, storage, files } = setup({ file: old });
    expect(await appErrorCode(service.remove(OTHER, FILE_ID))).toBe('FILE_NOT_FOUND');
    expect(storage.delete).not.toHaveBeenCalled();
    expect(files.markDeleted).not.toHaveBeenCalled();
  });

  it('keeps the row live when the object cannot be deleted, so the delete can be retried', async () => {
    const { service, storage, files } = setup({ file: file() });
    storage.delete.mockRejectedValueOnce(new Error('storage down'));
    await expect(service.remove(OWNER, FILE_ID)).rejects.toThrow('storage down');
    expect(files.markDeleted).not.toHaveBeenCalled();
  });
});

describe('FilesService.retire and deleteRetired (a replaced avatar)', () => {
  const SPEC_TRANSACTION = { isTransaction: true } as unknown as Database;

  it('retires the file in the caller’s transaction, then deletes the object and keeps the tombstone', async () => {
    const old = file({ createdAt: new Date(T0.getTime() - 60 * 60_000) });
    const { service, storage, files } = setup();
    await service.retire(old as LiveFileRow, SPEC_TRANSACTION);
    expect(files.markDeleted).toHaveBeenCalledWith(FILE_ID, SPEC_TRANSACTION);
    await service.deleteRetired(old as LiveFileRow);
    expect(storage.delete).toHaveBeenCalledWith(old.storageKey);
    expect(files.delete).not.toHaveBeenCalled();
  });

  it('logs a failed delete for the cleanup job instead of failing the profile change', async () => {
    const failing = setup();
    failing.storage.delete.mockRejectedValueOnce(new Error('storage down'));
    await expect(failing.service.deleteRetired(file() as LiveFileRow)).resolves.toBeUndefined();
    expect(failing.logger.warn).toHaveBeenCalledTimes(1);
    expect(failing.files.delete).not.toHaveBeenCalled();
  });
});

describe('FilesService.readyAvatar', () => {
  it('accepts only a ready avatar of the user', async () => {
    await expect(setup({ file: file() }).service.readyAvatar(OWNER.userId, FILE_ID)).resolves.toMatchObject({
      id: FILE_ID,
    });
    expect(await appErrorCode(setup({ file: file() }).service.readyAvatar(OTHER.userId, FILE_ID))).toBe(
      'FILE_NOT_FOUND',
    );
    expect(
      await appErrorCode(
        setup({ file: file({ purpose: 'story' }) }).service.readyAvatar(OWNER.userId, FILE_ID),
      ),
    ).toBe('FILE_NOT_AN_AVATAR');
    expect(
      await appErrorCode(
        setup({ file: file({ status: 'pending' }) }).service.readyAvatar(OWNER.userId, FILE_ID),
      ),
    ).toBe('AVATAR_NOT_READY');
  });
});

describe('FilesService.removeAllOf (account purge)', () => {
  it('deletes every file, object first, batch after batch', async () => {
    const { service, files, storage } = setup();
    const rows = [file({ id: 'f1', storageKey: 'k1' }), file({ id: 'f2', storageKey: 'k2' })];
    files.listByUser.mockResolvedValueOnce(rows).mockResolvedValueOnce([]);
    expect(await service.removeAllOf(OWNER.userId)).toEqual({ removed: 2, complete: true });
    expect(storage.delete.mock.calls).toEqual([['k1'], ['k2']]);
    expect(files.delete.mock.calls).toEqual([['f1'], ['f2']]);
  });

  it('stops before the next file once mayContinue answers no (a run at its deadline), not complete', async () => {
    const { service, files, storage } = setup();
    files.listByUser.mockResolvedValueOnce([
      file({ id: 'f1', storageKey: 'k1' }),
      file({ id: 'f2', storageKey: 'k2' }),
    ]);
    let answers = 1;
    expect(await service.removeAllOf(OWNER.userId, () => answers-- > 0)).toEqual({
      removed: 1,
      complete: false,
    });
    expect(storage.delete.mock.calls).toEqual([['k1']]);
    expect(files.delete.mock.calls).toEqual([['f1']]);
  });
});

describe('FilesService.cleanupExpired', () => {
  const CUTOFFS = {
    upload: new Date('2026-02-28T12:00:00.000Z'),
    tombstone: new Date('2026-03-01T10:00:00.000Z'),
  };

  it('asks for uploads older than 24 h, and tombstones past their upload URL, by the injected clock, and removes each', async () => {
    const { service, files, storage } = setup();
    const stale = [file({ id: 'a', storageKey: 'ka' }), file({ id: 'b', storageKey: 'kb' })];
    files.listExpired.mockResolvedValueOnce(stale).mockResolvedValueOnce([]);
    expect(await service.cleanupExpired()).toEqual({ removed: 2, failed: [] });
    // Unfinished uploads a day before 2026-03-01T12:00Z, tombstones two hours before it.
    expect(files.listExpired).toHaveBeenCalledWith(CUTOFFS, 100);
    expect(storage.delete.mock.calls).toEqual([['ka'], ['kb']]);
    expect(files.delete.mock.calls).toEqual([['a'], ['b']]);
  });

  it('leaves a file it cannot claim as expired any more (completed since the listing)', async () => {
    const { service, files, storage } = setup();
    const completed = file({ id: 'completed', storageKey: 'kc' });
    const stale = file({ id: 'stale', storageKey: 'ks' });
    files.listExpired.mockResolvedValueOnce([completed, stale]).mockResolvedValueOnce([]);
    files.claimExpired.mockImplementation(async (id: string) => id !== 'completed');
    expect(await service.cleanupExpired()).toEqual({ removed: 1, failed: [] });
    expect(files.claimExpired).toHaveBeenCalledWith('completed', CUTOFFS);
    expect(storage.delete.mock.calls).toEqual([['ks']]);
    expect(files.delete.mock.calls).toEqual([['stale']]);
  });

  it('logs a file that cannot be removed, skips it and goes on', async () => {
    const { service, files, storage, logger } = setup();
    const broken = file({ id: 'broken', storageKey: 'kx' });
    const fine = file({ id: 'fine', storageKey: 'ky' });
    files.listExpired.mockResolvedValueOnce([broken, fine]).mockResolvedValueOnce([broken]);
    storage.delete.mockImplementation(async (key: string) => {
      if (key === 'kx') throw new Error('storage down');
    });
    expect(await service.cleanupExpired()).toEqual({ removed: 1, failed: ['broken'] });
    expect(files.delete.mock.calls).toEqual([['fine']]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('asks mayContinue before each listing and each file, and stops where it answers no (a run at its deadline)', async () => {
    const { service, files, storage } = setup();
    files.listExpired.mockResolvedValueOnce([
      file({ id: 'a', storageKey: 'ka' }),
      file({ id: 'b', storageKey: 'kb' }),
      file({ id: 'c', storageKey: 'kc' }),
    ]);
    let answers = 3; // the listing, then files a and b
    expect(await service.cleanupExpired(() => answers-- > 0)).toEqual({ removed: 2, failed: [] });
    expect(storage.delete.mock.calls).toEqual([['ka'], ['kb']]);
    expect(files.claimExpired.mock.calls.map(([id]) => id)).toEqual(['a', 'b']);
    // Out of time before it starts: not even the listing.
    files.listExpired.mockClear();
    expect(await service.cleanupExpired(() => false)).toEqual({ removed: 0, failed: [] });
    expect(files.listExpired).not.toHaveBeenCalled();
  });
});
