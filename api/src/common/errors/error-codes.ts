/**
 * The registry of error codes. Clients branch on `code`, so codes never change once shipped;
 * messages say what to do and may improve. Services throw `new AppError('CODE')`.
 */
export const errorCodes = {
  // Generic request problems
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid; see details.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  BAD_REQUEST: { status: 400, message: 'The request could not be understood.' },
  UNAUTHENTICATED: { status: 401, message: 'Sign in first: send a valid Bearer access token.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No route matches this method and path.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here.' },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is larger than the server accepts.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the time in Retry-After.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.' },
  // Server side
  INTERNAL_ERROR: {
    status: 500,
    message: 'Something went wrong on our side; the request id identifies it in our logs.',
  },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable; retry shortly.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is unavailable; retry shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;
