import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { openPostgres, wrapPGlite, type DatabaseKind } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrator';
import { buildReportReplica, type ReplicaRounds } from '../../server/demo/replica';
import { createTestDatabase, describeEachDatabase, testDatabaseUrl, type TestDatabase } from './db';

/**
 * The IMAGE report replica (server/demo/replica.ts) as a template, built at most once per run and
 * database kind, then copied into each test file's fresh database (PGlite: a data-directory
 * tarball; PostgreSQL: `create database … template`). Building it costs ~25 CPU seconds per
 * database; report-replica.test.ts and e2e/report.test.ts need it on both databases.
 *
 * The first file that asks builds it (in its own worker, beside the other files) while later ones
 * wait for it: a lock file in the run's scratch folder (global-setup) says who builds, a result
 * file written when done (or failed) says what was built. A failed build fails every file that
 * asked for it, with the builder's error. global-setup drops the PostgreSQL template at the end.
 * Under `vitest` (watch mode) the template lives as long as the watcher: restart it after changing
 * server/demo/replica.ts.
 */

/** The `now` the replica is built with, in every file (its slug and invitation tokens derive from it). */
export const REPLICA_NOW = new Date('2026-03-01T09:00:00Z');

interface Built {
  rounds?: ReplicaRounds;
  error?: string;
}

const WAIT_MS = 400_000;

function scratch(): { dir: string; postgresName: string } {
  const dir = inject('runDir');
  const postgresName = inject('replicaPostgresTemplate');
  if (!dir) throw new Error('no runDir: the replica template needs tests/helpers/global-setup.ts');
  return { dir, postgresName };
}

async function buildTemplate(kind: DatabaseKind, dir: string, postgresName: string): Promise<ReplicaRounds> {
  if (kind === 'pglite') {
    const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]) });
    const database = wrapPGlite(pglite);
    try {
      await migrateToLatest(database.db);
      const rounds = await buildReportReplica(database.db, REPLICA_NOW);
      const blob = await pglite.dumpDataDir('none');
      const file = path.join(dir, 'replica-pglite.tar');
      writeFileSync(`${file}.tmp`, Buffer.from(await blob.arrayBuffer()));
      renameSync(`${file}.tmp`, file);
      return rounds;
    } finally {
      await database.close();
    }
  }
  // PostgreSQL: a database of its own (dropped by global-setup's teardown), closed before it is copied.
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${postgresName} template ${inject('postgresTemplate')}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testDatabaseUrl);
  url.pathname = '/' + postgresName;
  const database = openPostgres(url.toString(), { max: 4 });
  try {
    await migrateToLatest(database.db);
    return await buildReportReplica(database.db, REPLICA_NOW);
  } finally {
    await database.close();
  }
}

function readBuilt(file: string): Built | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Built) : undefined;
}

/** Builds the kind's template (first caller of the run) or waits for it; returns its round ids. */
async function replicaTemplate(kind: DatabaseKind): Promise<ReplicaRounds> {
  const { dir, postgresName } = scratch();
  const resultFile = path.join(dir, `replica-${kind}.json`);
  let builder = false;
  try {
    closeSync(openSync(path.join(dir, `replica-${kind}.lock`), 'wx'));
    builder = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (builder) {
    let built: Built;
    try {
      built = { rounds: await buildTemplate(kind, dir, postgresName) };
    } catch (error) {
      built = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    writeFileSync(`${resultFile}.tmp`, JSON.stringify(built));
    renameSync(`${resultFile}.tmp`, resultFile);
  }
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const built = readBuilt(resultFile);
    if (built?.error) throw new Error(`building the report replica on ${kind} failed:\n${built.error}`);
    if (built?.rounds) return built.rounds;
    if (Date.now() > deadline) throw new Error(`the report replica on ${kind} was not built within ${WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A fresh database holding the report replica (a copy of the run's template), and its rounds. */
export async function createReplicaDatabase(kind: DatabaseKind): Promise<{ database: TestDatabase; rounds: ReplicaRounds }> {
  const rounds = await replicaTemplate(kind);
  const { dir, postgresName } = scratch();
  const database =
    kind === 'pglite'
      ? await createTestDatabase('pglite', { pgliteDataDir: new Blob([readFileSync(path.join(dir, 'replica-pglite.tar'))]) })
      : await createTestDatabase('postgres', { postgresTemplate: postgresName });
  return { database, rounds };
}

/** describeEachDatabase on a copy of the replica: `getRounds()` gives its round ids. */
export function describeEachReplicaDatabase(name: string, suite: (getDatabase: () => TestDatabase, getRounds: () => ReplicaRounds, kind: DatabaseKind) => void): void {
  const rounds = new Map<DatabaseKind, ReplicaRounds>();
  describeEachDatabase(
    name,
    (getDatabase, kind) =>
      suite(
        getDatabase,
        () => {
          const r = rounds.get(kind);
          if (!r) throw new Error('replica not ready');
          return r;
        },
        kind,
      ),
    async (kind) => {
      const made = await createReplicaDatabase(kind);
      rounds.set(kind, made.rounds);
      return made.database;
    },
  );
}
