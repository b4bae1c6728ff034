import { ROUND_CHANNEL } from './counts';

/**
 * The live side of tracking: one LISTEN per process on the channel the tracking triggers notify
 * (a round id per change, from any instance), fanned out to the SSE clients of that round.
 *
 * Clients subscribe to a topic (a key such as `dashboard:12` or `swv:4`) with the function that
 * computes its value. A topic is computed once per change for all its clients, never more often
 * than every `minIntervalMs` (the first change after a quiet spell is computed at once; a burst
 * is folded into one more computation at the end). Nothing runs while nothing changes: no polling.
 */

const RETRY_AFTER_ERROR_MS = 5000;

export type ListenFn = (
  channel: string,
  onMessage: (payload: string) => void,
  onLost?: (error: unknown) => void,
) => Promise<() => Promise<void>>;

/** After the LISTEN connection broke: first retry, doubling up to the maximum. */
const RELISTEN_FIRST_MS = 500;
const RELISTEN_MAX_MS = 30_000;

interface Subscriber {
  deliver: (json: string) => void;
  lastSent: string | undefined;
}

interface Topic {
  key: string;
  roundIds: Set<number>;
  compute: () => Promise<unknown>;
  subscribers: Set<Subscriber>;
  /** JSON of the latest computed value. */
  value: string | undefined;
  timer: ReturnType<typeof setTimeout> | null;
  computing: boolean;
  dirty: boolean;
  lastStart: number;
}

export interface LiveHubOptions {
  /** Shortest time between two computations of one topic. */
  minIntervalMs?: number;
  onError?: (error: unknown) => void;
}

export class LiveHub {
  readonly #topics = new Map<string, Topic>();
  readonly #minInterval: number;
  readonly #onError: (error: unknown) => void;
  #listening: Promise<() => Promise<void>> | null = null;
  #relistenTimer: ReturnType<typeof setTimeout> | null = null;
  #relistenDelay = RELISTEN_FIRST_MS;
  #closed = false;
  /** How many times topics were computed (observability and tests). */
  computations = 0;

  constructor(private readonly listen: ListenFn, options: LiveHubOptions = {}) {
    this.#minInterval = options.minIntervalMs ?? 300;
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Subscribes `deliver` to a topic; it receives the topic's value as JSON now (as soon as it
   * is known) and after every change of one of `roundIds`. Returns the unsubscribe function.
   */
  async subscribe(key: string, roundIds: number[], compute: () => Promise<unknown>, deliver: (json: string) => void): Promise<() => void> {
    if (this.#closed) throw new Error('live hub closed');
    await this.#ensureListening();
    let topic = this.#topics.get(key);
    if (!topic) {
      topic = {
        key,
        roundIds: new Set(roundIds),
        compute,
        subscribers: new Set(),
        value: undefined,
        timer: null,
        computing: false,
        dirty: false,
        lastStart: 0,
      };
      this.#topics.set(key, topic);
    }
    const current = topic;
    const subscriber: Subscriber = { deliver, lastSent: undefined };
    current.subscribers.add(subscriber);
    if (current.value !== undefined && !current.dirty && !current.computing && !current.timer) {
      // Up to date: every change since it was computed would have marked it dirty.
      queueMicrotask(() => this.#send(current, subscriber));
    } else if (current.value === undefined) {
      this.#schedule(current, true);
    }
    return () => {
      current.subscribers.delete(subscriber);
      if (current.subscribers.size === 0 && this.#topics.get(key) === current) {
        if (current.timer) clearTimeout(current.timer);
        current.timer = null;
        this.#topics.delete(key);
      }
    };
  }

  /** A change to a round (from NOTIFY): recompute that round's topics. */
  roundChanged(roundId: number): void {
    for (const topic of this.#topics.values()) {
      if (topic.roundIds.has(roundId)) this.#schedule(topic, false);
    }
  }

  /** Recompute every topic (after the LISTEN connection was re-established, changes may be missed). */
  everythingChanged(): void {
    for (const topic of this.#topics.values()) this.#schedule(topic, false);
  }

  get topicCount(): number {
    return this.#topics.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#relistenTimer) clearTimeout(this.#relistenTimer);
    for (const topic of this.#topics.values()) if (topic.timer) clearTimeout(topic.timer);
    this.#topics.clear();
    const listening = this.#listening;
    this.#listening = null;
    if (listening) {
      const unlisten = await listening.catch(() => null);
      await unlisten?.().catch(() => {});
    }
  }

  async #ensureListening(): Promise<void> {
    if (!this.#listening) {
      const listening = this.listen(
        ROUND_CHANNEL,
        (payload) => {
          const roundId = Number(payload);
          if (Number.isSafeInteger(roundId) && roundId > 0) this.roundChanged(roundId);
        },
        (error) => this.#lost(listening, error),
      );
      this.#listening = listening;
      listening.catch(() => {
        if (this.#listening === listening) this.#listening = null;
      });
    }
    await this.#listening;
  }

  /** The LISTEN connection broke (database restart, failover): listen again, then recompute all. */
  #lost(listening: Promise<unknown>, error: unknown): void {
    if (this.#listening !== listening || this.#closed) return;
    this.#listening = null;
    this.#onError(error);
    const retry = () => {
      this.#relistenTimer = null;
      if (this.#closed || this.#topics.size === 0) return; // the next subscriber listens again
      this.#ensureListening()
        .then(() => {
          this.#relistenDelay = RELISTEN_FIRST_MS;
          this.everythingChanged();
        })
        .catch((e: unknown) => {
          this.#onError(e);
          this.#relistenDelay = Math.min(this.#relistenDelay * 2, RELISTEN_MAX_MS);
          this.#relistenTimer = setTimeout(retry, this.#relistenDelay);
        });
    };
    this.#relistenTimer = setTimeout(retry, this.#relistenDelay);
  }

  #schedule(topic: Topic, immediate: boolean): void {
    topic.dirty = true;
    if (topic.computing || topic.timer || this.#closed) return;
    const wait = immediate ? 0 : Math.max(0, topic.lastStart + this.#minInterval - Date.now());
    topic.timer = setTimeout(() => void this.#run(topic), wait);
  }

  async #run(topic: Topic): Promise<void> {
    topic.timer = null;
    topic.dirty = false;
    topic.computing = true;
    topic.lastStart = Date.now();
    this.computations += 1;
    let failed = false;
    try {
      const value = JSON.stringify(await topic.compute());
      topic.value = value;
      for (const subscriber of topic.subscribers) this.#send(topic, subscriber);
    } catch (error) {
      failed = true;
      this.#onError(error);
    } finally {
      topic.computing = false;
      const live = topic.subscribers.size > 0 && this.#topics.get(topic.key) === topic && !this.#closed;
      if (live && topic.dirty) this.#schedule(topic, false);
      else if (live && failed) {
        // The database may be away for a moment: try again later, not in a tight loop.
        topic.timer = setTimeout(() => {
          topic.timer = null;
          this.#schedule(topic, false);
        }, RETRY_AFTER_ERROR_MS);
      }
    }
  }

  #send(topic: Topic, subscriber: Subscriber): void {
    if (topic.value === undefined || subscriber.lastSent === topic.value || !topic.subscribers.has(subscriber)) return;
    subscriber.lastSent = topic.value;
    try {
      subscriber.deliver(topic.value);
    } catch (error) {
      this.#onError(error);
    }
  }
}
