import { SecurityActivityService } from '../../src/auth/security-activity.service.js';
import type {
  NewSecurityEventRow,
  SecurityEventsRepository,
} from '../../src/auth/security-events.repository.js';
import { ClockRepository } from '../../src/common/clock/clock.repository.js';
import { CryptoRepository } from '../../src/common/crypto/crypto.repository.js';
import { loadConfig } from '../../src/config/app-config.js';
import type { Database } from '../../src/database/database.factory.js';
import type { Transactions } from '../../src/database/transactions.js';

/** What a service spec's repositories receive as the transaction of a recorded change. */
export const SPEC_TRANSACTION = { isTransaction: true, specTransaction: true } as unknown as Database;

/**
 * Whether a spec transaction is running: the spec fakes check what must happen only after a commit
 * (recording-mail.ts refuses a mail delivered inside one). One spec runs at a time per file.
 */
let openSpecTransactions = 0;
export const specTransactionOpen = (): boolean => openSpecTransactions > 0;

/** Runs `work` as a spec transaction. */
export async function inSpecTransaction<T>(work: (trx: Database) => Promise<T>): Promise<T> {
  openSpecTransactions++;
  try {
    return await work(SPEC_TRANSACTION);
  } finally {
    openSpecTransactions--;
  }
}

/** The services' transactions in a spec: the work runs with `SPEC_TRANSACTION`. */
export const SPEC_TRANSACTIONS = { run: inSpecTransaction } as unknown as Transactions;

/**
 * The real SecurityActivityService over an events repository that keeps the events in memory, for
 * service specs whose repositories are fakes: a change runs with `SPEC_TRANSACTION`, and the events
 * it records land in `recorded` only when it succeeds (as they commit with it). Earlier sign-ins
 * (for the new-device check) are the `signed_in` events in `recorded`, which a spec may push.
 */
export function recordedSecurityActivity(clock: ClockRepository = new ClockRepository()) {
  const recorded: NewSecurityEventRow[] = [];
  const events = {
    async withEvents<T>(
      change: (trx: Database) => Promise<T>,
      eventsOf: (result: T) => readonly NewSecurityEventRow[],
    ): Promise<T> {
      const result = await inSpecTransaction(change);
      recorded.push(...eventsOf(result));
      return result;
    },
    async insert(rows: readonly NewSecurityEventRow[]): Promise<void> {
      recorded.push(...rows);
    },
    async recentSignInUserAgents(userId: string, limit: number): Promise<(string | null)[]> {
      return recorded
        .filter((event) => event.userId === userId && event.type === 'signed_in')
        .reverse()
        .slice(0, limit)
        .map((event) => event.userAgent);
    },
  };
  const activity = new SecurityActivityService(
    events as unknown as SecurityEventsRepository,
    new CryptoRepository(),
    clock,
    loadConfig({ NODE_ENV: 'test' }, '/'),
  );
  /** The recorded events as `type` or `type:detail`, oldest first. */
  const types = () => recorded.map((event) => (event.detail ? `${event.type}:${event.detail}` : event.type));
  return { activity, recorded, types };
}
