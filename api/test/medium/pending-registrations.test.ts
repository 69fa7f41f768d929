import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PendingRegistrationRow,
  PendingRegistrationsRepository,
} from '../../src/auth/pending-registrations.repository.js';
import { CryptoRepository } from '../../src/common/crypto/crypto.repository.js';
import { DatabaseHandle } from '../../src/database/database-handle.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

const T0 = new Date('2026-12-07T00:00:00.000Z');
const HOUR = 60 * 60_000;

describe.each(testDialects())('pending registrations on %s', (dialect) => {
  let database: TestDatabase;
  let registrations: PendingRegistrationsRepository;
  const crypto = new CryptoRepository();
  const registration = (email: string, token: string, createdAt: Date): PendingRegistrationRow => ({
    attempts: 0,
    id: crypto.uuid(),
    email,
    username: `u_${crypto.uuid().slice(0, 12)}`,
    passwordHash: 'argon2-hash',
    tokenHash: crypto.sha256(token),
    createdAt,
    expiresAt: new Date(createdAt.getTime() + 24 * HOUR),
  });
  const ofAddress = (email: string) =>
    database.db.selectFrom('pendingRegistrations').select('id').where('email', '=', email).execute();

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    registrations = new PendingRegistrationsRepository(DatabaseHandle.of(database.db));
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('finds a live registration by its link until it expires, and deletes an address’s registrations', async () => {
    const email = `${crypto.uuid()}@example.com`;
    const older = registration(email, `${email}:older`, T0);
    const newer = registration(email, `${email}:newer`, new Date(T0.getTime() + HOUR));
    await registrations.create(older);
    await registrations.create(newer);
    expect((await registrations.findLive(crypto.sha256(`${email}:older`), T0))?.id).toBe(older.id);
    expect(await registrations.findLive(crypto.sha256(`${email}:older`), older.expiresAt)).toBeUndefined();
    await registrations.deleteForEmail(email);
    expect(await ofAddress(email)).toEqual([]);
  });

  it('ends every registration of the address with the one whose link was opened, and none for another link', async () => {
    const email = `${crypto.uuid()}@example.com`;
    await registrations.create(registration(email, `${email}:a`, T0));
    await registrations.create(registration(email, `${email}:b`, T0));
    const foreign = await database.db
      .transaction()
      .execute((trx) => registrations.consumeAll(email, crypto.sha256('not one of them'), trx));
    expect(foreign).toBe(false);
    expect(await ofAddress(email)).toHaveLength(2);
    const opened = await database.db
      .transaction()
      .execute((trx) => registrations.consumeAll(email, crypto.sha256(`${email}:b`), trx));
    expect(opened).toBe(true);
    expect(await ofAddress(email)).toEqual([]);
    // A second use of the same link finds nothing to end.
    const again = await database.db
      .transaction()
      .execute((trx) => registrations.consumeAll(email, crypto.sha256(`${email}:b`), trx));
    expect(again).toBe(false);
  });

  it('counts passwords given with a link up to the limit, whatever runs at once', async () => {
    const row = registration(`${crypto.uuid()}@example.com`, `${crypto.uuid()}:attempts`, T0);
    await registrations.create(row);
    const spent = await Promise.all(Array.from({ length: 8 }, () => registrations.spendAttempt(row.id, 5)));
    expect(spent.filter(Boolean)).toHaveLength(5);
    expect(await registrations.spendAttempt(row.id, 5)).toBe(false);
  });

  it('deletes registrations whose link expired, and only those', async () => {
    await database.db.deleteFrom('pendingRegistrations').execute();
    const expired = registration(
      `${crypto.uuid()}@example.com`,
      'expired',
      new Date(T0.getTime() - 48 * HOUR),
    );
    const live = registration(`${crypto.uuid()}@example.com`, 'live', T0);
    await registrations.create(expired);
    await registrations.create(live);
    expect(await registrations.deleteExpired(T0, { batchSize: 1 })).toBe(1);
    expect(
      (await database.db.selectFrom('pendingRegistrations').select('id').execute()).map((row) => row.id),
    ).toEqual([live.id]);
  });
});
