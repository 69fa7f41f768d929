/** True for a unique-constraint violation on PostgreSQL (23505) or MySQL (ER_DUP_ENTRY). */
export function isUniqueViolation(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return code === '23505' || code === 'ER_DUP_ENTRY';
}

/**
 * True for errors that mean "another transaction got in the way, run it again": deadlocks and
 * serialization failures (PostgreSQL 40P01/40001, MySQL ER_LOCK_DEADLOCK/ER_LOCK_WAIT_TIMEOUT —
 * InnoDB's gap locks make first inserts of a key under SELECT … FOR UPDATE deadlock-prone) and
 * unique violations from two first inserts of one key.
 */
export function isTransientConflict(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return (
    isUniqueViolation(error) ||
    code === '40P01' ||
    code === '40001' ||
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT'
  );
}
