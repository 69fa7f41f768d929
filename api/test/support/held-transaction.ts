import type { Kysely } from 'kysely';

/** A transaction kept open on purpose; `release` ends it (committing) and waits for the end. */
export interface HeldTransaction {
  release(): Promise<void>;
}

/**
 * Opens a transaction on `db`, runs `enter` in it (what it locks or holds stays held) and resolves
 * once that has run, leaving the transaction open until `release()`: for tests of what waits
 * behind a busy connection or a lock.
 */
export async function holdTransaction<DB>(
  db: Kysely<DB>,
  enter: (trx: Kysely<DB>) => Promise<unknown>,
): Promise<HeldTransaction> {
  let letGo = () => {};
  const held = new Promise<void>((resolve) => {
    letGo = resolve;
  });
  let entered = () => {};
  const inside = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const transaction = db.transaction().execute(async (trx) => {
    await enter(trx);
    entered();
    await held;
  });
  // A failure before `enter` finished must reach the caller rather than leave it waiting.
  await Promise.race([inside, transaction]);
  return {
    release: async () => {
      letGo();
      await transaction;
    },
  };
}
