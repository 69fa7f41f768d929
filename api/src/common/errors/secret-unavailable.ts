/**
 * The `code` of an error thrown when a secret could not be read from Secrets Manager for now (a
 * throttle, a timeout, the service unreachable; `isTransientAwsFailure`): `toErrorResponse`
 * answers it 503 SERVICE_UNAVAILABLE.
 */
export const SECRET_UNAVAILABLE = 'SECRET_UNAVAILABLE';
