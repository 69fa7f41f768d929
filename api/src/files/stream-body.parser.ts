import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type FastifyInstance, errorCodes as fastifyErrors } from 'fastify';

/** Route config flag (via `@RouteConfig({ [STREAM_BODY]: true })`): hand the handler the raw body stream. */
export const STREAM_BODY = 'cloudnest:stream-body';

/**
 * Lets routes flagged with {@link STREAM_BODY} receive any content type as an unread stream — the
 * local driver's upload route, whose bodies are images and videos far above the 1 MB JSON limit and
 * must go to disk without being buffered. Stream parsers are not subject to Fastify's bodyLimit; the
 * route enforces the signed length itself. Every other route still answers unknown types with 415.
 */
@Injectable()
export class StreamBodyParser implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    // An application context (the maintenance CLI) has no HTTP server to configure.
    if (!this.host.httpAdapter) return;
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    fastify.addContentTypeParser('*', (request, payload, done) => {
      if (Reflect.get(request.routeOptions.config ?? {}, STREAM_BODY) === true) {
        done(null, payload);
        return;
      }
      done(new fastifyErrors.FST_ERR_CTP_INVALID_MEDIA_TYPE(request.headers['content-type']), undefined);
    });
  }
}
