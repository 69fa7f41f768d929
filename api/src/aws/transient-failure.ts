/**
 * Whether an AWS call's failure is one to wait out: the service unreachable or timing out,
 * throttling, or failing on its side. Anything else (credentials missing, access denied, a missing
 * bucket or secret, a wrong region) is a configuration error that must stay loud: a 500 logged
 * with its stack, not a 503 "retry shortly" (found in review, 2026-12-07).
 */
export function isTransientAwsFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { $metadata, code, name } = error as {
    $metadata?: { httpStatusCode?: number };
    code?: unknown;
  } & Error;
  const status = $metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || TRANSIENT_NAMES.has(name);
  return TRANSIENT_NAMES.has(name) || (typeof code === 'string' && SOCKET_FAILURES.has(code));
}

/** Service exceptions and SDK errors that mean "not now" whatever their status. */
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalServiceError',
  'InternalError',
  'ServiceUnavailable',
]);

/** Node's socket and resolver errors, which the SDK passes on as they are. */
const SOCKET_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
