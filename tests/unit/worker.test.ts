import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock';
import { Worker, type PeriodicTask } from '../../server/worker';

function recorder(name: string, intervalMs: number, results: Array<boolean | Error> = []) {
  const runs: string[] = [];
  const task: PeriodicTask = {
    name,
    intervalMs,
    async run({ now }) {
      runs.push(now.toISOString());
      const next = results.shift();
      if (next instanceof Error) throw next;
      return next ?? false;
    },
  };
  return { task, runs };
}

describe('Worker (periodic tasks on the injected clock)', () => {
  it('runs a task when due by the clock, not by real time', async () => {
    const clock = new ManualClock('2026-03-01T00:00:00Z');
    const worker = new Worker({ clock });
    const { task, runs } = recorder('purge', 60_000);
    worker.register(task);
    await worker.runDue();
    await worker.runDue();
    expect(runs).toHaveLength(1);
    clock.advance(59_999);
    await worker.runDue();
    expect(runs).toHaveLength(1);
    clock.advance(1);
    await worker.runDue();
    expect(runs).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-01T00:01:00.000Z']);
  });

  it('runs a task that reports more work again at once, and drain() until all are idle', async () => {
    const clock = new ManualClock();
    const worker = new Worker({ clock });
    const a = recorder('a', 1000, [true, true, false]);
    const b = recorder('b', 1000, [false]);
    worker.register(a.task, b.task);
    await worker.drain();
    expect(a.runs).toHaveLength(3);
    expect(b.runs).toHaveLength(3);
  });

  it('keeps running other tasks when one fails, and reports the failure without its message', async () => {
    const clock = new ManualClock();
    const logged: unknown[] = [];
    const worker = new Worker({ clock, log: (message, fields) => logged.push({ message, fields }) });
    const bad = recorder('bad', 1000, [new Error('secret@example.nl')]);
    const good = recorder('good', 1000);
    worker.register(bad.task, good.task);
    await worker.runDue();
    expect(good.runs).toHaveLength(1);
    expect(JSON.stringify(logged)).toContain('"task":"bad"');
    expect(JSON.stringify(logged)).not.toContain('secret@example.nl');
  });

  it('refuses a task name twice, and runs passes one at a time', async () => {
    const clock = new ManualClock();
    const worker = new Worker({ clock });
    let concurrent = 0;
    let maxConcurrent = 0;
    worker.register({
      name: 'slow',
      intervalMs: 0,
      async run() {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((r) => setTimeout(r, 5));
        concurrent--;
      },
    });
    expect(() => worker.register({ name: 'slow', intervalMs: 1, run: async () => {} })).toThrow(/twice/);
    await Promise.all([worker.runAll(), worker.runAll(), worker.runAll()]);
    expect(maxConcurrent).toBe(1);
  });

  it('starts a real-time loop and stops it, closing the tasks', async () => {
    const clock = new ManualClock();
    const worker = new Worker({ clock, pollMs: 5 });
    let runs = 0;
    let closed = false;
    worker.register({
      name: 'tick',
      intervalMs: 0,
      async run() {
        runs++;
      },
      close() {
        closed = true;
      },
    });
    worker.start();
    await expect.poll(() => runs, { timeout: 20_000 }).toBeGreaterThan(2);
    await worker.stop();
    const after = runs;
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toBe(after);
    expect(closed).toBe(true);
  });
});
