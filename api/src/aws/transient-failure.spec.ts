import { describe, expect, it } from 'vitest';
import { isTransientAwsFailure } from './transient-failure.js';

/** An error shaped as the AWS SDK v3 throws it. */
function sdkError(name: string, fields: { status?: number; code?: string } = {}): Error {
  const error = Object.assign(new Error(name), fields.code ? { code: fields.code } : {});
  error.name = name;
  if (fields.status !== undefined)
    Object.assign(error, { $metadata: { httpStatusCode: fields.status, attempts: 3 } });
  return error;
}

describe('isTransientAwsFailure', () => {
  it('is true for failures to wait out: unreachable, timing out, throttled, failing on its side', () => {
    for (const error of [
      sdkError('Error', { code: 'ECONNREFUSED' }),
      sdkError('Error', { code: 'EAI_AGAIN' }),
      sdkError('TimeoutError'),
      sdkError('ThrottlingException', { status: 400 }),
      sdkError('SlowDown', { status: 503 }),
      sdkError('InternalServiceError', { status: 500 }),
      sdkError('Unknown', { status: 502 }),
      sdkError('TooManyRequestsException', { status: 429 }),
    ])
      expect(isTransientAwsFailure(error), `${error.name} ${JSON.stringify(error)}`).toBe(true);
  });

  it('is false for configuration errors, which must stay loud', () => {
    for (const error of [
      sdkError('CredentialsProviderError'),
      new Error('Region is missing'),
      sdkError('AccessDeniedException', { status: 400 }),
      sdkError('AccessDenied', { status: 403 }),
      sdkError('ResourceNotFoundException', { status: 400 }),
      sdkError('NoSuchBucket', { status: 404 }),
      sdkError('DecryptionFailure', { status: 400 }),
      sdkError('Error', { code: 'ENOTFOUND' }),
      'not an error',
    ])
      expect(isTransientAwsFailure(error), String(error)).toBe(false);
  });
});

// Each case is decided by one clause alone (the cases above are also matched by a second one): a
// plain 500 InternalFailure, a 429 under an unlisted name or a reset connection is a 503 to wait
// out, not a 500.
describe('isTransientAwsFailure, clause by clause', () => {
  it('waits out any 500 and any 429, whatever the exception is named', () => {
    expect(isTransientAwsFailure(sdkError('InternalFailure', { status: 500 }))).toBe(true);
    expect(isTransientAwsFailure(sdkError('LimitExceededException', { status: 429 }))).toBe(true);
  });

  it('waits out a connection the service reset', () => {
    expect(isTransientAwsFailure(sdkError('Error', { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientAwsFailure(sdkError('Error', { code: 'ETIMEDOUT' }))).toBe(true);
  });
});
