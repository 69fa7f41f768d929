import type { LoggerService } from '@nestjs/common';
import { type Logger, type LoggerOptions, pino } from 'pino';

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

/** Bytes the asynchronous destination gathers before it writes (see createLogger). */
const BUFFERED_BYTES = 4096;
/** Longest a buffered line waits when traffic is too light to fill the buffer. */
const FLUSH_INTERVAL_MS = 1000;

/**
 * Creates the process's one pino logger: JSON in production, pretty in development.
 * `asynchronous` (the long-running server) writes through a non-blocking destination that
 * gathers about 4 KiB of lines per write instead of one write(2) per line (under load a
 * syscall per request was the largest single cost of logging), flushed at least every second
 * and on exit by pino. A SIGKILL can lose that last second of lines. Lambda keeps synchronous
 * writes, because a frozen environment never flushes.
 */
export function createLogger(options: { level: string; pretty: boolean; asynchronous?: boolean }): Logger {
  const config: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.pretty) {
    config.transport = {
      target: 'pino-pretty',
      options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true },
    };
    return pino(config);
  }
  if (!options.asynchronous) return pino(config);
  return pino(config, bufferedDestination(1));
}

/** pino's non-blocking destination (sonic-boom). */
export type BufferedDestination = ReturnType<typeof pino.destination>;

/**
 * A non-blocking destination that gathers `BUFFERED_BYTES` before it writes, and writes what it
 * holds at least every `flushIntervalMs`. The timer calls the destination's own `flush()` without
 * a callback: `logger.flush()` passes one, and sonic-boom answers each callback with a pair of
 * drain/error listeners and an fsync(2) once drained; under sustained load drain never came and
 * a listener pair piled up every second (MaxListenersExceededWarning after 11 s of load).
 */
export function bufferedDestination(
  dest: number | string,
  flushIntervalMs = FLUSH_INTERVAL_MS,
): BufferedDestination {
  const destination = pino.destination({ dest, sync: false, minLength: BUFFERED_BYTES });
  // sonic-boom sets `destroyed` (missing from its types) as soon as it is ended; flush() would
  // throw between then and the 'close' event that stops the timer.
  const state = destination as unknown as { readonly destroyed: boolean };
  const timer = setInterval(() => {
    if (!state.destroyed) destination.flush();
  }, flushIntervalMs);
  timer.unref();
  destination.once('close', () => clearInterval(timer));
  return destination;
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
