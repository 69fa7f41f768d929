/** True for a unique-constraint violation on PostgreSQL (23505) or MySQL (ER_DUP_ENTRY). */
export function isUniqueViolation(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return code === '23505' || code === 'ER_DUP_ENTRY';
}
