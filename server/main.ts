import type { FastifyInstance } from 'fastify';
import { issueSetupToken } from './auth/setup';
import { buildApp } from './app';
import { systemClock } from './clock';
import { ConfigError, loadConfig } from './config';
import { DatabaseLockedError, openDatabase, type Database } from './db/database';
import { migrateToLatest } from './db/migrator';
import { restrictFileCreation } from './files';
import { buildWorker, type Worker } from './worker';

/** Reads config, opens and migrates the database, listens. Nothing else lives here. */
async function main() {
  // Before anything is written: the data folder, the secret and the database are owner-only.
  restrictFileCreation();
  const config = loadConfig();
  let database: Database | undefined;
  let app: FastifyInstance | undefined;
  let worker: Worker | undefined;
  let startup: Promise<unknown> = Promise.resolve();
  let closing = false;

  // Ctrl-C during start waits for the current step (a migration runs in a transaction) and then
  // closes the database cleanly, so the data folder stays usable.
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`\n${signal} received, stopping…`);
    await startup.catch(() => {});
    await worker?.stop().catch(() => {});
    await app?.close().catch(() => {});
    await database?.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const step = async <T>(work: () => Promise<T>): Promise<T> => {
    const promise = work();
    startup = promise;
    const result = await promise;
    if (closing) await new Promise(() => {}); // shutdown takes over
    return result;
  };

  database = await step(() => openDatabase(config));
  const db = database;
  await step(() => migrateToLatest(db.db));
  app = await step(() => buildApp(config, { database: db, clock: systemClock }));
  const listening = app;
  await step(() => listening.listen({ port: config.port, host: config.host }));

  if (config.runWorker) {
    worker = buildWorker({
      db: db.db,
      database: db,
      clock: systemClock,
      config,
      // Also the mail worker's log: delivery failures, retries, takeovers, unrecorded results.
      log: (message, fields, level = 'error') => listening.log[level](fields ?? {}, message),
    });
    worker.start();
  }

  const where = database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL';
  console.log(`Meetronde is running at ${config.publicUrl}/ (${where}).`);
  const setupToken = await step(() => issueSetupToken(db.db, systemClock.now()));
  if (setupToken) {
    console.log('\nNo admin account yet. Create the first one with this one-time link:');
    console.log(`  ${config.publicUrl}/admin/setup?token=${setupToken}\n`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DatabaseLockedError) {
    console.error(`Meetronde cannot start: ${error.message}`);
  } else {
    console.error('Meetronde cannot start:', error);
  }
  process.exit(1);
});
