import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyRequestLogger } from './lazy-request-logger.js';
import { RequestLog } from './request-log.js';

describe('RequestLog', () => {
  it('writes one line per request, without the query string, and keeps redacting error lines', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino(
      { level: 'info', base: undefined, redact: { paths: ['*.password'], censor: '[redacted]' } },
      stream,
    );
    const app = Fastify({
      loggerInstance: logger,
      logController: new RequestLog(logger),
      childLoggerFactory: lazyRequestLogger,
      genReqId: () => 'req-1',
    });
    app.get('/ok', async () => ({ ok: true }));
    app.get('/fail', async () => {
      throw Object.assign(new Error('boom'), { password: 'hunter2' });
    });
    await app.inject({ url: '/ok?signature=secret' });
    await app.inject({ url: '/fail' });
    await app.close();
    await new Promise((resolve) => setImmediate(resolve));

    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed).toEqual([
      expect.objectContaining({ reqId: 'req-1', method: 'GET', path: '/ok', statusCode: 200 }),
      expect.objectContaining({ reqId: 'req-1', method: 'GET', path: '/fail', statusCode: 500 }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('signature=secret');
    expect(lines.filter((line) => line.msg === 'incoming request')).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
