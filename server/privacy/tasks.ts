import type { AreaDeps } from '../area';
import { purgeExpiredRounds } from './retention';

/**
 * The retention purge as a periodic background task: `worker.register(retentionPurgeTask(deps))`
 * in the worker's buildWorker (server/worker.ts). The shape matches the worker's PeriodicTask
 * (name, intervalMs, run({ now })); it is declared here so this area does not depend on the worker.
 * Hourly is plenty: retention dates are whole days, and each round is purged once.
 */
export const RETENTION_PURGE_INTERVAL_MS = 60 * 60 * 1000;

export function retentionPurgeTask(deps: Pick<AreaDeps, 'db'>) {
  return {
    name: 'retention-purge',
    intervalMs: RETENTION_PURGE_INTERVAL_MS,
    async run({ now }: { now: Date }): Promise<boolean> {
      await purgeExpiredRounds(deps.db, now);
      return false;
    },
  };
}
