import type { Kysely } from 'kysely';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Database } from './db/database';
import type { DB } from './db/types';

/** What every area's routes plugin receives from buildApp. */
export interface AreaDeps {
  db: Kysely<DB>;
  database: Database;
  clock: Clock;
  config: Config;
}
