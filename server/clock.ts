/**
 * Time is injected: every rule that depends on "now" (round windows, reminders, retries,
 * session expiry) asks a Clock, so tests move time instead of waiting for it.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  now: () => new Date(),
};

/** A clock that only moves when told to. Used by tests and by the demo's compressed time. */
export class ManualClock implements Clock {
  #ms: number;

  constructor(start: Date | string = '2026-03-01T08:00:00Z') {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  set(to: Date | string): void {
    this.#ms = new Date(to).getTime();
  }

  advance(ms: number): void {
    this.#ms += ms;
  }

  advanceDays(days: number): void {
    this.advance(days * 24 * 60 * 60 * 1000);
  }
}

/**
 * A clock that runs `factor` times faster than real time from `start` on; the demo uses it
 * to compress six weeks of a round into a few minutes. With `fastUntil`, time runs fast only
 * until that moment and at real speed after it (the demo's round then stays "live").
 * `realNow` is the real clock it reads (tests pass their own).
 */
export class ScaledClock implements Clock {
  readonly #realNow: () => number;
  readonly #realStart: number;
  readonly #start: number;
  readonly #fastUntil: number;

  constructor(
    start: Date,
    private readonly factor: number,
    options: { fastUntil?: Date; realNow?: () => number } = {},
  ) {
    if (!(factor > 0)) throw new Error('ScaledClock: factor must be positive');
    this.#realNow = options.realNow ?? Date.now;
    this.#realStart = this.#realNow();
    this.#start = start.getTime();
    this.#fastUntil = options.fastUntil?.getTime() ?? Number.POSITIVE_INFINITY;
  }

  now(): Date {
    const elapsed = this.#realNow() - this.#realStart;
    const fastSpan = (this.#fastUntil - this.#start) / this.factor; // real ms of the fast part
    if (elapsed <= fastSpan) return new Date(this.#start + elapsed * this.factor);
    return new Date(this.#fastUntil + (elapsed - fastSpan));
  }

  /** Whether time still runs compressed. */
  get fast(): boolean {
    return this.now().getTime() < this.#fastUntil;
  }
}
