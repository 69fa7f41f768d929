import { HttpException, NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { errorCodes } from './error-codes.js';
import { toErrorResponse } from './error-response.js';
import { SECRET_UNAVAILABLE } from './secret-unavailable.js';

describe('toErrorResponse', () => {
  it('shapes an AppError from the registry with its details and headers', () => {
    const error = new AppError('RATE_LIMITED', undefined, { limit: 5 }, { 'retry-after': '3' });
    const response = toErrorResponse(error, 'req-1');
    expect(response.body).toEqual({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: errorCodes.RATE_LIMITED.message,
      requestId: 'req-1',
      details: { limit: 5 },
    });
    expect(response.headers).toEqual({ 'retry-after': '3' });
    expect(response.unexpected).toBe(false);
  });

  it('hides unknown errors behind an opaque 500 and flags them for logging', () => {
    const response = toErrorResponse(new Error('secret internals: password=hunter2'), 'req-2');
    expect(response.body.statusCode).toBe(500);
    expect(response.body.code).toBe('INTERNAL_ERROR');
    expect(response.body.message).not.toContain('hunter2');
    expect(response.unexpected).toBe(true);
  });

  it('maps an unreachable database to 503 DATABASE_UNAVAILABLE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toErrorResponse(refused, 'r').body).toMatchObject({
      statusCode: 503,
      code: 'DATABASE_UNAVAILABLE',
    });
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    expect(toErrorResponse(shutdown, 'r').body.code).toBe('DATABASE_UNAVAILABLE');
    // pg's answer for a query on a client whose connection the server dropped.
    const dropped = new Error('Client has encountered a connection error and is not queryable');
    expect(toErrorResponse(dropped, 'r').body.code).toBe('DATABASE_UNAVAILABLE');
  });

  // Found in review (2026-12-07): each of these answered an opaque 500.
  it('maps an idle-session timeout, a DNS hiccup and a shutting-down server to 503, logged as a warning', () => {
    const failures = [
      { code: '57P05', message: 'terminating connection due to idle-session timeout' },
      { code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN db.internal' },
      { code: 'ER_SERVER_SHUTDOWN', errno: 1053, message: 'Server shutdown in progress' },
    ];
    for (const { message, ...fields } of failures) {
      const response = toErrorResponse(Object.assign(new Error(message), fields), 'r');
      expect(response, fields.code).toMatchObject({
        body: { statusCode: 503, code: 'DATABASE_UNAVAILABLE' },
        headers: { 'retry-after': '2' },
        unexpected: false,
      });
    }
  });

  // The client can only retry, the operator must act: 503, and an error with its stack in the log.
  it('maps refused credentials, a full server and deadlocks to 503, flagged for logging as errors', () => {
    const failures = [
      { code: '28P01', message: 'password authentication failed for user "cloudnest_api"' },
      { code: '28000', message: 'no pg_hba.conf entry for host' },
      { code: '53300', message: 'sorry, too many clients already' },
      { code: '40P01', message: 'deadlock detected' },
      { code: '40001', message: 'could not serialize access due to concurrent update' },
      { code: 'ER_CON_COUNT_ERROR', errno: 1040, message: 'Too many connections' },
      {
        code: 'ER_TOO_MANY_USER_CONNECTIONS',
        errno: 1203,
        message: 'User has more than max_user_connections',
      },
      { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045, message: "Access denied for user 'cloudnest_api'" },
      { code: 'ER_LOCK_DEADLOCK', errno: 1213, message: 'Deadlock found when trying to get lock' },
    ];
    for (const { message, ...fields } of failures) {
      const response = toErrorResponse(Object.assign(new Error(message), fields), 'r');
      expect(response, fields.code).toMatchObject({
        body: { statusCode: 503, code: 'DATABASE_UNAVAILABLE' },
        headers: { 'retry-after': '2' },
        unexpected: true,
      });
    }
    // A query over a configured limit fails the same way every time: not something to retry.
    const tempFiles = Object.assign(new Error('temporary file size exceeds temp_file_limit'), {
      code: '53400',
    });
    expect(toErrorResponse(tempFiles, 'r').body.code).toBe('INTERNAL_ERROR');
  });

  it('answers a secret Secrets Manager did not give with 503 SERVICE_UNAVAILABLE, not the database', () => {
    for (const reason of ['Rate exceeded', 'connect ECONNREFUSED 10.0.0.5:443']) {
      const unread = Object.assign(new Error(`Could not read secret db: ${reason}`), {
        code: SECRET_UNAVAILABLE,
      });
      expect(toErrorResponse(unread, 'r'), reason).toMatchObject({
        body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE' },
        headers: { 'retry-after': '2' },
      });
    }
  });

  // PostgreSQL's and MariaDB's run against real servers in test/medium/database-limits.test.ts.
  it("maps MySQL 8's statement and lock-wait timeouts to 503 and other server errors to 500", () => {
    const timedOut = Object.assign(
      new Error('Query execution was interrupted, maximum statement execution time exceeded'),
      {
        code: 'ER_QUERY_TIMEOUT',
        errno: 3024,
      },
    );
    expect(toErrorResponse(timedOut, 'r').body.code).toBe('DATABASE_UNAVAILABLE');
    // A write waiting for a row lock: MySQL 8's statement limit does not cover it, the lock wait's does.
    const lockWait = Object.assign(new Error('Lock wait timeout exceeded; try restarting transaction'), {
      code: 'ER_LOCK_WAIT_TIMEOUT',
      errno: 1205,
    });
    expect(toErrorResponse(lockWait, 'r')).toMatchObject({
      body: { statusCode: 503, code: 'DATABASE_UNAVAILABLE' },
    });
    const syntax = Object.assign(new Error('You have an error in your SQL syntax'), {
      code: 'ER_PARSE_ERROR',
      errno: 1064,
    });
    expect(toErrorResponse(syntax, 'r').body.code).toBe('INTERNAL_ERROR');
  });

  it("keeps Fastify's body-parser codes that Nest wraps in an HttpException", () => {
    const cause = Object.assign(new Error('Body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    const wrapped = new HttpException('Body is too large', 413, { cause });
    expect(toErrorResponse(wrapped, 'r').body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    const json = Object.assign(new SyntaxError('Unexpected token'), {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      statusCode: 400,
    });
    expect(toErrorResponse(new HttpException('bad', 400, { cause: json }), 'r').body.code).toBe(
      'INVALID_JSON',
    );
  });

  it('turns an unmatched route into ROUTE_NOT_FOUND', () => {
    expect(toErrorResponse(new NotFoundException(), 'r').body).toMatchObject({
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
    });
  });

  // Found by mutation testing (2026-12-07): dropping the "< 500" checks answered a server failure
  // as a 4xx (or an unlogged 503) with every test passing.
  it('answers a framework error or HttpException with a 5xx status as an opaque, logged 500', () => {
    for (const statusCode of [500, 503]) {
      const response = toErrorResponse(
        Object.assign(new Error('FST_ERR_SOMETHING internal detail'), { statusCode }),
        'req-5xx',
      );
      expect(response.body).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR', requestId: 'req-5xx' });
      expect(response.unexpected).toBe(true);
    }
    const upstream = toErrorResponse(new HttpException('upstream detail', 503), 'req-http-5xx');
    expect(upstream.body).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
    expect(upstream.unexpected).toBe(true);
  });

  it('uses only UPPER_SNAKE codes in the registry', () => {
    for (const code of Object.keys(errorCodes)) expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});
