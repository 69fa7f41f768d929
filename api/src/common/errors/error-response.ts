import { HttpException } from '@nestjs/common';
import { AppError } from './app-error.js';
import { type ErrorCode, errorCodes } from './error-codes.js';
import { SECRET_UNAVAILABLE } from './secret-unavailable.js';

/** The body of every error response. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  requestId: string;
  details?: Readonly<Record<string, unknown>>;
}

/** What to send for an error, and whether it is unexpected (to be logged with its stack). */
export interface ErrorResponse {
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  readonly unexpected: boolean;
}

const fastifyCodes: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_ERR_ASYNC_CONSTRAINT: 'BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'ROUTE_NOT_FOUND',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

const statusCodes: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

// Errors that mean "the database cannot answer right now", from pg, mysql2, the MySQL pool's
// bounded wait (database/mysql-pool.ts) and Node's sockets. Storage and other AWS calls turn their
// own failures into their own codes (files/s3-storage.repository.ts): S3 unreachable answered
// "database unavailable" until 2026-12-07 (found in review).
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  // A resolver that could not answer now (a VPC's DNS under load): not "no such host".
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'POOL_WAIT_TIMEOUT',
]);
// SQLSTATE class 08 (connection exception), 57014 (statement timeout: a database too slow to
// answer in time, not a bad request) and 57P01-57P05 (server shutting down or starting,
// idle-session timeout).
const unavailableSqlStates = /^(08|57014|57P0[1-5])/;
// MariaDB's ER_STATEMENT_TIMEOUT and MySQL's ER_QUERY_TIMEOUT (max_statement_time / max_execution_time),
// and ER_LOCK_WAIT_TIMEOUT: MySQL 8's max_execution_time covers only reads, so a write held behind
// another transaction's row lock ends at innodb_lock_wait_timeout instead (database/mysql-pool.ts
// sets it from the same limit). It answered 500 until 2026-12-07 (found in review). Then MySQL's
// server shutdown (1053, as 57P01).
const unavailableErrnos = new Set([1969, 3024, 1205, 1053]);
// Failures the client can only wait out but an operator must act on, so they are 503 with
// Retry-After and also logged as errors with their stack (the error-level log alarm): the
// credentials refused (SQLSTATE class 28, MySQL 1045: between a rotation's change and the
// secret's update, until database/credential-renewal.ts reads the new one; or a missing role, a
// pg_hba.conf entry), the server out of connections, memory or disk (53000-53300, MySQL
// 1040/1203), and deadlocks or serialization failures (a deadlock between CloudNest's own
// transactions is a lock-order bug to fix). All were opaque 500s until 2026-12-07 (found in
// review); 53400 (a query over a configured limit) fails the same way every time and stays a 500.
const operatorSqlStates = /^(28|53[0-3]00$|40P01$|40001$)/;
const operatorErrnos = new Set([1045, 1040, 1203, 1213]);

function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === 'string' && (unavailableCodes.has(code) || unavailableSqlStates.test(code)))
    return true;
  if (typeof errno === 'number' && unavailableErrnos.has(errno)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Cannot enqueue|Pool is closed|is not queryable/i.test(
    error.message,
  );
}

/** A database failure to answer 503 and log as an error (see `operatorSqlStates`). */
function needsOperator(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return (
    (typeof code === 'string' && operatorSqlStates.test(code)) ||
    (typeof errno === 'number' && operatorErrnos.has(errno))
  );
}

function fastifyErrorCode(error: unknown): ErrorCode | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? fastifyCodes[code] : undefined;
}

/** The body for a registered code with its standard message. */
export function errorBodyFor(code: ErrorCode, requestId: string): ErrorBody {
  return fromCode(code, requestId);
}

function fromCode(code: ErrorCode, requestId: string, message?: string): ErrorBody {
  return {
    statusCode: errorCodes[code].status,
    code,
    message: message ?? errorCodes[code].message,
    requestId,
  };
}

/**
 * Maps anything thrown while handling a request to the response the client gets, so every error
 * has the same shape whether it came from a service, a guard, the router or Fastify's body parser.
 */
export function toErrorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof AppError) {
    const body: ErrorBody = { ...fromCode(error.code, requestId, error.message) };
    if (error.details) body.details = error.details;
    return { body, headers: error.headers ?? {}, unexpected: false };
  }
  // A secret (the database's, the signing keys) that Secrets Manager did not give for now:
  // throttled, timed out, or not reachable (aws/secrets.repository.ts). Before the database
  // checks, which would read its socket error as the database's. Nothing the client sent; it
  // answered 500 until 2026-12-07 (found in review).
  if (error instanceof Error && (error as { code?: unknown }).code === SECRET_UNAVAILABLE) {
    return {
      body: fromCode('SERVICE_UNAVAILABLE', requestId),
      headers: { 'retry-after': '2' },
      unexpected: false,
    };
  }
  const operatorsToo = needsOperator(error);
  if (operatorsToo || isDatabaseUnavailable(error)) {
    return {
      body: fromCode('DATABASE_UNAVAILABLE', requestId),
      headers: { 'retry-after': '2' },
      unexpected: operatorsToo,
    };
  }
  // Nest wraps Fastify's own errors (body parsing, limits) in an HttpException; the cause keeps the code.
  const fastifyCode = fastifyErrorCode(error instanceof HttpException ? error.cause : error);
  if (fastifyCode) {
    return { body: fromCode(fastifyCode, requestId), headers: {}, unexpected: false };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = statusCodes[status];
    if (code && status < 500) {
      const message = status === 404 ? errorCodes.ROUTE_NOT_FOUND.message : errorCodes[code].message;
      return {
        body: fromCode(status === 404 ? 'ROUTE_NOT_FOUND' : code, requestId, message),
        headers: {},
        unexpected: false,
      };
    }
  }
  // Other client errors raised by Fastify or its plugins carry a 4xx statusCode.
  const statusCode = error instanceof Error ? (error as { statusCode?: unknown }).statusCode : undefined;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = statusCodes[statusCode] ?? 'BAD_REQUEST';
    return { body: fromCode(code, requestId), headers: {}, unexpected: false };
  }
  return { body: fromCode('INTERNAL_ERROR', requestId), headers: {}, unexpected: true };
}
