/**
 * Work the long-running HTTP server repeats on an interval (the maintenance run, the mail delivery
 * pass; Lambda runs them from scheduled events instead). `run` goes now and then every interval;
 * a run still going when the next is due is skipped, not doubled. `run` must not reject: it logs
 * its own outcome. The timer alone never keeps the process alive; `stop()` (from the service's
 * shutdown hook) clears it and waits for a run in progress.
 */
export class RepeatingJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly run: () => Promise<void>) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    const tick = () => {
      this.running ??= this.run().finally(() => {
        this.running = undefined;
      });
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
