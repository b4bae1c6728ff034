import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROUND_CHANNEL } from '../../server/tracking/counts';
import { LiveHub } from '../../server/tracking/live';

/** The fan-out without a database: a fake LISTEN and vitest's fake timers. */
function fakeListen() {
  const handlers: Array<(payload: string) => void> = [];
  const losers: Array<(error: unknown) => void> = [];
  const channels: string[] = [];
  let unlistened = 0;
  return {
    listen: async (channel: string, onMessage: (payload: string) => void, onLost?: (error: unknown) => void) => {
      channels.push(channel);
      handlers.push(onMessage);
      if (onLost) losers.push(onLost);
      return async () => {
        unlistened += 1;
      };
    },
    emit: (payload: string) => handlers.forEach((h) => h(payload)),
    /** The current LISTEN connection breaks. */
    lose: () => {
      handlers.length = 0;
      losers.splice(0).forEach((l) => l(new Error('connection terminated')));
    },
    channels,
    get unlistened() {
      return unlistened;
    },
  };
}

describe('live hub', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('listens once per process however many clients subscribe', async () => {
    const fake = fakeListen();
    const hub = new LiveHub(fake.listen);
    await hub.subscribe('dashboard:1', [1], async () => 1, () => {});
    await hub.subscribe('dashboard:1', [1], async () => 1, () => {});
    await hub.subscribe('dashboard:2', [2], async () => 2, () => {});
    expect(fake.channels).toEqual([ROUND_CHANNEL]);
    await hub.close();
    expect(fake.unlistened).toBe(1);
  });

  it('computes a topic once per change for all its clients and sends each the first value', async () => {
    const fake = fakeListen();
    const hub = new LiveHub(fake.listen, { minIntervalMs: 300 });
    let value = 10;
    const compute = vi.fn(async () => ({ completed: value }));
    const a: string[] = [];
    const b: string[] = [];
    await hub.subscribe('dashboard:7', [7], compute, (json) => a.push(json));
    await hub.subscribe('dashboard:7', [7], compute, (json) => b.push(json));
    await vi.runAllTimersAsync();
    expect(compute).toHaveBeenCalledTimes(1);
    expect(a).toEqual(['{"completed":10}']);
    expect(b).toEqual(['{"completed":10}']);

    value = 11;
    fake.emit('7');
    await vi.runAllTimersAsync();
    expect(compute).toHaveBeenCalledTimes(2);
    expect(a).toEqual(['{"completed":10}', '{"completed":11}']);
    expect(b).toEqual(a);
    await hub.close();
  });

  it('folds a burst of changes into at most one computation per interval, ending on the latest value', async () => {
    const fake = fakeListen();
    const hub = new LiveHub(fake.listen, { minIntervalMs: 300 });
    let value = 0;
    const compute = vi.fn(async () => value);
    const got: string[] = [];
    await hub.subscribe('dashboard:3', [3], compute, (json) => got.push(json));
    await vi.runAllTimersAsync();
    expect(compute).toHaveBeenCalledTimes(1);

    // 100 changes within one second.
    for (let i = 1; i <= 100; i++) {
      value = i;
      fake.emit('3');
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.runAllTimersAsync();
    // One at the start of the burst, then one per 300 ms window, and the last value arrives.
    expect(compute.mock.calls.length).toBeLessThanOrEqual(1 + Math.ceil(1000 / 300) + 1);
    expect(compute.mock.calls.length).toBeGreaterThan(1);
    expect(got.at(-1)).toBe('100');
    await hub.close();
  });

  it('ignores changes of other rounds, and of rounds nobody watches', async () => {
    const fake = fakeListen();
    const hub = new LiveHub(fake.listen);
    const compute = vi.fn(async () => 'x');
    await hub.subscribe('dashboard:5', [5, 4], compute, () => {});
    await vi.runAllTimersAsync();
    fake.emit('6');
    fake.emit('not-a-round');
    fake.emit('');
    await vi.runAllTimersAsync();
    expect(compute).toHaveBeenCalledTimes(1);
    fake.emit('4'); // the previous round, shown next to this one
    await vi.runAllTimersAsync();
    expect(compute).toHaveBeenCalledTimes(2);
    await hub.close();
  });

  it('sends a client nothing new when the value did not change', async () => {
    const fake = fakeListen();
    const hub = new LiveHub(fake.listen);
    const got: string[] = [];
    await hub.subscribe('swv-link:1', [1], async () => ({ same: true }), (json) => got.push(json));
    await vi.runAllTimersAsync();
    fake.emit('1');
    await vi.runAllTimersAsync();
    expect(got).toEqual(['{"same":true}']);
    await hub.close();
  });

  it('stops computing a topic when its last client leaves', async () => {
    const fake = fakeListen();
    const hub = new LiveHub(fake.listen);
    const compute = vi.fn(async () => 1);
    const leave = await hub.subscribe('dashboard:9', [9], compute, () => {});
    await vi.runAllTimersAsync();
    leave();
    expect(hub.topicCount).toBe(0);
    fake.emit('9');
    await vi.runAllTimersAsync();
    expect(compute).toHaveBeenCalledTimes(1);
    await hub.close();
  });

  it('retries after a failed computation later, not in a tight loop', async () => {
    const fake = fakeListen();
    const errors: unknown[] = [];
    const hub = new LiveHub(fake.listen, { onError: (e) => errors.push(e) });
    let fail = true;
    const compute = vi.fn(async () => {
      if (fail) throw new Error('database away');
      return 'back';
    });
    const got: string[] = [];
    await hub.subscribe('dashboard:2', [2], compute, (json) => got.push(json));
    await vi.advanceTimersByTimeAsync(1000);
    expect(compute).toHaveBeenCalledTimes(1);
    expect(errors).toHaveLength(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(5000);
    expect(compute).toHaveBeenCalledTimes(2);
    expect(got).toEqual(['"back"']);
    await hub.close();
  });

  it('listens again after the LISTEN connection broke, and recomputes what may have been missed', async () => {
    const fake = fakeListen();
    const errors: unknown[] = [];
    const hub = new LiveHub(fake.listen, { onError: (e) => errors.push(e) });
    let value = 1;
    const got: string[] = [];
    await hub.subscribe('dashboard:4', [4], async () => value, (json) => got.push(json));
    await vi.runAllTimersAsync();
    fake.lose();
    value = 2; // changed while nobody was listening
    fake.emit('4'); // lost: no handler
    await vi.advanceTimersByTimeAsync(2000);
    expect(fake.channels).toEqual([ROUND_CHANNEL, ROUND_CHANNEL]);
    expect(got).toEqual(['1', '2']);
    expect(errors).toHaveLength(1);
    value = 3;
    fake.emit('4');
    await vi.runAllTimersAsync();
    expect(got).toEqual(['1', '2', '3']);
    await hub.close();
  });
});
