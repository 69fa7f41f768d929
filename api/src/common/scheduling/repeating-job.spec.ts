import { afterEach, describe, expect, it, vi } from 'vitest';
import { RepeatingJob } from './repeating-job.js';

describe('RepeatingJob', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at once and then every interval, skipping a tick while a run is still going', async () => {
    vi.useFakeTimers();
    const finish: (() => void)[] = [];
    const run = vi.fn(() => new Promise<void>((resolve) => finish.push(resolve)));
    const job = new RepeatingJob(run);
    job.start(1000);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2500);
    expect(run).toHaveBeenCalledTimes(1);
    finish.shift()?.();
    await vi.advanceTimersByTimeAsync(1000);
    expect(run).toHaveBeenCalledTimes(2);
    // Starting again while started changes nothing.
    job.start(10);
    await vi.advanceTimersByTimeAsync(50);
    expect(run).toHaveBeenCalledTimes(2);
    // Stopping waits for the run in progress, then nothing runs any more.
    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish.shift()?.();
    await stopping;
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('never runs with an interval of 0', async () => {
    vi.useFakeTimers();
    const run = vi.fn(async () => {});
    new RepeatingJob(run).start(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(run).not.toHaveBeenCalled();
  });
});
