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
 * to compress six weeks of a round into a few minutes.
 */
export class ScaledClock implements Clock {
  readonly #realStart = Date.now();
  readonly #start: number;

  constructor(start: Date, private readonly factor: number) {
    this.#start = start.getTime();
  }

  now(): Date {
    return new Date(this.#start + (Date.now() - this.#realStart) * this.factor);
  }
}
