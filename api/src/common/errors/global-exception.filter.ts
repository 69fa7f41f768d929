import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_SECURITY_HEADERS } from '../http/security-headers.js';
import { AppError } from './app-error.js';
import { toErrorResponse } from './error-response.js';

/** The one place where errors become HTTP responses (see `toErrorResponse`). */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendError(exception, request, reply);
  }
}

/**
 * Writes the error response and logs unexpected errors with their stack. Nest sets a route's
 * `@Header`s before its pipes and handler run, so an error from those would carry the success
 * answer's caching and embedding headers (a 404 or 503 of a file cached for a minute, a JSON error
 * embeddable cross-origin): an error is a JSON data response, with the data responses' headers.
 */
function sendError(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const response = toErrorResponse(exception, String(request.id));
  if (response.unexpected) {
    request.log.error({ err: exception }, 'unhandled error');
  } else if (response.body.statusCode === 503 && !isDrainAnswer(exception)) {
    // What could not answer (the database, storage, Secrets Manager), for the operator; not the
    // answer every request gets while the server drains, which says nothing new.
    request.log.warn(
      { err: exception },
      response.body.code === 'DATABASE_UNAVAILABLE' ? 'database unavailable' : 'unavailable',
    );
  }
  if (reply.sent) return;
  reply
    .headers(API_SECURITY_HEADERS)
    // Usually set already by the onRequest hook, but some requests reach Nest's not-found handler
    // without any hook (`OPTIONS *`), and the body's request id must be findable in the header too.
    .header('x-request-id', response.body.requestId)
    .header('content-type', 'application/json; charset=utf-8')
    .headers(response.headers)
    .status(response.body.statusCode)
    .send(response.body);
}

/** The SERVICE_UNAVAILABLE the app itself answers while it shuts down (app.ts). */
function isDrainAnswer(exception: unknown): boolean {
  return exception instanceof AppError && exception.code === 'SERVICE_UNAVAILABLE';
}
