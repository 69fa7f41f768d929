import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { StreamableFile } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { appErrorCode } from '../../test/support/app-error-code.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { loadConfig } from '../config/app-config.js';
import type { LocalDownloadQuery, LocalUploadQuery } from './files.dto.js';
import { LocalStorageRepository } from './local-storage.repository.js';
import { LocalStorageService } from './local-storage.service.js';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const KEY = 'uploads/temp/11111111-1111-4111-8111-111111111111/22222222-2222-4222-8222-222222222222.png';

/** The real repository (HMAC, disk) under a fresh DATA_DIR, and a clock the test moves. */
function setup(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'cloudnest-local-'))) {
  let now = T0;
  const clock = { now: vi.fn(() => now) } as unknown as ClockRepository;
  const config = loadConfig(
    { NODE_ENV: 'test', DATA_DIR: dataDir, API_BASE_URL: 'https://api.example.com', ...env },
    '/',
  );
  const storage = new LocalStorageRepository(config);
  const service = new LocalStorageService(storage, clock);
  return {
    service,
    storage,
    dataDir,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

async function uploadQuery(storage: LocalStorageRepository, size = 4): Promise<LocalUploadQuery> {
  const { url } = await storage.presignUpload({
    key: KEY,
    contentType: 'image/png',
    size,
    signedAt: T0,
    expiresInSeconds: 60,
  });
  return Object.fromEntries(new URL(url).searchParams) as LocalUploadQuery;
}

const body = (bytes: string) => Readable.from([Buffer.from(bytes)]);
const headers = (contentLength: string, contentType = 'image/png') => ({ contentType, contentLength });

describe('LocalStorageService uploads', () => {
  it('builds absolute URLs under API_BASE_URL and stores exactly the signed bytes', async () => {
    const { service, storage } = setup({ API_PREFIX: '/api' });
    const { url, expiresAt } = await storage.presignUpload({
      key: KEY,
      contentType: 'image/png',
      size: 4,
      signedAt: T0,
      expiresInSeconds: 60,
    });
    expect(url.startsWith('https://api.example.com/api/files/local?key=uploads%2Ftemp%2F')).toBe(true);
    expect(expiresAt).toEqual(new Date(T0.getTime() + 60_000));
    await service.receiveUpload(await uploadQuery(storage), headers('4'), body('abcd'));
    expect(await storage.head(KEY)).toEqual({ size: 4, contentType: 'image/png' });
  });

  it.each([
    ['key', KEY.replace('22222222-2222', '33333333-3333')],
    ['type', 'image/gif'],
    ['size', '5'],
    ['expires', String(T0.getTime() / 1000 + 3600)],
    ['sig', 'A'.repeat(43)],
  ] as const)('refuses an altered %s with UPLOAD_URL_INVALID', async (field, value) => {
    const { service, storage } = setup();
    const query = { ...(await uploadQuery(storage)), [field]: value };
    expect(
      await appErrorCode(service.receiveUpload(query, headers(query.size, query.type), body('abcd'))),
    ).toBe('UPLOAD_URL_INVALID');
    expect(await storage.head(KEY)).toBeUndefined();
  });

  it('refuses a URL at or past its expiry with UPLOAD_URL_EXPIRED, and checks the signature first', async () => {
    const { service, storage, advance } = setup();
    const query = await uploadQuery(storage);
    advance(59_999);
    await expect(service.receiveUpload(query, headers('4'), body('abcd'))).resolves.toBeUndefined();
    advance(1);
    expect(await appErrorCode(service.receiveUpload(query, headers('4'), body('abcd')))).toBe(
      'UPLOAD_URL_EXPIRED',
    );
    expect(
      await appErrorCode(service.receiveUpload({ ...query, size: '5' }, headers('5'), body('abcde'))),
    ).toBe('UPLOAD_URL_INVALID');
  });

  it.each([
    ['another Content-Type', headers('4', 'image/jpeg'), body('abcd')],
    ['no Content-Type', { contentType: undefined, contentLength: '4' }, body('abcd')],
    ['another Content-Length', headers('5'), body('abcde')],
    ['no Content-Length (chunked)', { contentType: 'image/png', contentLength: undefined }, body('abcd')],
    ['a parsed body instead of a stream', headers('4'), 'abcd'],
    ['fewer bytes than declared', headers('4'), body('abc')],
    ['more bytes than declared', headers('4'), body('abcdef')],
  ])(
    'refuses %s with UPLOAD_CONTENT_MISMATCH and keeps no file',
    async (_case, requestHeaders, requestBody) => {
      const { service, storage, dataDir } = setup();
      const query = await uploadQuery(storage);
      expect(await appErrorCode(service.receiveUpload(query, requestHeaders, requestBody))).toBe(
        'UPLOAD_CONTENT_MISMATCH',
      );
      expect(await storage.head(KEY)).toBeUndefined();
      const left = await readdir(join(dataDir, 'uploads'), { recursive: true }).catch(() => [] as string[]);
      expect(left.filter((name) => name.endsWith('.png') || name.endsWith('.part'))).toEqual([]);
    },
  );

  it('accepts a Content-Type with parameters or in another case', async () => {
    const { service, storage } = setup();
    await service.receiveUpload(await uploadQuery(storage), headers('4', 'Image/PNG; q=1'), body('abcd'));
    expect(await storage.head(KEY)).toBeDefined();
  });
});

// Found in review (2026-12-07): every write-side error was answered as the client's fault.
describe('LocalStorageService upload failures', () => {
  /** Makes the key's directory refuse new files: tests run as root, which ignores permissions. */
  async function unwritableDirectory(dataDir: string): Promise<void> {
    const directory = join(dataDir, dirname(KEY));
    await mkdir(dirname(directory), { recursive: true });
    await symlink('/proc/self/fdinfo', directory);
  }

  it('rethrows a failure to store the bytes (a server fault, not UPLOAD_CONTENT_MISMATCH)', async () => {
    const { service, storage, dataDir } = setup();
    const query = await uploadQuery(storage);
    await unwritableDirectory(dataDir);
    const error = await service.receiveUpload(query, headers('4'), body('abcd')).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).not.toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['a short body', () => body('abc')],
    [
      'a body reset by the client',
      () => cutOffBody(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })),
    ],
    ['a body closed early', () => cutOffBody()],
  ])('still refuses %s with UPLOAD_CONTENT_MISMATCH and keeps no file', async (_case, makeBody) => {
    const { service, storage, dataDir } = setup();
    const query = await uploadQuery(storage);
    expect(await appErrorCode(service.receiveUpload(query, headers('4'), makeBody()))).toBe(
      'UPLOAD_CONTENT_MISMATCH',
    );
    const left = await readdir(join(dataDir, 'uploads'), { recursive: true });
    expect(left.filter((name) => name.endsWith('.png') || name.endsWith('.part'))).toEqual([]);
  });
});

/**
 * Two bytes, then (once they are read, as a request's stream fails only while it is being read)
 * destroyed: with the error of a connection reset, or without one, as at the body's deadline.
 */
function cutOffBody(error?: Error): Readable {
  let reads = 0;
  return new Readable({
    read() {
      if (reads++ === 0) this.push(Buffer.from('ab'));
      else setImmediate(() => this.destroy(error));
    },
  });
}

describe('LocalStorageService downloads', () => {
  async function downloadQuery(storage: LocalStorageRepository): Promise<LocalDownloadQuery> {
    const url = await storage.presignDownload(KEY, { signedAt: T0, expiresInSeconds: 30 });
    return Object.fromEntries(new URL(url).searchParams) as LocalDownloadQuery;
  }

  it('streams a stored object with its type and length', async () => {
    const { service, storage } = setup();
    await service.receiveUpload(await uploadQuery(storage), headers('4'), body('abcd'));
    const { file, contentRange } = await service.download(await downloadQuery(storage));
    expect(file).toBeInstanceOf(StreamableFile);
    expect(contentRange).toBeUndefined();
    expect(file.getHeaders()).toMatchObject({ type: 'image/png', length: 4 });
    const chunks: Buffer[] = [];
    for await (const chunk of file.getStream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('abcd');
  });

  async function readAll(file: StreamableFile): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of file.getStream()) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString();
  }

  /** Runs `change` (synchronously) the moment the repository has opened an object. */
  function onceOpened(storage: LocalStorageRepository, change: () => void): void {
    const open = storage.open.bind(storage);
    vi.spyOn(storage, 'open').mockImplementationOnce(async (key, range) => {
      const opened = await open(key, range);
      change();
      return opened;
    });
  }

  // Found in review (2026-12-07): the object was checked, then opened again by path when the
  // response read it, so one deleted or replaced in between failed the stream (a 500).
  it('serves the object as it was when opened, even if deleted or replaced right after', async () => {
    const { service, storage, dataDir } = setup();
    const object = join(dataDir, KEY);
    await service.receiveUpload(await uploadQuery(storage), headers('4'), body('abcd'));
    onceOpened(storage, () => {
      rmSync(object);
      rmSync(`${object}.meta.json`);
    });
    const { file: deleted } = await service.download(await downloadQuery(storage));
    expect(deleted.getHeaders()).toMatchObject({ type: 'image/png', length: 4 });
    expect(await readAll(deleted)).toBe('abcd');

    await service.receiveUpload(await uploadQuery(storage), headers('4'), body('abcd'));
    onceOpened(storage, () => {
      rmSync(object);
      writeFileSync(object, 'a longer object');
    });
    const { file: replaced } = await service.download(await downloadQuery(storage));
    expect(replaced.getHeaders()).toMatchObject({ length: 4 });
    expect(await readAll(replaced)).toBe('abcd');
  });

  it('serves one byte range (206 with Content-Range), as S3 does, for players that seek', async () => {
    const { service, storage } = setup();
    await service.receiveUpload(await uploadQuery(storage), headers('4'), body('abcd'));
    const query = await downloadQuery(storage);
    const middle = await service.download(query, 'bytes=1-2');
    expect(middle.contentRange).toBe('bytes 1-2/4');
    expect(middle.file.getHeaders()).toMatchObject({ type: 'image/png', length: 2 });
    expect(await readAll(middle.file)).toBe('bc');
    const tail = await service.download(query, 'bytes=-3');
    expect([tail.contentRange, await readAll(tail.file)]).toEqual(['bytes 1-3/4', 'bcd']);
    // Several ranges, or a range conditional on a validator this driver keeps none of: all of it.
    for (const [range, ifRange] of [
      ['bytes=0-0,2-3', undefined],
      ['bytes=1-2', '"some-etag"'],
    ]) {
      const whole = await service.download(query, range, ifRange);
      expect([whole.contentRange, await readAll(whole.file)]).toEqual([undefined, 'abcd']);
    }
  });

  it('answers a range past the end with 416 RANGE_NOT_SATISFIABLE naming the size', async () => {
    const { service, storage } = setup();
    await service.receiveUpload(await uploadQuery(storage), headers('4'), body('abcd'));
    const refused = await service.download(await downloadQuery(storage), 'bytes=4-').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({
      code: 'RANGE_NOT_SATISFIABLE',
      headers: { 'content-range': 'bytes */4' },
    });
  });

  it('is FILE_NOT_FOUND for an object whose metadata is already gone (deleted meanwhile)', async () => {
    const { service, storage, dataDir } = setup();
    await service.receiveUpload(await uploadQuery(storage), headers('4'), body('abcd'));
    await rm(join(dataDir, `${KEY}.meta.json`));
    expect(await appErrorCode(service.download(await downloadQuery(storage)))).toBe('FILE_NOT_FOUND');
  });

  it('refuses altered (DOWNLOAD_URL_INVALID) and expired (DOWNLOAD_URL_EXPIRED) URLs; a missing object is FILE_NOT_FOUND', async () => {
    const { service, storage, advance } = setup();
    const query = await downloadQuery(storage);
    expect(await appErrorCode(service.download(query))).toBe('FILE_NOT_FOUND');
    expect(
      await appErrorCode(service.download({ ...query, expires: String(Number(query.expires) + 1) })),
    ).toBe('DOWNLOAD_URL_INVALID');
    // An upload signature never works as a download signature (the method is signed).
    const upload = await uploadQuery(storage);
    expect(await appErrorCode(service.download({ key: KEY, expires: upload.expires, sig: upload.sig }))).toBe(
      'DOWNLOAD_URL_INVALID',
    );
    advance(30_000);
    expect(await appErrorCode(service.download(query))).toBe('DOWNLOAD_URL_EXPIRED');
  });
});

describe('LocalStorageRepository signatures', () => {
  it('accepts only the exact text it issued, not another spelling of the same MAC', async () => {
    const { service, storage } = setup();
    const query = await uploadQuery(storage);
    // The 43rd base64url character holds 4 bits of the MAC and 2 unused ones, so flipping an
    // unused bit (which the URL's own format allows) or appending padding decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(query.sig.slice(-1));
    for (const sig of [`${query.sig.slice(0, -1)}${alphabet[last ^ 1]}`, `${query.sig}=`]) {
      expect(Buffer.from(sig, 'base64url').equals(Buffer.from(query.sig, 'base64url'))).toBe(true);
      expect(await appErrorCode(service.receiveUpload({ ...query, sig }, headers('4'), body('abcd')))).toBe(
        'UPLOAD_URL_INVALID',
      );
    }
    await expect(service.receiveUpload(query, headers('4'), body('abcd'))).resolves.toBeUndefined();
  });
});

// Found in review (2026-12-07): delete() left the partial file of an upload whose process was
// killed midway, up to the purpose's size limit, for good.
describe('LocalStorageRepository delete', () => {
  const OTHER = KEY.replace('22222222-2222', '33333333-3333');

  it("removes the key's object, metadata and partial uploads, and nothing of another key", async () => {
    const { service, storage, dataDir } = setup();
    await service.receiveUpload(await uploadQuery(storage), headers('4'), body('abcd'));
    const directory = join(dataDir, dirname(KEY));
    const name = (key: string) => key.slice(dirname(key).length + 1);
    for (const left of [`${name(KEY)}.0123456789ab.part`, `${name(KEY)}.ba9876543210.part`]) {
      await writeFile(join(directory, left), 'ab');
    }
    await writeFile(join(directory, `${name(OTHER)}.0123456789ab.part`), 'ab');
    await storage.delete(KEY);
    expect(await readdir(directory)).toEqual([`${name(OTHER)}.0123456789ab.part`]);
    await storage.delete(OTHER);
    expect(await readdir(directory)).toEqual([]);
  });

  it('ends an upload in progress for the deleted key as stored and deleted: nothing is left', async () => {
    const { storage, dataDir } = setup();
    const directory = join(dataDir, dirname(KEY));
    let finish: (() => void) | undefined;
    const slowBody = new Readable({
      read() {
        if (finish) return;
        this.push(Buffer.from('ab'));
        finish = () => {
          this.push(Buffer.from('cd'));
          this.push(null);
        };
      },
    });
    const writing = storage.write(KEY, 'image/png', 4, slowBody);
    for (let attempt = 0; !(await readdir(directory).catch(() => [])).length; attempt++) {
      if (attempt > 200) throw new Error('the upload never created its partial file');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await storage.delete(KEY);
    finish?.();
    await expect(writing).resolves.toBe(true);
    expect(await readdir(directory)).toEqual([]);
    expect(await storage.head(KEY)).toBeUndefined();
  });
});

describe('LocalStorageRepository signing key', () => {
  it('generates one key under DATA_DIR (mode 0600) that every instance sharing the directory uses', async () => {
    const first = setup();
    const query = await uploadQuery(first.storage);
    const second = setup({}, first.dataDir);
    await second.service.receiveUpload(query, headers('4'), body('abcd'));
    expect((await stat(join(first.dataDir, 'storage-signing.key'))).mode & 0o777).toBe(0o600);
    const elsewhere = setup();
    expect(await appErrorCode(elsewhere.service.receiveUpload(query, headers('4'), body('abcd')))).toBe(
      'UPLOAD_URL_INVALID',
    );
  });

  // Found in review (2026-12-07): a passphrase in the file decoded as hex to an empty HMAC key.
  it('refuses a key file that does not hold a 32-byte hex key instead of signing with what hex decoding leaves', async () => {
    const { storage, dataDir } = setup();
    writeFileSync(join(dataDir, 'storage-signing.key'), 'my operator passphrase');
    await expect(uploadQuery(storage)).rejects.toThrow(
      /storage-signing\.key must hold 64 hexadecimal characters/,
    );
  });

  it('uses STORAGE_SIGNING_SECRET when set, so instances on different disks agree', async () => {
    const secret = { STORAGE_SIGNING_SECRET: 'x'.repeat(40) };
    const query = await uploadQuery(setup(secret).storage);
    await expect(
      setup(secret).service.receiveUpload(query, headers('4'), body('abcd')),
    ).resolves.toBeUndefined();
  });

  it('refuses keys that are not storage keys (no path outside DATA_DIR)', async () => {
    const { storage } = setup();
    await expect(storage.head('uploads/temp/../../etc/passwd')).rejects.toThrow('Not a storage key');
  });
});

describe('LocalStorageRepository metadata', () => {
  it('never shows a reader a half-written content type while an upload URL is used again', async () => {
    const { storage } = setup();
    expect(await storage.write(KEY, 'image/png', 4, body('abcd'))).toBe(true);
    // A still-valid upload URL may be PUT again while the file is read (a download, a HEAD at
    // completion). Written in place, the metadata was empty for a moment, and a reader got a
    // SyntaxError: a 500 (found in review, 2026-12-07).
    const failures: unknown[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 300; i++)
        await storage.write(KEY, i % 2 ? 'image/png' : 'image/jpeg', 4, body('abcd'));
      writing = false;
    })();
    while (writing) {
      await storage.head(KEY).then(
        (object) => expect(object?.contentType).toMatch(/^image\/(png|jpeg)$/),
        (error: unknown) => failures.push(error),
      );
    }
    await writer;
    expect(failures).toEqual([]);
  });
});
