import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthService } from '../../src/auth/auth.service.js';
import { MfaRepository } from '../../src/auth/mfa.repository.js';
import { SecurityActivityService } from '../../src/auth/security-activity.service.js';
import { SecurityEventsRepository } from '../../src/auth/security-events.repository.js';
import { SessionStatusCache } from '../../src/auth/session-status.cache.js';
import { SessionsRepository } from '../../src/auth/sessions.repository.js';
import { ClockRepository } from '../../src/common/clock/clock.repository.js';
import { CryptoRepository } from '../../src/common/crypto/crypto.repository.js';
import type { AppConfig } from '../../src/config/app-config.js';
import type { FilePurpose, FileRow, UserRow } from '../../src/database/database.types.js';
import { DatabaseHandle } from '../../src/database/database-handle.js';
import { FilesRepository } from '../../src/files/files.repository.js';
import { FilesService } from '../../src/files/files.service.js';
import { LocalStorageRepository } from '../../src/files/local-storage.repository.js';
import type { MailService } from '../../src/mail/mail.service.js';
import { OutboxMailRepository } from '../../src/mail/outbox-mail.repository.js';
import { newUserRow } from '../../src/users/new-user.js';
import { UsersRepository } from '../../src/users/users.repository.js';
import { UsersService } from '../../src/users/users.service.js';
import { whileAccountsHeld } from '../support/lock-waits.js';
import { testConfig } from '../support/test-config.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe.each(testDialects())('account purge, upload cleanup and user search on %s', (dialect) => {
  let database: TestDatabase;
  let config: AppConfig;
  let storage: LocalStorageRepository;
  let users: UsersRepository;
  let files: FilesRepository;
  let filesService: FilesService;
  let usersService: UsersService;
  const crypto = new CryptoRepository();

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    config = testConfig();
    const clock = new ClockRepository();
    const logger = pino({ level: 'silent' });
    storage = new LocalStorageRepository(config);
    users = new UsersRepository(DatabaseHandle.of(database.db));
    files = new FilesRepository(DatabaseHandle.of(database.db));
    const sessions = new SessionsRepository(DatabaseHandle.of(database.db));
    filesService = new FilesService(files, storage, clock, crypto, config, logger);
    // The purge neither re-authenticates nor mails anyone; a call would fail the test rather than
    // pass silently.
    const auth = {
      confirmIdentity: () => Promise.reject(new Error('re-authentication is not part of the purge')),
    } as unknown as AuthService;
    const mail = {
      send: () => Promise.reject(new Error('the purge sends no mail')),
    } as unknown as MailService;
    usersService = new UsersService(
      users,
      auth,
      new MfaRepository(DatabaseHandle.of(database.db)),
      sessions,
      new SessionStatusCache(sessions, clock, config),
      filesService,
      clock,
      mail,
      new SecurityActivityService(
        new SecurityEventsRepository(DatabaseHandle.of(database.db)),
        crypto,
        clock,
        config,
      ),
      logger,
    );
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function newUser(changes: Partial<UserRow> = {}): Promise<UserRow> {
    const id = crypto.uuid();
    const now = new Date();
    const user: UserRow = {
      ...newUserRow({
        id,
        email: `${id}@example.com`,
        username: `u_${id.slice(0, 20)}`,
        passwordHash: 'not-a-real-hash',
        emailVerifiedAt: now,
        now,
      }),
      displayName: 'Someone',
      bio: 'A bio',
      ...changes,
    };
    expect(await users.create(user)).toBeUndefined();
    return user;
  }

  /** A file row with its object on disk, created `age` ago. */
  async function newFile(
    userId: string,
    purpose: FilePurpose,
    status: 'pending' | 'ready',
    ageMs: number,
  ): Promise<FileRow> {
    const id = crypto.uuid();
    const prefix = { avatar: 'users', story: 'stories', channel: 'channels', temp: 'temp' }[purpose];
    const file: FileRow = {
      id,
      userId,
      purpose,
      storageKey: `uploads/${prefix}/${userId}/${id}.png`,
      contentType: 'image/png',
      size: 4,
      status,
      createdAt: new Date(Date.now() - ageMs),
      completedAt: status === 'ready' ? new Date(Date.now() - ageMs) : null,
    };
    await files.create(file);
    expect(await storage.write(file.storageKey, 'image/png', 4, Readable.from([Buffer.from('abcd')]))).toBe(
      true,
    );
    return file;
  }

  async function count(
    table: 'sessions' | 'apiKeys' | 'oneTimeTokens' | 'totpCredentials' | 'mfaRecoveryCodes' | 'passkeys',
    userId: string,
  ): Promise<number> {
    const row = await database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('userId', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('erases accounts deleted over 30 days ago (files, sessions, keys, tokens, two-step secrets, passkeys) and frees their email', async () => {
    const now = Date.now();
    const old = await newUser({ deletedAt: new Date(now - 31 * DAY) });
    const recent = await newUser({ deletedAt: new Date(now - 29 * DAY) });
    const active = await newUser();
    const avatar = await newFile(old.id, 'avatar', 'ready', 40 * DAY);
    const story = await newFile(old.id, 'story', 'ready', 40 * DAY);
    await users.update(old.id, { avatarFileId: avatar.id });
    const recentFile = await newFile(recent.id, 'avatar', 'ready', 40 * DAY);
    await database.db
      .insertInto('sessions')
      .values({
        id: crypto.uuid(),
        userId: old.id,
        createdAt: new Date(),
        lastUsedAt: new Date(),
        expiresAt: new Date(now + DAY),
        revokedAt: new Date(),
        revokedReason: 'account_deleted',
        userAgent: 'Browser',
        ip: '203.0.113.9',
      })
      .execute();
    await database.db
      .insertInto('apiKeys')
      .values({
        id: crypto.uuid(),
        userId: old.id,
        name: 'k',
        prefix: 'cn_live_abc',
        keyHash: crypto.sha256(crypto.randomToken()),
        scopes: '',
        createdAt: new Date(),
        lastUsedAt: null,
        revokedAt: null,
      })
      .execute();
    await database.db
      .insertInto('oneTimeTokens')
      .values({
        id: crypto.uuid(),
        purpose: 'password_reset',
        email: old.email,
        userId: old.id,
        tokenHash: crypto.sha256(crypto.randomToken()),
        createdAt: new Date(),
        expiresAt: new Date(now + HOUR),
        usedAt: null,
      })
      .execute();
    await users.update(old.id, { mfaEnabledAt: new Date(now - 40 * DAY) });
    await database.db
      .insertInto('totpCredentials')
      .values({
        userId: old.id,
        secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
        createdAt: new Date(),
        confirmedAt: new Date(),
        lastUsedStep: null,
      })
      .execute();
    await database.db
      .insertInto('mfaRecoveryCodes')
      .values({
        id: crypto.uuid(),
        userId: old.id,
        codeHash: crypto.sha256('code'),
        createdAt: new Date(),
        usedAt: null,
      })
      .execute();

    await database.db
      .insertInto('passkeys')
      .values({
        id: crypto.uuid(),
        userId: old.id,
        credentialId: crypto.uuid(),
        publicKey: 'AAAA',
        counter: 0,
        transports: '["internal"]',
        deviceType: 'multiDevice',
        backedUp: true,
        name: 'Phone',
        createdAt: new Date(),
        lastUsedAt: null,
      })
      .execute();

    const mailTo = (to: string, ageMs: number) =>
      database.db
        .insertInto('outbox')
        .values({
          id: crypto.uuid(),
          toAddress: to,
          subject: 'Reset your password',
          textBody: 'https://app.example/reset?token=plaintext',
          htmlBody: '<p>link</p>',
          createdAt: new Date(now - ageMs),
        })
        .execute();
    await mailTo(old.email, 32 * DAY);
    await mailTo(old.email, HOUR);
    await mailTo(active.email, HOUR);

    expect(await usersService.purgeDeletedAccounts()).toEqual({ purged: 1, failed: [] });

    const erased = await database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', old.id)
      .executeTakeFirstOrThrow();
    expect(erased).toMatchObject({
      email: `purged:${old.id}`,
      passwordHash: null,
      emailVerifiedAt: null,
      displayName: null,
      bio: null,
      avatarFileId: null,
      mfaEnabledAt: null,
    });
    expect(erased.username).toMatch(/^~[0-9a-f]{31}$/);
    expect(erased.purgedAt).toBeInstanceOf(Date);
    expect(erased.deletedAt).toBeInstanceOf(Date);
    expect(await files.findById(avatar.id)).toBeUndefined();
    expect(await files.findById(story.id)).toBeUndefined();
    expect(await storage.head(avatar.storageKey)).toBeUndefined();
    expect(await storage.head(story.storageKey)).toBeUndefined();
    for (const table of [
      'sessions',
      'apiKeys',
      'oneTimeTokens',
      'totpCredentials',
      'mfaRecoveryCodes',
      'passkeys',
    ] as const)
      expect(await count(table, old.id)).toBe(0);
    // The outbox driver's copies of its mail (plaintext links) go with it; others' stay.
    const mailCount = async (to: string) =>
      Number(
        (
          await database.db
            .selectFrom('outbox')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('toAddress', '=', to)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await mailCount(old.email)).toBe(0);
    expect(await mailCount(active.email)).toBe(1);

    // Within the 30 days nothing is touched.
    expect(await users.findById(recent.id)).toMatchObject({ email: recent.email, displayName: 'Someone' });
    expect(await storage.head(recentFile.storageKey)).toEqual({ size: 4, contentType: 'image/png' });
    expect(await users.findById(active.id)).toMatchObject({ email: active.email });

    // The email and username can be registered again, and a second run has nothing to do.
    await newUser({ email: old.email, username: old.username });
    expect(await usersService.purgeDeletedAccounts()).toEqual({ purged: 0, failed: [] });
  });

  // More accounts fail than a run lists at once (50): the run must neither list the same failing
  // ones again and again nor stop at them, leaving the accounts deleted after them unerased.
  it('purges the accounts listed after more than a batch of ones that fail, and reports exactly those', async () => {
    const now = Date.now();
    const stuck: { user: UserRow; file: FileRow }[] = [];
    for (let index = 0; index < 51; index++) {
      const user = await newUser({ deletedAt: new Date(now - 40 * DAY - index * MINUTE) });
      const file = await newFile(user.id, 'story', 'ready', 40 * DAY);
      // An object storage cannot delete: a directory stands where its file is.
      const path = join(config.dataDir, file.storageKey);
      await rm(path);
      await mkdir(path);
      stuck.push({ user, file });
    }
    // Deleted later than every stuck account, so listed after them.
    const withFile = await newUser({ deletedAt: new Date(now - 35 * DAY) });
    const withoutFile = await newUser({ deletedAt: new Date(now - 34 * DAY) });
    const itsFile = await newFile(withFile.id, 'avatar', 'ready', 40 * DAY);

    const { purged, failed } = await usersService.purgeDeletedAccounts();
    expect(purged).toBe(2);
    expect([...failed].sort()).toEqual(stuck.map(({ user }) => user.id).sort());
    for (const { id } of [withFile, withoutFile])
      expect((await users.findById(id))?.email).toBe(`purged:${id}`);
    expect(await files.findById(itsFile.id)).toBeUndefined();
    // What could not be purged keeps its data and its file, to be purged on a later run.
    for (const { user, file } of stuck) {
      expect(await users.findById(user.id)).toMatchObject({ email: user.email, purgedAt: null });
      expect(await files.findById(file.id)).toBeDefined();
    }

    // Once storage can delete them, the next run purges them all.
    for (const { file } of stuck) await rm(join(config.dataDir, file.storageKey), { recursive: true });
    expect(await usersService.purgeDeletedAccounts()).toEqual({ purged: stuck.length, failed: [] });
    for (const { user } of stuck) expect((await users.findById(user.id))?.email).toBe(`purged:${user.id}`);
  });

  it('deletes outbox mail older than the cutoff, and nothing newer', async () => {
    const outbox = new OutboxMailRepository(
      DatabaseHandle.of(database.db),
      new ClockRepository(),
      crypto,
      config,
      pino({ level: 'silent' }),
    );
    const to = `outbox.${crypto.uuid()}@example.com`;
    const now = Date.now();
    const ids = { stale: crypto.uuid(), older: crypto.uuid(), fresh: crypto.uuid() };
    for (const [id, ageMs] of [
      [ids.stale, 3 * DAY],
      [ids.older, 30 * DAY],
      [ids.fresh, DAY],
    ] as const) {
      await database.db
        .insertInto('outbox')
        .values({
          id,
          toAddress: to,
          subject: 's',
          textBody: 't',
          htmlBody: 'h',
          createdAt: new Date(now - ageMs),
        })
        .execute();
    }
    // One row a batch, so the batches run until none is left.
    expect(await outbox.deleteOlderThan(new Date(now - 2 * DAY), { batchSize: 1 })).toBeGreaterThanOrEqual(2);
    expect((await outbox.list(to, 10)).map((mail) => mail.id)).toEqual([ids.fresh]);
    expect(await outbox.deleteOlderThan(new Date(now - 2 * DAY))).toBe(0);
  });

  it('removes unfinished uploads and temp files older than 24 hours, and nothing else', async () => {
    const owner = await newUser();
    const stalePending = await newFile(owner.id, 'avatar', 'pending', 25 * HOUR);
    const staleTemp = await newFile(owner.id, 'temp', 'ready', 25 * HOUR);
    const freshPending = await newFile(owner.id, 'story', 'pending', HOUR);
    const freshTemp = await newFile(owner.id, 'temp', 'ready', HOUR);
    const oldAvatar = await newFile(owner.id, 'avatar', 'ready', 48 * HOUR);

    expect(await filesService.cleanupExpired()).toEqual({ removed: 2, failed: [] });

    for (const gone of [stalePending, staleTemp]) {
      expect(await files.findById(gone.id)).toBeUndefined();
      expect(await storage.head(gone.storageKey)).toBeUndefined();
    }
    for (const kept of [freshPending, freshTemp, oldAvatar]) {
      expect(await files.findById(kept.id)).toBeDefined();
      expect(await storage.head(kept.storageKey)).toBeDefined();
    }
    expect(await filesService.cleanupExpired()).toEqual({ removed: 0, failed: [] });
  });

  it('removes a tombstone two hours after its upload started (no URL can put anything then), not a day', async () => {
    const owner = await newUser();
    // The longest upload URL the settings allow is an hour, and an upload begun before it expired
    // gets another to arrive.
    const pastItsUrl = await newFile(owner.id, 'story', 'ready', 2 * HOUR + MINUTE);
    const urlStillValid = await newFile(owner.id, 'story', 'ready', 2 * HOUR - MINUTE);
    const pending = await newFile(owner.id, 'story', 'pending', 3 * HOUR);
    for (const file of [pastItsUrl, urlStillValid]) await files.markDeleted(file.id);

    expect(await filesService.cleanupExpired()).toEqual({ removed: 1, failed: [] });
    // The object a late upload put under a deleted account's public key goes with the tombstone.
    expect(await storage.head(pastItsUrl.storageKey)).toBeUndefined();
    expect(await files.findById(pastItsUrl.id)).toBeUndefined();
    // Its URL may still put an object: the tombstone stays to remove it later.
    expect(await storage.head(urlStillValid.storageKey)).toBeDefined();
    // An unfinished upload keeps its day: a client may still complete what it put in time.
    expect(await files.findById(pending.id)).toMatchObject({ status: 'pending' });
  });

  // Found in review: a pending upload completed between the cleanup's listing and its delete was
  // deleted although it was ready (and could be an avatar by then).
  it('claims only files that are still expired, turning them into tombstones', async () => {
    const owner = await newUser();
    const day = new Date(Date.now() - 24 * HOUR);
    const cutoff = { upload: day, tombstone: day };
    const completed = await newFile(owner.id, 'avatar', 'pending', 25 * HOUR);
    expect(await files.markReady(completed.id, new Date())).toBe(true);
    await users.update(owner.id, { avatarFileId: completed.id, updatedAt: new Date() });
    expect(await files.claimExpired(completed.id, cutoff)).toBe(false);
    expect(await files.findById(completed.id)).toMatchObject({ status: 'ready' });
    expect((await users.findById(owner.id))?.avatarFileId).toBe(completed.id);

    const stale = await newFile(owner.id, 'story', 'pending', 25 * HOUR);
    expect(await files.claimExpired(stale.id, cutoff)).toBe(true);
    expect(await files.findById(stale.id)).toBeUndefined();
    // A completion after the claim finds a tombstone.
    expect(await files.markReady(stale.id, new Date())).toBe(false);
    const fresh = await newFile(owner.id, 'temp', 'ready', HOUR);
    expect(await files.claimExpired(fresh.id, cutoff)).toBe(false);
    expect(await files.claimExpired(crypto.uuid(), cutoff)).toBe(false);
  });

  it('a file deleted while a profile change makes it the avatar leaves no profile pointing at a tombstone', async () => {
    const owner = await newUser();
    const avatar = await newFile(owner.id, 'avatar', 'ready', 0);
    // The profile change, as UsersService makes it: the user's row locked, the avatar set, the file
    // checked under lock; it holds there, uncommitted, while the delete starts.
    let hold = () => {};
    const held = new Promise<void>((resolve) => {
      hold = resolve;
    });
    let chosen = () => {};
    const changed = new Promise<void>((resolve) => {
      chosen = resolve;
    });
    const change = users.updateProfile(
      owner.id,
      { avatarFileId: avatar.id, updatedAt: new Date() },
      undefined,
      async (trx) => {
        await filesService.readyAvatar(owner.id, avatar.id, trx);
        chosen();
        await held;
      },
    );
    await changed;
    let deleted = false;
    const deletion = files.markDeleted(avatar.id).then(() => {
      deleted = true;
    });
    // The delete waits for the change (its row locks), rather than going past it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deleted).toBe(false);
    hold();
    expect(await change).toBeUndefined();
    await deletion;
    expect((await users.findById(owner.id))?.avatarFileId).toBeNull();
    expect(await files.findById(avatar.id)).toBeUndefined();
  });

  // Found in review (2026-12-07): cleared by `avatar_file_id` alone, which no index serves, MySQL's
  // update locked every user row it scanned, and two profile changes at once deadlocked.
  it('two users replacing their avatars at once both go through', async () => {
    const pairs = await Promise.all(
      [0, 1].map(async () => {
        const owner = await newUser();
        const avatar = await newFile(owner.id, 'avatar', 'ready', 0);
        await users.update(owner.id, { avatarFileId: avatar.id, updatedAt: new Date() });
        return { owner, avatar };
      }),
    );
    // Each change as the profile makes it: its own row locked first, then the old avatar retired,
    // both holding their locks when the other retires its avatar.
    let arrived = 0;
    let bothLocked = () => {};
    const barrier = new Promise<void>((resolve) => {
      bothLocked = resolve;
    });
    const outcomes = await Promise.allSettled(
      pairs.map(({ owner, avatar }) =>
        database.db.transaction().execute(async (trx) => {
          await trx.selectFrom('users').select('id').where('id', '=', owner.id).forUpdate().execute();
          arrived += 1;
          if (arrived === 2) bothLocked();
          await barrier;
          await files.markDeleted(avatar.id, trx);
        }),
      ),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    for (const { owner, avatar } of pairs) {
      expect((await users.findById(owner.id))?.avatarFileId).toBeNull();
      expect(await files.findById(avatar.id)).toBeUndefined();
    }
  });

  // Found in review (2026-12-07): the cleanup locked the file, then its owner; a delete locks the
  // owner, then the file. Both at once deadlocked (PostgreSQL 40P01; the owner's request a 500).
  it('the expired-file cleanup and the owner deleting that file take their locks in one order', async () => {
    const owner = await newUser();
    const temp = await newFile(owner.id, 'temp', 'ready', 25 * HOUR);
    const day = new Date(Date.now() - 24 * HOUR);
    const cutoff = { upload: day, tombstone: day };
    // The owner's delete holds the owner's row when the cleanup comes for the file.
    const claimed = await whileAccountsHeld(database.db, dialect, {
      userIds: [owner.id],
      send: () => files.claimExpired(temp.id, cutoff),
      mysqlStatement: 'select `id` from `users`',
      meanwhile: (trx) => files.markDeleted(temp.id, trx),
    });
    // The cleanup waited, then found the tombstone the delete left: still its to remove.
    expect(claimed).toBe(true);
    expect(await files.findById(temp.id)).toBeUndefined();
  });

  // Found in review (2026-12-07): a run that listed the account before another instance's run
  // erased it erased again with the listed address, deleting a new account's codes and links.
  it('erases an account once: a second run with a stale listing leaves the address’s new owner alone', async () => {
    const old = await newUser({ deletedAt: new Date(Date.now() - 40 * DAY) });
    await users.erasePersonalData(old, new Date());
    const successor = await newUser({ email: old.email });
    const token = {
      id: crypto.uuid(),
      purpose: 'password_reset' as const,
      email: old.email,
      userId: successor.id,
      tokenHash: crypto.sha256(crypto.randomToken()),
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + HOUR),
      usedAt: null,
    };
    await database.db.insertInto('oneTimeTokens').values(token).execute();
    await users.erasePersonalData(old, new Date());
    expect(await count('oneTimeTokens', successor.id)).toBe(1);
    expect((await users.findById(successor.id))?.email).toBe(old.email);
  });

  // Found in review (2026-12-07): only ready files were retired, so a completion racing the
  // deletion turned a story ready afterwards, served from the bucket until the purge.
  it("retires an account's pending public files with its ready ones, so a late completion finds a tombstone", async () => {
    const owner = await newUser();
    const pending = await newFile(owner.id, 'story', 'pending', 0);
    const ready = await newFile(owner.id, 'avatar', 'ready', 0);
    const privateFile = await newFile(owner.id, 'temp', 'pending', 0);
    const retired = await database.db
      .transaction()
      .execute((trx) => files.markAllDeleted(owner.id, ['avatar', 'story', 'channel'], trx));
    expect(retired.map((file) => file.id).sort()).toEqual([pending.id, ready.id].sort());
    expect(await files.markReady(pending.id, new Date())).toBe(false);
    expect(await files.findById(pending.id)).toBeUndefined();
    expect(await files.findById(privateFile.id)).toMatchObject({ status: 'pending' });
  });

  it('searches by prefix with LIKE wildcards taken literally, and pages through equal timestamps', async () => {
    const tag = crypto
      .randomToken(4)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x');
    const sameInstant = new Date(Date.UTC(2031, 0, 1));
    const matching = [
      await newUser({ username: `${tag}_1`, createdAt: sameInstant }),
      await newUser({ username: `${tag}_2`, createdAt: sameInstant }),
      await newUser({ username: `${tag}_3`, createdAt: sameInstant }),
    ];
    await newUser({ username: `${tag}x4`, createdAt: sameInstant });

    const seen: string[] = [];
    let cursor: { createdAt: Date; id: string } | undefined;
    for (let page = 0; page < 5; page++) {
      const rows = await users.search({ prefix: `${tag}_`, cursor, limit: 1 });
      const row = rows[0];
      if (!row) break;
      seen.push(row.id);
      cursor = { createdAt: row.createdAt, id: row.id };
    }
    expect(seen).toEqual(
      matching
        .map((user) => user.id)
        .sort()
        .reverse(),
    );
    expect(await users.search({ prefix: '%', limit: 10 })).toEqual([]);
    const byEmail = await users.search({ prefix: matching[0]?.email, limit: 10 });
    expect(byEmail.map((user) => user.id)).toEqual([matching[0]?.id]);
  });
});
