import type { LoggerService } from '@nestjs/common';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { batchedLogDestination } from './batched-log-destination.js';

/** File descriptor 1, named rather than read from `process.stdout`, which creates the stream. */
const STDOUT_FD = 1;

/** Header and body fields that must never reach a log line. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
];

/**
 * Creates the process's one pino logger: JSON in production, pretty in development.
 * `asynchronous` (the long-running server) writes through `BatchedLogDestination`: about 4 KiB
 * of lines per non-blocking write instead of one write(2) per line (under load a syscall per
 * request was the largest single cost of logging), flushed at least every second and on exit.
 * A SIGKILL can lose that last second of lines. Every other process (Lambda, the CLIs) writes each
 * line to stdout with a synchronous write(2) as it is logged: a Lambda environment is frozen as
 * soon as the response is out, and a CLI's lines stay in order with what it prints itself. That
 * is said explicitly because pino's default destination is not synchronous (sonic-boom with
 * `sync: false`, which also loads `worker_threads` to register an exit flush).
 */
export function createLogger(options: { level: string; pretty: boolean; asynchronous?: boolean }): Logger {
  const config = loggerOptions(options.level);
  if (options.pretty) {
    config.transport = {
      target: 'pino-pretty',
      options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true },
    };
    return pino(config);
  }
  if (!options.asynchronous) return pino(config, pino.destination({ dest: STDOUT_FD, sync: true }));
  return pino(config, batchedLogDestination(1));
}

/** The options of every logger the app makes, whatever it writes to: the level, redaction, time. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: errorWithoutStatements },
    base: undefined,
    timestamp: isoTimestamp(),
  };
}

/** Deepest an error's causes are followed when statements are taken out. */
const MAX_ERROR_DEPTH = 8;

/**
 * pino's error serializer, without the statement text a database error carries: mysql2 puts the
 * failed statement on every server error as `sql`, with the bound values written into it, so a
 * mail-queue insert that timed out logged the reset link or sign-in code it held, and other writes
 * password hashes and token digests (found in review, 2026-12-07). The code, errno and message
 * stay, which is what an operator reads.
 */
function errorWithoutStatements(error: Error): Record<string, unknown> {
  return withoutStatements(pino.stdSerializers.err(error), MAX_ERROR_DEPTH) as Record<string, unknown>;
}

function withoutStatements(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth === 0) return value;
  if (Array.isArray(value)) return value.map((item) => withoutStatements(item, depth - 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key !== 'sql') copy[key] = withoutStatements(item, depth - 1);
  }
  return copy;
}

/**
 * pino's `stdTimeFunctions.isoTime` with the text kept for the millisecond it describes: every
 * line formats a Date (~1 µs), and under load dozens of lines share a millisecond. Same output;
 * a clock that moves back just formats again.
 */
export function isoTimestamp(now: () => number = Date.now): () => string {
  let formattedAt = Number.NaN;
  let formatted = '';
  return () => {
    const time = now();
    if (time !== formattedAt) {
      formattedAt = time;
      formatted = `,"time":"${new Date(time).toISOString()}"`;
    }
    return formatted;
  };
}

/** Routes Nest's own log calls (bootstrap, route mapping) into the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
