import { AppError } from '../../src/common/errors/app-error.js';

/** The registry code a service call was refused with; fails the test for anything but an AppError. */
export async function appErrorCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error.code;
}
