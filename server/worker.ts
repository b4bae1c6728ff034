import { randomBytes } from 'node:crypto';
import type { AreaDeps } from './area';
import type { Clock } from './clock';
import { inboundSmtpTask, inboundTasks } from './inbound/tasks';
import { mailTasks, type MailTaskOptions } from './mailings/tasks';
import { personMailTasks } from './persons/tasks';
import { retentionPurgeTask } from './privacy/tasks';
import { errorName, type PeriodicTask, type WorkerLog } from './tasks';

export { errorName, type PeriodicTask, type TaskContext, type WorkerLog, type WorkerLogLevel } from './tasks';

/**
 * A small runner for periodic background tasks (the outbox, due waves, retention purges). It
 * runs in the server process (main.ts starts it when RUN_WORKER is true); several processes may
 * run one each, so tasks must be safe to run concurrently with themselves elsewhere (claim rows
 * with FOR UPDATE SKIP LOCKED).
 *
 * Time comes from the injected Clock: a task is due `intervalMs` of clock time after its last run,
 * so a test moves a ManualClock and calls `runDue()` or `drain()` instead of waiting. `start()`
 * only adds a real timer that calls `runDue()` every `pollMs` real milliseconds.
 */
export interface WorkerOptions {
  clock: Clock;
  /** Real milliseconds between checks for due tasks when started (default 1000). */
  pollMs?: number;
  /** Where task failures go. Never pass personal data in `fields`. */
  log?: WorkerLog;
  /** Identifies this worker's claims (default: random per process). */
  id?: string;
}

interface Entry {
  task: PeriodicTask;
  nextAt: number;
}

export class Worker {
  readonly id: string;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #log: WorkerLog;
  readonly #entries: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #abort = new AbortController();
  #stopped = false;

  constructor(options: WorkerOptions) {
    this.#clock = options.clock;
    this.#pollMs = options.pollMs ?? 1000;
    this.#log = options.log ?? (() => {});
    this.id = options.id ?? `worker-${randomBytes(6).toString('hex')}`;
  }

  register(...tasks: PeriodicTask[]): this {
    for (const task of tasks) {
      if (this.#entries.some((e) => e.task.name === task.name)) throw new Error(`task ${task.name} is registered twice`);
      this.#entries.push({ task, nextAt: -Infinity });
    }
    return this;
  }

  get taskNames(): string[] {
    return this.#entries.map((e) => e.task.name);
  }

  /**
   * Runs every task that is due by the clock, once each, in registration order. Returns whether
   * any task said more work is waiting. Concurrent calls share one pass.
   */
  runDue(): Promise<boolean> {
    return this.#exclusive(() => this.#pass(false));
  }

  /** Runs every task once, due or not (tests; "send now"). */
  runAll(): Promise<boolean> {
    return this.#exclusive(() => this.#pass(true));
  }

  /** Runs all tasks until none reports more work (tests). */
  async drain(maxPasses = 1000): Promise<void> {
    let more = await this.runAll();
    for (let i = 0; more && i < maxPasses; i++) more = await this.runAll();
  }

  /** Starts the real-time loop. */
  start(): void {
    if (this.#stopped || this.#timer) return;
    const tick = async () => {
      this.#timer = undefined;
      let more = false;
      try {
        more = await this.runDue();
      } catch {
        // runDue reports task failures itself
      }
      if (!this.#stopped) this.#timer = setTimeout(tick, more ? 0 : this.#pollMs);
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Stops the loop, lets the current pass finish, and closes the tasks. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
    for (const { task } of this.#entries) {
      try {
        await task.close?.();
      } catch (error) {
        this.#log('task close failed', { task: task.name, error: errorName(error) });
      }
    }
  }

  async #exclusive(work: () => Promise<boolean>): Promise<boolean> {
    while (this.#running) await this.#running.catch(() => {});
    const promise = work();
    this.#running = promise.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await promise;
    } finally {
      this.#running = undefined;
    }
  }

  async #pass(all: boolean): Promise<boolean> {
    let more = false;
    for (const entry of this.#entries) {
      if (this.#stopped) break;
      const now = this.#clock.now();
      if (!all && now.getTime() < entry.nextAt) continue;
      let again = false;
      try {
        again = (await entry.task.run({ now, signal: this.#abort.signal })) === true;
      } catch (error) {
        this.#log('background task failed', { task: entry.task.name, error: errorName(error) });
      }
      entry.nextAt = again ? -Infinity : this.#clock.now().getTime() + entry.task.intervalMs;
      more ||= again;
    }
    return more;
  }
}

export interface WorkerDeps extends AreaDeps {
  log?: WorkerLog;
  pollMs?: number;
  /** Options for the mail tasks (transport, retry policy, lease); tests shorten them. The mail
   * tasks log to `log` unless these options bring their own. */
  mail?: MailTaskOptions;
  id?: string;
}

/**
 * The server's worker with every area's periodic tasks. One line per area, like the routes in
 * app.ts: `worker.register(...yourTasks(deps))`.
 */
export function buildWorker(deps: WorkerDeps): Worker {
  const worker = new Worker({ clock: deps.clock, pollMs: deps.pollMs, log: deps.log, id: deps.id });
  worker.register(...mailTasks(deps, worker.id, { log: deps.log, ...deps.mail }));
  worker.register(retentionPurgeTask(deps));
  worker.register(...personMailTasks(deps));
  worker.register(...inboundTasks(deps, deps.log), ...inboundSmtpTask(deps, deps.log));
  return worker;
}
