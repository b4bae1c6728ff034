import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotifyLater } from '../../server/tracking/notify-later';

describe('NotifyLater (round notifications after the commit, coalesced per round)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const make = () => {
    const sent: number[] = [];
    const notifier = new NotifyLater(async (roundId) => void sent.push(roundId), () => {}, { intervalMs: 100 });
    return { sent, notifier };
  };

  it('notifies the first change of a round at once', () => {
    const { sent, notifier } = make();
    notifier.changed(7);
    expect(sent).toEqual([7]);
  });

  it('folds a burst into one more notification at the end of the interval, so the last change is never missed', async () => {
    const { sent, notifier } = make();
    notifier.changed(7);
    for (let i = 0; i < 50; i++) {
      await vi.advanceTimersByTimeAsync(1);
      notifier.changed(7);
    }
    expect(sent).toEqual([7]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([7, 7]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([7, 7]);
  });

  it('notifies at most once per interval per round under a steady stream, each round on its own', async () => {
    const { sent, notifier } = make();
    for (let ms = 0; ms < 1000; ms += 5) {
      notifier.changed(1);
      if (ms % 50 === 0) notifier.changed(2);
      await vi.advanceTimersByTimeAsync(5);
    }
    await vi.advanceTimersByTimeAsync(200);
    const ones = sent.filter((r) => r === 1).length;
    expect(ones).toBeGreaterThanOrEqual(9);
    expect(ones).toBeLessThanOrEqual(11);
    expect(sent.filter((r) => r === 2).length).toBeGreaterThanOrEqual(9);
  });

  it('notifies again at once after a quiet interval', async () => {
    const { sent, notifier } = make();
    notifier.changed(3);
    await vi.advanceTimersByTimeAsync(150);
    notifier.changed(3);
    expect(sent).toEqual([3, 3]);
  });

  it('sends what is pending when flushed (the app closing) and waits for it', async () => {
    const { sent, notifier } = make();
    notifier.changed(4);
    notifier.changed(4);
    await notifier.flush();
    expect(sent).toEqual([4, 4]);
  });

  it('reports a failed notification instead of throwing', async () => {
    const errors: unknown[] = [];
    const notifier = new NotifyLater(async () => { throw new Error('connection lost'); }, (e) => errors.push(e));
    notifier.changed(1);
    await notifier.flush();
    expect(errors).toHaveLength(1);
  });
});
