/**
 * What an area hands the worker (server/worker.ts): its periodic tasks. Areas export tasks typed
 * with these and never import the worker; `buildWorker` collects them, one line per area.
 */
export interface TaskContext {
  now: Date;
  /** Aborted when the worker stops: finish what is in hand and return. */
  signal: AbortSignal;
}

export interface PeriodicTask {
  /** Short, unique, for logs (`outbox`, `retention-purge`). */
  name: string;
  /** Clock time between runs when the last run found nothing more to do. */
  intervalMs: number;
  /** One bounded unit of work; return true when more is waiting, to run again right away. */
  run(context: TaskContext): Promise<boolean | void>;
  /** Releases resources (connections) when the worker stops. */
  close?(): Promise<void> | void;
}

/**
 * Where background work reports. `level` defaults to 'error'; retries and takeovers are 'warn',
 * recoveries 'info'. Never pass personal data (addresses, tokens) in `fields`.
 */
export type WorkerLog = (message: string, fields?: Record<string, unknown>, level?: WorkerLogLevel) => void;
export type WorkerLogLevel = 'error' | 'warn' | 'info';

/** An error's kind without its message: messages can carry addresses or values. */
export function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; name?: unknown };
    return [e.name, e.code].filter((v) => typeof v === 'string').join(' ') || 'Error';
  }
  return typeof error;
}
