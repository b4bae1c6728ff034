import { sql, type RawBuilder } from 'kysely';

/**
 * Round notifications sent by the writer after its commit, coalesced per round (issue 21).
 *
 * A transaction that NOTIFYs takes a cluster-wide lock at commit and holds it through its WAL
 * flush, so when every completion notified in its own transaction, concurrent completions
 * committed one at a time. A statement that includes `notifyLaterColumn` in its result sets
 * `meetronde.notify_later` for its transaction, so the tracking triggers keep the counts but skip
 * their NOTIFY (migration 0027); the caller then calls `changed(roundId)` once the statement has
 * committed. The first change of a round after a quiet spell is notified at once; further changes
 * within `intervalMs` are folded into one more notification at the end of the interval, so the
 * last change of a burst is always notified and never later than `intervalMs` after it. The live
 * hub (live.ts) computes a topic at most every 300 ms anyway, so a dashboard sees no difference.
 */
export class NotifyLater {
  readonly #intervalMs: number;
  /** Per round: when the last notification was sent, and the pending one's timer. */
  readonly #rounds = new Map<number, { lastSent: number; timer: ReturnType<typeof setTimeout> | null }>();
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(
    private readonly send: (roundId: number) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    options: { intervalMs?: number } = {},
  ) {
    this.#intervalMs = options.intervalMs ?? 100;
  }

  /** A change of the round has committed: notify now, or at the end of the current interval. */
  changed(roundId: number): void {
    if (this.#closed) {
      this.#fire(roundId);
      return;
    }
    const now = Date.now();
    const round = this.#rounds.get(roundId);
    if (!round) {
      this.#rounds.set(roundId, { lastSent: now, timer: null });
      this.#fire(roundId);
      this.#forgetLater(roundId);
      return;
    }
    if (round.timer) return; // the pending notification covers this change
    const wait = round.lastSent + this.#intervalMs - now;
    if (wait <= 0) {
      round.lastSent = now;
      this.#fire(roundId);
      this.#forgetLater(roundId);
      return;
    }
    round.timer = setTimeout(() => {
      round.timer = null;
      round.lastSent = Date.now();
      this.#fire(roundId);
      this.#forgetLater(roundId);
    }, wait);
  }

  /** Sends what is pending now and waits until every notification has gone out (app close). */
  async flush(): Promise<void> {
    this.#closed = true;
    for (const [roundId, round] of this.#rounds) {
      if (round.timer) {
        clearTimeout(round.timer);
        round.timer = null;
        this.#fire(roundId);
      }
    }
    this.#rounds.clear();
    await Promise.all([...this.#inFlight]);
  }

  #fire(roundId: number): void {
    const sending = this.send(roundId).catch(this.onError);
    this.#inFlight.add(sending);
    void sending.finally(() => this.#inFlight.delete(sending));
  }

  /** A round quiet for a whole interval is forgotten, so the map holds only rounds in a burst. */
  #forgetLater(roundId: number): void {
    const round = this.#rounds.get(roundId);
    if (!round) return;
    const check = setTimeout(() => {
      const current = this.#rounds.get(roundId);
      if (current === round && !round.timer && Date.now() - round.lastSent >= this.#intervalMs) this.#rounds.delete(roundId);
    }, this.#intervalMs);
    check.unref?.();
  }
}

/**
 * A result column that makes the tracking triggers of this statement's transaction leave their
 * NOTIFY to the caller (NotifyLater). The triggers of a statement's row changes fire after its
 * result rows were produced, so they see the setting; it ends with the transaction.
 */
export function notifyLaterColumn(): RawBuilder<string> {
  return sql<string>`set_config('meetronde.notify_later', 'on', true)`;
}
