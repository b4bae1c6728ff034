import { ManualClock } from '../../server/clock';
import type { Config } from '../../server/config';
import type { Database } from '../../server/db/database';
import type { MailTaskOptions } from '../../server/mailings/tasks';
import { buildWorker, type Worker } from '../../server/worker';
import { testConfig } from './app';

/**
 * A worker with the server's tasks on a test database and a ManualClock: tests move the clock
 * and call `drain()` instead of waiting.
 */
export function makeTestWorker(
  database: Database,
  options: { clock?: ManualClock; config?: Partial<Config>; mail?: MailTaskOptions; id?: string } = {},
): { worker: Worker; clock: ManualClock; config: Config } {
  const clock = options.clock ?? new ManualClock();
  const config = testConfig(options.config);
  const worker = buildWorker({
    db: database.db,
    database,
    clock,
    config,
    id: options.id,
    mail: { retry: { baseMs: 60_000, maxMs: 600_000, maxAttempts: 5 }, ...options.mail },
  });
  return { worker, clock, config };
}
