import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../errors/error-codes.js';
import { type ErrorBody, errorBodyFor, toErrorResponse } from '../errors/error-response.js';
import { API_SECURITY_HEADERS } from './security-headers.js';

/**
 * Fastify's `frameworkErrors`: the router refuses a malformed URL (`/users/%zz`) or an over-long
 * path parameter before any hook or Nest filter runs, and Fastify's (and Nest's) default answer
 * has neither CloudNest's error shape nor a request id. Same body, headers and codes as every
 * other error.
 */
export function answerFrameworkError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  const { body, headers } = toErrorResponse(error, request.id);
  void reply
    .code(body.statusCode)
    .headers(API_SECURITY_HEADERS)
    .header('x-request-id', request.id)
    .headers(headers)
    .send(body);
}

/**
 * Fastify's `clientErrorHandler`: Node's HTTP parser refused the request itself (headers too
 * large, a malformed request line or chunk, the request deadline passed), so there is no request
 * object, only the socket. Answers with the same JSON shape (and a fresh request id, which ties the
 * answer to the log line) and closes the connection, as Node and Fastify do.
 */
export function answerClientError(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const requestId = randomUUID();
  const body = errorBodyFor(clientErrorCode(error.code), requestId);
  this.log.debug({ err: error, requestId }, 'client error');
  if (!socket.writable) {
    socket.destroy(error);
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(rawResponse(body));
}

function clientErrorCode(code: string | undefined): ErrorCode {
  if (code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'BAD_REQUEST';
}

function rawResponse(body: ErrorBody): string {
  const json = JSON.stringify(body);
  const headers: Record<string, string> = {
    ...API_SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(json)),
    'x-request-id': body.requestId,
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n${json}`;
}
