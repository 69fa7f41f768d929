import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
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

/** Writes the error response and logs unexpected errors with their stack. */
function sendError(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const response = toErrorResponse(exception, String(request.id));
  if (response.unexpected) {
    request.log.error({ err: exception }, 'unhandled error');
  } else if (response.body.code === 'DATABASE_UNAVAILABLE') {
    request.log.warn({ err: exception }, 'database unavailable');
  }
  if (reply.sent) return;
  reply.headers(response.headers).status(response.body.statusCode).send(response.body);
}
