import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { TotpCredentialsTable } from '../database/database.types.js';
import type { DatabaseHandle } from '../database/database-handle.js';

export type TotpCredentialRow = Selectable<TotpCredentialsTable>;

/** All reads and writes of two-step sign-in: TOTP secrets, recovery codes, `users.mfa_enabled_at`. */
@Injectable()
export class MfaRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async findTotp(userId: string, within?: Database): Promise<TotpCredentialRow | undefined> {
    const db = within ?? (await this.database.get());
    return db.selectFrom('totpCredentials').selectAll().where('userId', '=', userId).executeTakeFirst();
  }

  /** Stores a new, unconfirmed secret, replacing an unconfirmed one; false when one is confirmed. Inside `within` when that is a caller's transaction. */
  async startTotpSetup(userId: string, secret: string, now: Date, within?: Database): Promise<boolean> {
    return this.database.transaction(async (trx) => {
      // Setups of one account take turns on its row: `for update` on an absent credential locks
      // nothing, so two at once (a double click, two tabs) both inserted and one failed on the key
      // with a 500 (found in review, 2026-12-07).
      await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
      const existing = await trx
        .selectFrom('totpCredentials')
        .select('confirmedAt')
        .where('userId', '=', userId)
        .forUpdate()
        .executeTakeFirst();
      if (existing?.confirmedAt) return false;
      if (existing) await trx.deleteFrom('totpCredentials').where('userId', '=', userId).execute();
      await trx
        .insertInto('totpCredentials')
        .values({ userId, secret, createdAt: now, confirmedAt: null, lastUsedStep: null })
        .execute();
      return true;
    }, within);
  }

  /**
   * Turns two-step sign-in on with the (sealed) secret `secret` (the one the code was checked against, so
   * a setup restarted meanwhile in another tab is not confirmed by the old one's code), storing
   * the recovery codes' digests and the step of the confirming code, in one transaction.
   * False when that setup is gone or already confirmed.
   */
  async enableTotp(
    userId: string,
    secret: string,
    step: number,
    recoveryCodes: readonly { id: string; codeHash: string }[],
    now: Date,
    within?: Database,
  ): Promise<boolean> {
    return this.database.transaction(async (trx) => {
      const confirmed = await trx
        .updateTable('totpCredentials')
        .set({ confirmedAt: now, lastUsedStep: step })
        .where('userId', '=', userId)
        .where('secret', '=', secret)
        .where('confirmedAt', 'is', null)
        .executeTakeFirst();
      if (confirmed.numUpdatedRows !== 1n) return false;
      await trx
        .updateTable('users')
        .set({ mfaEnabledAt: now, updatedAt: now })
        .where('id', '=', userId)
        .execute();
      await this.replaceRecoveryCodes(trx, userId, recoveryCodes, now);
      return true;
    }, within);
  }

  /** Turns two-step sign-in off: the secret and the recovery codes are deleted. */
  async disable(userId: string, now: Date, within?: Database): Promise<void> {
    await this.database.transaction(async (trx) => {
      await trx.deleteFrom('totpCredentials').where('userId', '=', userId).execute();
      await trx.deleteFrom('mfaRecoveryCodes').where('userId', '=', userId).execute();
      await trx
        .updateTable('users')
        .set({ mfaEnabledAt: null, updatedAt: now })
        .where('id', '=', userId)
        .execute();
    }, within);
  }

  /**
   * Records that a code of `step` was accepted, only if no code of that step or a later one was:
   * true when this call is the one that used it (a replayed or concurrently sent code gets false).
   */
  async useTotpStep(userId: string, step: number, within?: Database): Promise<boolean> {
    const db = within ?? (await this.database.get());
    const result = await db
      .updateTable('totpCredentials')
      .set({ lastUsedStep: step })
      .where('userId', '=', userId)
      .where('confirmedAt', 'is not', null)
      .where((eb) => eb.or([eb('lastUsedStep', 'is', null), eb('lastUsedStep', '<', step)]))
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** New recovery codes in place of all earlier ones. */
  async setRecoveryCodes(
    userId: string,
    recoveryCodes: readonly { id: string; codeHash: string }[],
    now: Date,
    within?: Database,
  ): Promise<void> {
    await this.database.transaction(
      (trx) => this.replaceRecoveryCodes(trx, userId, recoveryCodes, now),
      within,
    );
  }

  /** Spends an unused recovery code; resolves to how many unused ones remain, or undefined if it was none. */
  async useRecoveryCode(
    userId: string,
    codeHash: string,
    now: Date,
    within?: Database,
  ): Promise<number | undefined> {
    return this.database.transaction(async (trx) => {
      const used = await trx
        .updateTable('mfaRecoveryCodes')
        .set({ usedAt: now })
        .where('userId', '=', userId)
        .where('codeHash', '=', codeHash)
        .where('usedAt', 'is', null)
        .executeTakeFirst();
      if (used.numUpdatedRows !== 1n) return undefined;
      const { remaining } = await trx
        .selectFrom('mfaRecoveryCodes')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('remaining'))
        .where('userId', '=', userId)
        .where('usedAt', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(remaining);
    }, within);
  }

  /**
   * Up to `limit` authenticator secrets not sealed under the key `currentKeyPrefix` names, in
   * account order after `afterUserId` (one batch of a re-seal pass).
   */
  async findSealedUnderOtherKeys(
    currentKeyPrefix: string,
    afterUserId: string | undefined,
    limit: number,
  ): Promise<Pick<TotpCredentialRow, 'userId' | 'secret'>[]> {
    const db = await this.database.get();
    let query = db
      .selectFrom('totpCredentials')
      .select(['userId', 'secret'])
      .where('secret', 'not like', `${currentKeyPrefix}%`);
    if (afterUserId !== undefined) query = query.where('userId', '>', afterUserId);
    return query.orderBy('userId').limit(limit).execute();
  }

  /** Replaces a sealed secret only if it is still `from` (a setup restarted meanwhile keeps its own); true when replaced. */
  async replaceSealedSecret(userId: string, from: string, to: string): Promise<boolean> {
    const db = await this.database.get();
    const result = await db
      .updateTable('totpCredentials')
      .set({ secret: to })
      .where('userId', '=', userId)
      .where('secret', '=', from)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  private async replaceRecoveryCodes(
    trx: Database,
    userId: string,
    recoveryCodes: readonly { id: string; codeHash: string }[],
    now: Date,
  ): Promise<void> {
    await trx.deleteFrom('mfaRecoveryCodes').where('userId', '=', userId).execute();
    await trx
      .insertInto('mfaRecoveryCodes')
      .values(recoveryCodes.map((code) => ({ ...code, userId, createdAt: now, usedAt: null })))
      .execute();
  }
}
