import { lockDatabaseWide } from '../db/locks';
import type { AreaDeps } from '../area';
import { errorName, type PeriodicTask, type WorkerLog } from '../tasks';
import {
  buildOutgoing,
  claimDue,
  claimedSkipReason,
  DEFAULT_RETRY,
  renewClaims,
  ResultRecorder,
  retryDelay,
  type ClaimedMessage,
  type DeliveryResult,
  type RetryPolicy,
  type SendFailure,
} from './outbox';
import { hasLimits, sendBudget } from './throttle';
import type { RelayLimits } from '../../contract/api/mailings';
import { transportFromConfig, type MailTransport } from './transport';
import { fanOutDueMailings, finishMailings } from './waves';

export interface MailTaskOptions {
  /** Default: SMTP_URL's pooled transport, or capture without it. */
  transport?: MailTransport;
  retry?: RetryPolicy;
  /** A claim not renewed for this long (clock time) is taken over. Default: MAIL_LEASE_SECONDS. */
  leaseMs?: number;
  /** Real milliseconds between renewals of the claims in hand. Default: MAIL_HEARTBEAT_SECONDS. */
  heartbeatMs?: number;
  /** Real-time bound on one run of the outbox task, so other tasks get their turn. */
  runBudgetMs?: number;
  /** Messages in flight at once (default: the transport's). */
  concurrency?: number;
  /**
   * At most this many mails handed to the relay whose result is not recorded yet: the most a
   * crash can send twice. Default: twice the transport's connections (10 for the SMTP pool).
   */
  maxUnrecorded?: number;
  log?: WorkerLog;
}

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

/** The relay's code or the error's kind, without the text (which may quote the address). */
export function failureReason(outcome: SendFailure): string {
  const code = outcome.response?.match(/^\d{3}(?:[ -]\d\.\d{1,3}\.\d{1,3})?/)?.[0];
  const kind = outcome.error.split(':')[0]!.replace(/[^A-Za-z0-9 _-]/g, '').slice(0, 40);
  return code ? `${kind} ${code}` : kind;
}

/**
 * Sends due outbox rows: claims a batch, sends it through the (pooled) transport while claiming
 * the next, and records each outcome as it comes. Obeys the relay limits; stops early when the
 * relay cannot be reached, so an outage costs one attempt per row in flight and no more.
 *
 * Under faults:
 * - While it has rows in hand, a heartbeat renews their claims every `heartbeatMs`, so only the
 *   claims of a worker that stopped (its process died) run out and are taken over.
 * - A result that cannot be written (the database is gone) is kept in memory and written when the
 *   database answers again, before anything new is claimed; meanwhile nothing more is sent, and
 *   rows not yet sent are given back. The worker never takes back a row it still has in hand, and
 *   takes over other workers' claims only after it has reached the database for two heartbeats
 *   in a row (so after an outage the others can renew theirs first).
 * - Every failed delivery, retry, takeover and unrecorded result is logged, without addresses.
 */
export function outboxTask(deps: AreaDeps, workerId: string, options: MailTaskOptions = {}): PeriodicTask {
  const transport = options.transport ?? transportFromConfig(deps.config);
  const retry = options.retry ?? DEFAULT_RETRY;
  const leaseMs = options.leaseMs ?? deps.config.mailLeaseMs;
  const heartbeatMs = options.heartbeatMs ?? deps.config.mailHeartbeatMs;
  const runBudgetMs = options.runBudgetMs ?? 10_000;
  const concurrency = Math.max(1, options.concurrency ?? transport.concurrency);
  const maxUnrecorded = Math.max(1, options.maxUnrecorded ?? (transport.connections ? 2 * transport.connections : concurrency));
  const limits = relayLimits(deps.config);
  const who = { secret: deps.config.secret, publicUrl: deps.config.publicUrl, mailFrom: deps.config.mailFrom, bounceAddress: deps.config.bounceAddress };
  const log: WorkerLog = options.log ?? (() => {});
  const { db, clock } = deps;
  const results = new ResultRecorder(db, workerId, transport.kind, retry);

  /** Claimed rows in hand whose result has not gone to the recorder yet. */
  const inHand = new Set<number>();
  const held = () => [...inHand, ...results.keptIds()];
  /**
   * When each claim in hand was last confirmed in the database (claimed or renewed), in real
   * time: a stall is a real-time event, and a compressed clock (the demo) must not make every
   * claim look stale.
   */
  const confirmed = new Map<number, number>();

  // Since when this worker has reached the database without a failure (clock ms), or null.
  let healthySince: number | null = null;
  const databaseAnswered = () => {
    if (healthySince === null) healthySince = clock.now().getTime();
  };
  const databaseFailed = () => {
    healthySince = null;
  };
  const mayTakeOverOthers = (now: Date) => healthySince !== null && now.getTime() - healthySince >= 2 * heartbeatMs;

  // The send gate: mails handed to the relay and not yet recorded.
  let unrecorded = 0;
  const gateWaiters: Array<() => void> = [];
  const enterGate = async () => {
    while (unrecorded >= maxUnrecorded) await new Promise<void>((resolve) => gateWaiters.push(resolve));
    unrecorded++;
  };
  const leaveGate = () => {
    unrecorded--;
    gateWaiters.shift()?.();
  };

  let keptReported = false;
  async function record(result: DeliveryResult): Promise<boolean> {
    const recorded = await results.record(result);
    inHand.delete(result.id);
    if (recorded) {
      databaseAnswered();
    } else {
      databaseFailed();
      log('outbox result not recorded: kept in memory, written when the database answers again', {
        message: result.id,
        result: result.kind,
        kept: results.kept,
        error: errorName(results.lastError),
      });
    }
    return recorded;
  }

  /** Writes the kept results; false while the database still cannot take them. */
  async function retryKept(): Promise<boolean> {
    if (results.kept === 0) return true;
    const kept = results.kept;
    try {
      const written = await results.retryKept();
      databaseAnswered();
      keptReported = false;
      if (written) log('outbox results recorded after the database came back', { results: written }, 'warn');
      return true;
    } catch (error) {
      databaseFailed();
      if (!keptReported) {
        keptReported = true;
        log('outbox results still not recorded; retrying', { kept, error: errorName(error) });
      }
      return false;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let beating = false;
  let beatFailing = false;
  async function heartbeat(): Promise<void> {
    if (beating) return;
    beating = true;
    try {
      if (!(await retryKept())) return;
      const ids = held();
      if (ids.length === 0) return;
      try {
        const at = performance.now();
        for (const id of await renewClaims(db, workerId, ids, clock.now())) if (confirmed.has(id)) confirmed.set(id, at);
        databaseAnswered();
        if (beatFailing) log('outbox heartbeat works again', { claims: ids.length }, 'info');
        beatFailing = false;
      } catch (error) {
        databaseFailed();
        if (!beatFailing) log('outbox heartbeat failed: claims are renewed when the database answers', { claims: ids.length, error: errorName(error) });
        beatFailing = true;
      }
    } finally {
      beating = false;
    }
  }
  const startHeartbeat = () => {
    if (timer || closed) return;
    timer = setInterval(() => void heartbeat(), heartbeatMs);
    timer.unref();
  };

  type Delivery = 'sent' | 'skipped' | 'failed' | 'unreachable' | 'released' | 'unrecorded';

  async function deliver(m: ClaimedMessage): Promise<Delivery> {
    const now = clock.now();
    const skip = claimedSkipReason(m, now);
    if (skip) return (await record({ kind: 'skipped', id: m.id, reason: skip })) ? 'skipped' : 'unrecorded';
    await enterGate();
    try {
      if (results.kept > 0) {
        // Results cannot be recorded right now: send nothing whose result could not be recorded.
        return (await record({ kind: 'released', id: m.id })) ? 'released' : 'unrecorded';
      }
      if (performance.now() - (confirmed.get(m.id) ?? 0) > leaseMs) {
        // Not renewed for a whole lease (this process stalled, or the database was away): another
        // worker may have taken the row over, so it is not sent from here. The release only
        // applies if the row is still this worker's.
        log('outbox claim ran out before its mail was sent: given back unsent', { message: m.id }, 'warn');
        return (await record({ kind: 'released', id: m.id })) ? 'released' : 'unrecorded';
      }
      const outcome = await transport.send(buildOutgoing(m, who));
      if (outcome.ok) return (await record({ kind: 'sent', id: m.id, response: outcome.response, at: clock.now() })) ? 'sent' : 'unrecorded';
      const at = clock.now();
      const reason = failureReason(outcome);
      if (outcome.permanent) {
        log('outbox delivery refused for good: address marked bounced', { message: m.id, attempt: m.attempts, reason }, 'warn');
      } else if (m.attempts >= retry.maxAttempts) {
        log('outbox delivery failed for good: attempts used up', { message: m.id, attempt: m.attempts, reason });
      } else {
        const retryInSeconds = Math.round(retryDelay(m.attempts, retry) / 1000);
        log('outbox delivery failed, will retry', { message: m.id, attempt: m.attempts, reason, retryInSeconds }, 'warn');
      }
      if (!(await record({ kind: 'failed', id: m.id, attempts: m.attempts, outcome, at }))) return 'unrecorded';
      return !outcome.permanent && outcome.connection ? 'unreachable' : 'failed';
    } finally {
      leaveGate();
    }
  }

  // After the relay was unreachable, only probe it now and then instead of spending an attempt
  // of every due row on it.
  let pausedUntil = 0;
  let outages = 0;

  return {
    name: 'outbox',
    intervalMs: 1000,
    async run({ signal, now: runAt }) {
      startHeartbeat();
      // What could not be recorded goes first; nothing new while the database cannot take it.
      if (!(await retryKept())) return false;
      if (runAt.getTime() < pausedUntil) return false;
      const startedAt = Date.now();
      let inflight = 0;
      // One promise per "a delivery finished", instead of racing every promise in flight.
      let wake: () => void = () => {};
      let finished = new Promise<void>((resolve) => (wake = resolve));
      let exhausted = false;
      let unreachable = false;
      let troubled = false;
      let budgetLeft = true;
      let claimedAny = false;
      const refill = Math.max(1, Math.floor(concurrency / 2));
      for (;;) {
        const stopping = signal.aborted || unreachable || troubled || results.kept > 0 || Date.now() - startedAt > runBudgetMs;
        const free = concurrency - inflight;
        if (!stopping && !exhausted && free >= Math.min(refill, concurrency)) {
          const now = clock.now();
          let limit = free;
          let claimed: ClaimedMessage[] = [];
          // Before the claim: its lease counts from no later than this.
          const claimedAt = performance.now();
          const claim = { workerId, now, leaseMs, held: held(), takeOverOthers: mayTakeOverOthers(now) };
          try {
            if (hasLimits(limits)) {
              // Budget and claim under one lock, so that workers in several processes share the
              // relay's limits instead of each spending all of them.
              ({ limit, claimed } = await db.transaction().execute(async (trx) => {
                await lockDatabaseWide(trx, 'mailThrottle');
                const budget = await sendBudget(trx, limits, now);
                budgetLeft = budget > free;
                const n = Math.min(free, budget);
                return { limit: n, claimed: n > 0 ? await claimDue(trx, { ...claim, limit: n }) : [] };
              }));
            } else {
              claimed = await claimDue(db, { ...claim, limit });
            }
            databaseAnswered();
          } catch (error) {
            // The claim may or may not have committed; if it did, the rows come back to this
            // worker (or another) once their lease runs out, unsent.
            databaseFailed();
            troubled = true;
            log('outbox claim failed', { error: errorName(error) });
          }
          if (claimed.length < limit || limit === 0) exhausted = true;
          if (claimed.length) claimedAny = true;
          const taken = claimed.filter((m) => m.taken_from !== null);
          if (taken.length) {
            log(
              'outbox claims taken over after their lease ran out',
              { claims: taken.length, own: taken.filter((m) => m.taken_from === workerId).length, from: [...new Set(taken.map((m) => m.taken_from))] },
              'warn',
            );
          }
          for (const m of claimed) {
            inflight++;
            inHand.add(m.id);
            confirmed.set(m.id, claimedAt);
            void deliver(m)
              .then((result) => {
                if (result === 'unreachable') unreachable = true;
                if (result === 'unrecorded') troubled = true;
              })
              .catch((error: unknown) => {
                // Not expected (results are kept, not thrown); the row is no longer in hand, so its
                // claim runs out and it is taken back after the lease.
                log('outbox delivery failed unexpectedly', { message: m.id, error: errorName(error) });
              })
              .finally(() => {
                inHand.delete(m.id);
                confirmed.delete(m.id);
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
      return !exhausted && !unreachable && !troubled && budgetLeft && !signal.aborted;
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      // A last chance for results the database could not take.
      await retryKept();
      transport.close();
    },
  };
}

export function mailTasks(deps: AreaDeps, workerId: string, options: MailTaskOptions = {}): PeriodicTask[] {
  return [wavesTask(deps), outboxTask(deps, workerId, options)];
}
