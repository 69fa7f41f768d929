import { type DestinationStream, pino } from 'pino';

/** Characters of log lines gathered before they are handed on as one write (~4 KiB of JSON). */
const BATCH_CHARS = 4096;
/** Longest a line waits when traffic is too light to fill a batch. */
const FLUSH_INTERVAL_MS = 1000;

/** pino's non-blocking file destination (sonic-boom), what a batch is handed to. */
export type LogFile = ReturnType<typeof pino.destination>;

/**
 * The long-running server's log destination: lines are gathered here and handed to a
 * non-blocking sonic-boom destination in ~4 KiB batches, so one write(2) carries dozens of lines.
 *
 * Why not sonic-boom's own `minLength` buffering: on every line it computes the UTF-8 length of
 * the whole text gathered so far (`Buffer.byteLength` of its last buffer, up to 16 KiB while a
 * write is in flight), which first flattens that growing concatenation: each line costs a copy of
 * everything before it. Gathering with `+=` and handing over one string per batch keeps a line at
 * what pino needs to build it (docs/benchmarks.md: ~1 µs less CPU per `/health` request under
 * load, 3.4–4 instead of 7–9.5 µs per line in bursts).
 *
 * Lines wait at most `flushIntervalMs`; `flushSync()` runs on process exit (and pino's own exit
 * hook flushes the sonic-boom behind it), so `process.exit()` loses nothing. A SIGKILL can lose
 * the lines of the last interval. The timer only hands the batch over (the file writes whatever
 * it is handed at once): sonic-boom's `flush(callback)` adds a drain/error listener pair and an
 * fsync(2) per call, and called every second under sustained load, when drain never came, those
 * pairs piled up (MaxListenersExceededWarning after 11 s of load).
 */
export class BatchedLogDestination implements DestinationStream {
  private pending = '';
  private readonly timer: NodeJS.Timeout;
  private readonly flushOnExit = () => this.flushSync();

  constructor(
    private readonly file: LogFile,
    flushIntervalMs = FLUSH_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => this.handOver(), flushIntervalMs);
    this.timer.unref();
    process.once('exit', this.flushOnExit);
    // The file can close without us (pino ends it on a broken pipe): stop the timer then too.
    file.once('close', () => this.stop());
  }

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= BATCH_CHARS) this.handOver();
  }

  /** Hands over what is gathered and asks the file to write it; `callback` once it is written. */
  flush(callback?: (error?: Error) => void): void {
    this.handOver();
    if (this.isClosed()) callback?.();
    else this.file.flush(callback);
  }

  /** Writes everything gathered synchronously (process exit). */
  flushSync(): void {
    this.handOver();
    if (!this.isClosed()) this.file.flushSync();
  }

  /** Writes what is gathered, then closes the file. */
  end(): void {
    this.handOver();
    this.stop();
    if (!this.isClosed()) this.file.end();
  }

  private handOver(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = '';
    if (!this.isClosed()) this.file.write(batch);
  }

  /** Runs on end() and again on 'close': clearing a cleared timer or an absent listener is a no-op. */
  private stop(): void {
    clearInterval(this.timer);
    process.removeListener('exit', this.flushOnExit);
  }

  private isClosed(): boolean {
    // sonic-boom sets `destroyed` (missing from its types) as soon as it is ended; writing after
    // that throws.
    return (this.file as unknown as { readonly destroyed: boolean }).destroyed;
  }
}

/** A batched destination writing to `dest` (a file descriptor or path) without blocking. */
export function batchedLogDestination(
  dest: number | string,
  flushIntervalMs = FLUSH_INTERVAL_MS,
): BatchedLogDestination {
  return new BatchedLogDestination(pino.destination({ dest, sync: false }), flushIntervalMs);
}
