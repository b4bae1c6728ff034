import { loadConfig } from '../config';
import { openDatabase } from './database';
import { currentMigration, migrateToLatest } from './migrator';

/** `npm run migrate`: applies pending migrations to the configured database and exits. */
const config = loadConfig();
const database = await openDatabase(config);
try {
  const applied = await migrateToLatest(database.db);
  const current = await currentMigration(database.db);
  console.log(
    applied.length ? `Applied ${applied.join(', ')}.` : 'Nothing to apply.',
    `Database (${database.kind}) is at ${current ?? 'no migration'}.`,
  );
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await database.close();
}
