import { sql } from 'kysely';
import type { AreaDeps } from '../area';
import type { PeriodicTask, WorkerLog } from '../worker';
import {
  buildOutgoing,
  claimDue,
  claimedSkipReason,
  DEFAULT_RETRY,
  recordFailure,
  recordSkipped,
  SentRecorder,
  type ClaimedMessage,
  type RetryPolicy,
} from './outbox';
import { hasLimits, sendBudget, type RelayLimits } from './throttle';
import { transportFromConfig, type MailTransport } from './transport';
import { fanOutDueMailings, finishMailings } from './waves';

export interface MailTaskOptions {
  /** Default: SMTP_URL's pooled transport, or capture without it. */
  transport?: MailTransport;
  retry?: RetryPolicy;
  /** A claim older than this (clock time) is taken over by another worker. Default 10 minutes. */
  leaseMs?: number;
  /** Real-time bound on one run of the outbox task, so other tasks get their turn. */
  runBudgetMs?: number;
  /** Messages in flight at once (default: the transport's). */
  concurrency?: number;
  log?: WorkerLog;
}

/** Advisory lock key of the throttle (one per database). */
const THROTTLE_LOCK = 7_265_061;

export function relayLimits(config: AreaDeps['config']): RelayLimits {
  return { perMinute: config.mailPerMinute, perHour: config.mailPerHour, perDay: config.mailPerDay };
}

/** Due waves become outbox rows; finished waves are marked sent. */
export function wavesTask(deps: AreaDeps): PeriodicTask {
  return {
    name: 'mail-waves',
    intervalMs: 15_000,
    async run({ now }) {
      const fanned = await fanOutDueMailings(deps.db, now, deps.config.mailFrom);
      await finishMailings(deps.db, now);
      // Run again soon after a fan-out: more waves may be due, and the new rows' wave is marked
      // sent once the outbox has sent them.
      return fanned.length > 0;
    },
  };
}

/**
 * Sends due outbox rows: claims a batch, sends it through the (pooled) transport while claiming
 * the next, and records each outcome as it comes. Obeys the relay limits; stops early when the
 * relay cannot be reached, so an outage costs one attempt per row in flight and no more.
 */
export function outboxTask(deps: AreaDeps, workerId: string, options: MailTaskOptions = {}): PeriodicTask {
  const transport = options.transport ?? transportFromConfig(deps.config);
  const retry = options.retry ?? DEFAULT_RETRY;
  const leaseMs = options.leaseMs ?? 600_000;
  const runBudgetMs = options.runBudgetMs ?? 10_000;
  const concurrency = Math.max(1, options.concurrency ?? transport.concurrency);
  const limits = relayLimits(deps.config);
  const who = { secret: deps.config.secret, publicUrl: deps.config.publicUrl, mailFrom: deps.config.mailFrom, bounceAddress: deps.config.bounceAddress };
  const { db, clock } = deps;
  const recorder = new SentRecorder(db, workerId, transport.kind);

  async function deliver(m: ClaimedMessage): Promise<'sent' | 'skipped' | 'failed' | 'unreachable'> {
    const now = clock.now();
    const skip = claimedSkipReason(m, now);
    if (skip) {
      await recordSkipped(db, m.id, workerId, skip);
      return 'skipped';
    }
    const outcome = await transport.send(buildOutgoing(m, who));
    if (outcome.ok) {
      await recorder.record(m.id, outcome.response, clock.now());
      return 'sent';
    }
    await recordFailure(db, m, outcome, { workerId, now: clock.now(), transport: transport.kind, retry });
    return !outcome.permanent && outcome.connection ? 'unreachable' : 'failed';
  }

  // After the relay was unreachable, only probe it now and then instead of spending an attempt
  // of every due row on it.
  let pausedUntil = 0;
  let outages = 0;

  return {
    name: 'outbox',
    intervalMs: 1000,
    async run({ signal, now: runAt }) {
      if (runAt.getTime() < pausedUntil) return false;
      const startedAt = Date.now();
      let inflight = 0;
      // One promise per "a delivery finished", instead of racing every promise in flight.
      let wake: () => void = () => {};
      let finished = new Promise<void>((resolve) => (wake = resolve));
      let exhausted = false;
      let unreachable = false;
      let budgetLeft = true;
      let claimedAny = false;
      const refill = Math.max(1, Math.floor(concurrency / 2));
      for (;;) {
        const stopping = signal.aborted || unreachable || Date.now() - startedAt > runBudgetMs;
        const free = concurrency - inflight;
        if (!stopping && !exhausted && free >= Math.min(refill, concurrency)) {
          const now = clock.now();
          let limit = free;
          let claimed: ClaimedMessage[];
          if (hasLimits(limits)) {
            // Budget and claim under one lock, so that workers in several processes share the
            // relay's limits instead of each spending all of them.
            ({ limit, claimed } = await db.transaction().execute(async (trx) => {
              await sql`select pg_advisory_xact_lock(${THROTTLE_LOCK})`.execute(trx);
              const budget = await sendBudget(trx, limits, now);
              budgetLeft = budget > free;
              const n = Math.min(free, budget);
              return { limit: n, claimed: n > 0 ? await claimDue(trx, { workerId, limit: n, now, leaseMs }) : [] };
            }));
          } else {
            claimed = await claimDue(db, { workerId, limit, now, leaseMs });
          }
          if (claimed.length < limit || limit === 0) exhausted = true;
          if (claimed.length) claimedAny = true;
          for (const m of claimed) {
            inflight++;
            void deliver(m)
              .then((result) => {
                if (result === 'unreachable') unreachable = true;
              })
              .catch((error: unknown) => {
                options.log?.('outbox delivery failed', { error: error instanceof Error ? error.name : 'Error' });
              })
              .finally(() => {
                inflight--;
                wake();
              });
          }
        }
        if (inflight === 0) break;
        await finished;
        finished = new Promise<void>((resolve) => (wake = resolve));
      }
      if (unreachable) {
        outages++;
        pausedUntil = clock.now().getTime() + Math.min(300_000, 15_000 * 2 ** Math.min(outages - 1, 5));
      } else if (claimedAny) {
        outages = 0;
        pausedUntil = 0;
      }
      // More is waiting when this run stopped for its time budget rather than for lack of work.
      return !exhausted && !unreachable && budgetLeft && !signal.aborted;
    },
    close() {
      transport.close();
    },
  };
}

export function mailTasks(deps: AreaDeps, workerId: string, options: MailTaskOptions = {}): PeriodicTask[] {
  return [wavesTask(deps), outboxTask(deps, workerId, options)];
}
