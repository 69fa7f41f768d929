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
    // Stopping waits for the run in progress (this one never asks its signal), then nothing runs any more.
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

  it('tells a run in progress to stop: it ends after the item it is on, and stop resolves then', async () => {
    vi.useFakeTimers();
    const done: number[] = [];
    const finish: (() => void)[] = [];
    // A run over ten items that asks its signal between them, as the mail pass and maintenance do.
    const run = vi.fn(async (stop: AbortSignal) => {
      for (let item = 1; item <= 10 && !stop.aborted; item++) {
        await new Promise<void>((resolve) => finish.push(resolve));
        done.push(item);
      }
    });
    const job = new RepeatingJob(run);
    job.start(60_000);
    finish.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual([1]);
    // Stopped while on item 2: item 2 finishes (nothing is cut in half), item 3 never starts.
    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish.shift()?.();
    await stopping;
    expect(done).toEqual([1, 2]);
    expect(finish).toHaveLength(0);
    // Stopping again only waits (there is nothing to wait for); no run follows.
    await job.stop();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(run).toHaveBeenCalledTimes(1);
    // Started again, a run gets a signal of its own, not the stopped one.
    job.start(60_000);
    expect(run.mock.calls[1]?.[0].aborted).toBe(false);
    finish.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual([1, 2, 1]);
    const last = job.stop();
    finish.shift()?.();
    await last;
  });

  it('never runs with an interval of 0', async () => {
    vi.useFakeTimers();
    const run = vi.fn(async () => {});
    new RepeatingJob(run).start(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(run).not.toHaveBeenCalled();
  });
});
