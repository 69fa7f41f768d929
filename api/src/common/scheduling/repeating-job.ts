/**
 * Work the long-running HTTP server repeats on an interval (the maintenance run, the mail delivery
 * pass; Lambda runs them from scheduled events instead). `run` goes now and then every interval;
 * a run still going when the next is due is skipped, not doubled. `run` must not reject: it logs
 * its own outcome. The timer alone never keeps the process alive.
 *
 * `run` gets a signal that {@link stop} aborts: a run checks it at its safe points (between mails,
 * between a maintenance step's batches) and ends there. Waiting for a whole run instead held
 * shutdown for as long as the run had work — a mail pass up to 25 s with a slow SES, a maintenance
 * run without limit — past SHUTDOWN_TIMEOUT_MS, which exits 1 (found in review, 2026-12-07).
 */
export class RepeatingJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = new AbortController();

  constructor(private readonly run: (stop: AbortSignal) => Promise<void>) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    const { signal } = this.stopping;
    const tick = () => {
      this.running ??= this.run(signal).finally(() => {
        this.running = undefined;
      });
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  /**
   * Clears the timer, tells a run in progress to stop at its next safe point, and resolves when it
   * has. Calling it again (the services' two shutdown hooks) only waits.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.running;
  }
}
