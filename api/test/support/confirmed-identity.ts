import { type Mock, vi } from 'vitest';
import type { ConfirmedIdentity } from '../../src/auth/auth.service.js';
import type { Database } from '../../src/database/database.factory.js';
import type { UserRow } from '../../src/database/database.types.js';

/**
 * What a fake `AuthService.confirmIdentity` resolves to in service specs: the account, and a
 * `spend` that records the transaction it ran in (a spec checks it is the change's, and that a
 * refused spend — a code used meanwhile — leaves the change undone).
 */
export function confirmedIdentity(
  user: UserRow,
): ConfirmedIdentity & { readonly spend: Mock<(trx: Database) => Promise<void>> } {
  return { user, spend: vi.fn(async (_trx: Database) => {}) };
}
