import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { openPGliteMemory, openPostgres, type Database, type DatabaseKind } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrator';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;

export interface TestDatabase extends Database {
  /** Connection string of the PostgreSQL variant (undefined on PGlite). */
  url?: string;
}

/** The migrated templates global-setup made ('' when absent, e.g. outside a vitest run). */
function template(key: 'pgliteTemplate' | 'postgresTemplate'): string {
  try {
    return inject(key) ?? '';
  } catch {
    return '';
  }
}

let pgliteTemplate: Blob | undefined;

/**
 * A fresh, migrated database: PGlite in memory, or a new database on the TEST_DATABASE_URL
 * server (dropped again by close()). Every test file gets its own, so files run in parallel.
 * Migrated databases are copies of the templates global-setup migrated once per run;
 * `migrate: false` gives an empty one; `pgliteDataDir` / `postgresTemplate` start from another
 * migrated template (tests/helpers/replica.ts).
 */
export async function createTestDatabase(
  kind: DatabaseKind,
  options: { migrate?: boolean; pgliteDataDir?: Blob; postgresTemplate?: string } = {},
): Promise<TestDatabase> {
  let database: TestDatabase;
  if (kind === 'pglite') {
    const file = options.migrate !== false && !options.pgliteDataDir ? template('pgliteTemplate') : '';
    if (file) pgliteTemplate ??= new Blob([readFileSync(file)]);
    const dataDir = options.pgliteDataDir ?? (file ? pgliteTemplate : undefined);
    database = await openPGliteMemory(dataDir ? { loadDataDir: dataDir } : {});
  } else {
    if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
    const name = `mr_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    const source = options.postgresTemplate ?? (options.migrate !== false ? template('postgresTemplate') : '');
    await admin.query(source ? `create database ${name} template ${source}` : `create database ${name}`);
    await admin.end();
    const url = new URL(testDatabaseUrl);
    url.pathname = '/' + name;
    const opened = openPostgres(url.toString(), { max: 20 });
    database = {
      ...opened,
      url: url.toString(),
      async close() {
        await opened.close();
        const dropper = new pg.Client({ connectionString: testDatabaseUrl });
        await dropper.connect();
        await dropper.query(`drop database if exists ${name} with (force)`);
        await dropper.end();
      },
    };
  }
  // Also on a template: a no-op that proves the copy is at the latest migration.
  if (options.migrate !== false) await migrateToLatest(database.db);
  return database;
}

export const databaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

/**
 * Runs a suite once on PGlite and once on PostgreSQL, each with its own fresh database
 * (`open` makes it; by default a copy of the migrated template).
 * Without TEST_DATABASE_URL the PostgreSQL run is reported as skipped (see global-setup).
 */
export function describeEachDatabase(
  name: string,
  suite: (getDatabase: () => TestDatabase, kind: DatabaseKind) => void,
  open?: (kind: DatabaseKind) => Promise<TestDatabase>,
): void {
  for (const kind of databaseKinds) {
    const skip = kind === 'postgres' && !testDatabaseUrl;
    const describeFn = skip ? describe.skip : describe;
    describeFn(`${name} [${kind}${skip ? ': skipped, TEST_DATABASE_URL not set' : ''}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await (open ?? createTestDatabase)(kind);
        // A custom open may wait for a template another file is building (tests/helpers/replica.ts).
      }, open ? 420_000 : undefined);
      afterAll(async () => {
        await database?.close();
      });
      suite(() => {
        if (!database) throw new Error('database not ready');
        return database;
      }, kind);
    });
  }
}
