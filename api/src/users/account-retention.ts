/** Deleted accounts keep their data this long (a grace period for mistakes), then it is erased. */
export const ACCOUNT_PURGE_AFTER_MS = 30 * 24 * 60 * 60 * 1000;
