import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchedLogDestination } from './batched-log-destination.js';
import { createLogger, isoTimestamp, loggerOptions } from './logger.js';

describe('isoTimestamp', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** What pino's own ISO time function writes at `time`. */
  const pinoIsoTime = (time: number) => {
    vi.spyOn(Date, 'now').mockReturnValue(time);
    const text = pino.stdTimeFunctions.isoTime();
    vi.restoreAllMocks();
    return text;
  };

  it("writes what pino's isoTime writes, for each millisecond the clock shows", () => {
    const instants = [0, 1_764_766_800_000, 1_764_766_800_001, 1_764_766_800_999, 1_764_766_801_000];
    let clock = 0;
    const timestamp = isoTimestamp(() => clock);
    for (const instant of instants) {
      clock = instant;
      expect(timestamp()).toBe(pinoIsoTime(instant));
      expect(timestamp()).toBe(pinoIsoTime(instant));
    }
  });

  it('formats again when the clock moves back', () => {
    let clock = 1_764_766_800_500;
    const timestamp = isoTimestamp(() => clock);
    expect(timestamp()).toBe(',"time":"2025-12-03T13:00:00.500Z"');
    clock -= 1_000;
    expect(timestamp()).toBe(',"time":"2025-12-03T12:59:59.500Z"');
  });
});

describe('createLogger', () => {
  /** The stream a pino logger writes to (pino's public symbol for it). */
  const destinationOf = (logger: ReturnType<typeof createLogger>) =>
    (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];

  it('writes synchronously to stdout unless asked to be asynchronous (Lambda, the CLIs)', () => {
    const destination = destinationOf(createLogger({ level: 'info', pretty: false }));
    expect(destination).toMatchObject({ fd: 1, sync: true });
  });

  it('batches non-blocking writes for the long-running server', () => {
    // (Its flush timer is unref'd; ending it would close this worker's stdout.)
    const logger = createLogger({ level: 'info', pretty: false, asynchronous: true });
    expect(destinationOf(logger)).toBeInstanceOf(BatchedLogDestination);
  });
});

/** A stream that keeps each line a logger writes. */
function lineSink(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, sink };
}

// Found in review: the e2e "logs never contain secrets" test used a logger of its own, so this
// redaction was checked nowhere.
describe('loggerOptions redaction', () => {
  it('censors credentials in request headers, response cookies and bodies, and keeps the rest', () => {
    const { lines, sink } = lineSink();
    pino(loggerOptions('info'), sink).info(
      {
        req: {
          headers: {
            authorization: 'Bearer s3cr3t-jwt',
            cookie: 'cn_refresh=c00kie',
            'x-api-key': 'cn_live_k3y',
            host: 'api',
          },
        },
        res: { headers: { 'set-cookie': 'cn_refresh=n3w-c00kie' } },
        body: {
          password: 'pa55word',
          currentPassword: 'old-pa55',
          newPassword: 'new-pa55',
          refreshToken: 'r3fresh',
          accessToken: 'acc3ss',
          token: 'l1nk',
          email: 'ada@example.com',
        },
      },
      'request',
    );
    const [line = ''] = lines;
    for (const secret of [
      's3cr3t-jwt',
      'c00kie',
      'cn_live_k3y',
      'n3w-c00kie',
      'pa55word',
      'old-pa55',
      'new-pa55',
      'r3fresh',
      'acc3ss',
      'l1nk',
    ])
      expect(line).not.toContain(secret);
    const logged = JSON.parse(line) as {
      req: { headers: Record<string, string> };
      body: Record<string, string>;
    };
    expect(logged.req.headers).toEqual({
      authorization: '[redacted]',
      cookie: '[redacted]',
      'x-api-key': '[redacted]',
      host: 'api',
    });
    expect(logged.body).toMatchObject({
      password: '[redacted]',
      token: '[redacted]',
      email: 'ada@example.com',
    });
  });
});

describe('loggerOptions error serializer', () => {
  it('logs a database error without the statement mysql2 puts on it, bound values and all', () => {
    const { lines, sink } = lineSink();
    const statement =
      "insert into `mail_queue` (`text_body`) values ('Open https://x/reset-password#token=S3CRET')";
    const timeout = Object.assign(new Error('Query execution was interrupted'), {
      code: 'ER_QUERY_TIMEOUT',
      errno: 1969,
      sql: statement,
    });
    const wrapped = new Error('could not queue', { cause: timeout });
    Object.assign(wrapped, { inner: timeout });
    pino(loggerOptions('info'), sink).warn({ err: timeout }, 'database unavailable');
    pino(loggerOptions('info'), sink).warn({ err: wrapped }, 'wrapped');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain('S3CRET');
    const logged = JSON.parse(lines[0] ?? '') as { err: Record<string, unknown> };
    expect(logged.err).toMatchObject({
      type: 'Error',
      message: 'Query execution was interrupted',
      code: 'ER_QUERY_TIMEOUT',
      errno: 1969,
    });
    expect(logged.err).not.toHaveProperty('sql');
    expect(typeof logged.err.stack).toBe('string');
  });
});
