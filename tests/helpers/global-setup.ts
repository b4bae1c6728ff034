import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { PGlite } from '@electric-sql/pglite';
import { openPostgres, wrapPGlite } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrator';
import { ensureClientBuild } from '../../server/tools/ensure-client-build';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A tarball of a migrated PGlite data directory (see createTestDatabase). */
    pgliteTemplate: string;
    /** A migrated PostgreSQL database that each test database is copied from ('' without TEST_DATABASE_URL). */
    postgresTemplate: string;
    /** This run's scratch folder, removed at the end (the report replica's template lives here). */
    runDir: string;
    /** The name the PostgreSQL report replica template gets when a file builds it (tests/helpers/replica.ts). */
    replicaPostgresTemplate: string;
  }
}

/**
 * Runs once before all test files: announces loudly when the PostgreSQL half of the suite is
 * skipped, makes sure the client build exists for the browser tests, and migrates one database of
 * each kind that every test file's fresh database is copied from. Running initdb and the
 * migrations per file cost 5–20 s each on two busy cores; a copy costs 1–4 s. The migrations
 * themselves are still run from scratch by migrations.test.ts, and a broken one fails here first.
 */
export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL?.trim();
  if (!url) {
    const line = '!'.repeat(78);
    console.warn(
      `\n${line}\n!! TEST_DATABASE_URL is not set: every PostgreSQL variant of the database tests is\n` +
        `!! SKIPPED; only PGlite runs. Set it (e.g. postgres://postgres@127.0.0.1:5432/postgres)\n` +
        `!! or run .ci/run to test against a real PostgreSQL.\n${line}\n`,
    );
  }
  const [pgliteTemplate, postgresTemplate] = await Promise.all([makePGliteTemplate(), url ? makePostgresTemplate(url) : Promise.resolve(null), ensureClientBuild({ quiet: true })]);
  project.provide('pgliteTemplate', pgliteTemplate.file);
  project.provide('postgresTemplate', postgresTemplate?.name ?? '');
  const runDir = mkdtempSync(path.join(tmpdir(), 'meetronde-test-run-'));
  const replicaPostgres = `mr_replica_${randomBytes(6).toString('hex')}`;
  project.provide('runDir', runDir);
  project.provide('replicaPostgresTemplate', replicaPostgres);
  return async () => {
    pgliteTemplate.remove();
    rmSync(runDir, { recursive: true, force: true });
    if (url) await dropDatabase(url, replicaPostgres);
    await postgresTemplate?.remove();
  };
}

async function makePGliteTemplate() {
  const pglite = await PGlite.create('memory://');
  const database = wrapPGlite(pglite);
  const dir = mkdtempSync(path.join(tmpdir(), 'meetronde-pglite-template-'));
  const file = path.join(dir, 'pgdata.tar');
  try {
    await migrateToLatest(database.db);
    const blob = await pglite.dumpDataDir('none');
    writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
  } finally {
    await database.close();
  }
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function adminQuery(url: string, statement: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const dropDatabase = (url: string, name: string) => adminQuery(url, `drop database if exists ${name} with (force)`);

/** One template per run (runs in other worktrees may have other migrations), dropped at the end. */
async function makePostgresTemplate(url: string) {
  const name = `mr_template_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `create database ${name}`);
  const target = new URL(url);
  target.pathname = '/' + name;
  const database = openPostgres(target.toString(), { max: 2 });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  return { name, remove: () => dropDatabase(url, name) };
}
