import { type ErrorCode, errorCodes } from './error-codes.js';

/** An error with a stable code from the registry; the global filter turns it into a response. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    /** Extra machine-readable fields (validation issues, retry hints); never secrets. */
    readonly details?: Readonly<Record<string, unknown>>,
    /** Response headers to add (e.g. Retry-After). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message ?? errorCodes[code].message);
    this.name = 'AppError';
    this.status = errorCodes[code].status;
  }
}
