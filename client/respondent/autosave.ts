import type { Answers } from '../shared/survey/model';
import type { LocalStore } from './local-copy';
import { Refused, Unreachable, type RespondentApi, type Stale } from './respondent-api';

/**
 * Autosave: every change is written to the local copy at once and sent to the server after a
 * pause in typing (or at once on a page change). Saves carry the revision last seen, so a save
 * from a stale tab is refused (409) instead of overwriting; while the server is unreachable the
 * saver retries with backoff and the local copy keeps the answers.
 */

export type SaveStatus = 'idle' | 'pending' | 'saving' | 'saved' | 'retrying' | 'failed';

export interface Snapshot {
  data: Answers;
  currentPage: number;
}

export interface AutoSaverOptions {
  api: RespondentApi;
  store: LocalStore;
  revision: number;
  snapshot: () => Snapshot;
  onStatus: (status: SaveStatus) => void;
  /** Someone saved in between: take their answers. */
  onStale: (stale: Stale) => void;
  /** The server refused for good (consent withdrawn elsewhere, link closed, invalid answers). */
  onRejected: (error: Refused) => void;
  debounceMs?: number;
}

const RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

/** Compares answers regardless of key order (the server stores them as jsonb, which reorders keys). */
export function sameAnswers(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + canonical(v)).join(',') + '}';
  }
  return JSON.stringify(value) ?? 'null';
}

export class AutoSaver {
  revision: number;
  private dirty = false;
  private inFlight: Promise<void> | null = null;
  private debounce: ReturnType<typeof setTimeout> | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private stopped = false;
  private status: SaveStatus = 'idle';
  private readonly debounceMs: number;

  constructor(private readonly options: AutoSaverOptions) {
    this.revision = options.revision;
    this.debounceMs = options.debounceMs ?? 1_500;
  }

  get hasUnsavedChanges(): boolean {
    return this.dirty || this.inFlight !== null;
  }

  private setStatus(status: SaveStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus(status);
  }

  private keepLocalCopy(): void {
    const snapshot = this.options.snapshot();
    this.options.store.write({ ...snapshot, baseRevision: this.revision, changedAt: new Date().toISOString() });
  }

  /** Answers or the page changed; `immediate` on a page change, debounced while typing. */
  changed(immediate: boolean): void {
    if (this.stopped) return;
    this.dirty = true;
    this.keepLocalCopy();
    if (this.status !== 'retrying') this.setStatus('pending');
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    if (this.retry) return; // the retry timer sends everything when it fires
    if (immediate) void this.saveNow();
    else this.debounce = setTimeout(() => void this.saveNow(), this.debounceMs);
  }

  /** Sends what is unsaved; resolves when nothing is in flight any more. */
  async saveNow(keepalive = false): Promise<void> {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    if (this.inFlight) {
      await this.inFlight;
      if (this.dirty && !this.retry && !this.stopped) await this.saveNow(keepalive);
      return;
    }
    if (!this.dirty || this.stopped) return;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const snapshot = this.options.snapshot();
    const sentRevision = this.revision;
    this.dirty = false;
    if (this.status !== 'retrying') this.setStatus('saving');
    this.inFlight = this.send(snapshot, sentRevision, keepalive).finally(() => {
      this.inFlight = null;
    });
    await this.inFlight;
    if (this.dirty && !this.retry && !this.stopped) await this.saveNow(keepalive);
  }

  private async send(snapshot: Snapshot, sentRevision: number, keepalive: boolean): Promise<void> {
    try {
      const result = await this.options.api.save(snapshot.data, snapshot.currentPage, sentRevision, keepalive);
      if ('error' in result) {
        this.revision = result.revision;
        // Our own earlier save whose answer got lost on the way reads as "stale" but holds our answers.
        if (sameAnswers(result.data, snapshot.data)) {
          if (result.currentPage !== snapshot.currentPage) this.dirty = true;
          if (this.dirty) this.keepLocalCopy();
          else {
            this.options.store.clear();
            this.setStatus('saved');
          }
          return;
        }
        this.dirty = false;
        this.options.store.clear();
        this.options.onStale(result);
        this.setStatus('saved');
        return;
      }
      this.revision = result.revision;
      this.attempt = 0;
      if (this.dirty) this.keepLocalCopy();
      else {
        this.options.store.clear();
        this.setStatus('saved');
      }
    } catch (error) {
      if (error instanceof Unreachable) {
        this.dirty = true;
        this.keepLocalCopy();
        this.setStatus('retrying');
        this.scheduleRetry();
        return;
      }
      this.setStatus('failed');
      this.options.onRejected(error instanceof Refused ? error : new Refused(0, 'unknown', 'Er ging iets mis bij het opslaan.', {}));
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retry) return;
    const delay = RETRY_DELAYS_MS[Math.min(this.attempt, RETRY_DELAYS_MS.length - 1)]!;
    this.attempt++;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.saveNow();
    }, delay);
  }

  /** Try again now (the browser came back online). */
  retryNow(): void {
    if (!this.retry) return;
    clearTimeout(this.retry);
    this.retry = null;
    void this.saveNow();
  }

  /** The page is being hidden or closed: send what is unsaved with keepalive, so it outlives the page. */
  flush(): void {
    if (this.dirty && !this.inFlight && !this.stopped) {
      if (this.retry) clearTimeout(this.retry);
      this.retry = null;
      void this.saveNow(true);
    }
  }

  /** Waits until every change is saved (or failed); for completing. */
  async settle(): Promise<void> {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    await this.saveNow();
  }

  /** After `stale`, answers are replaced from outside: they are the server's, not unsaved. */
  replaced(revision: number): void {
    this.revision = revision;
    this.dirty = false;
    this.options.store.clear();
    this.setStatus('saved');
  }

  stop(): void {
    this.stopped = true;
    if (this.debounce) clearTimeout(this.debounce);
    if (this.retry) clearTimeout(this.retry);
    this.debounce = null;
    this.retry = null;
  }
}
