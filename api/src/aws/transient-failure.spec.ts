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
