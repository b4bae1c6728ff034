import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Migrations are `migrations/NNNN_name.ts`, applied in name order; a landed one is never edited. */
class FolderMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(migrationsDir)).filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const module = (await import(pathToFileURL(path.join(migrationsDir, file)).href)) as Migration;
      migrations[file.replace(/\.ts$/, '')] = module;
    }
    return migrations;
  }
}

export function createMigrator(db: Kysely<any>): Migrator {
  // Strictly in name order: a migration must sort after every one already applied anywhere, so a
  // new one takes the next number after the newest on main (gaps in the numbering are harmless).
  // A database that applied a later number first refuses to migrate instead of running an older
  // migration against a newer schema. tests/integration/migrations.test.ts holds the rule.
  return new Migrator({ db, provider: new FolderMigrationProvider(), allowUnorderedMigrations: false });
}

export class MigrationError extends Error {
  constructor(message: string, readonly results: MigrationResultSet['results']) {
    super(message);
  }
}

/** Brings the schema to the latest migration; returns the names applied in this call. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await createMigrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`Migration ${failed} failed: ${(error as Error).message ?? String(error)}`, results);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Name of the newest applied migration, or null on an empty database. */
export async function currentMigration(db: Kysely<any>): Promise<string | null> {
  const migrations = await createMigrator(db).getMigrations();
  const applied = migrations.filter((m) => m.executedAt !== undefined);
  return applied.at(-1)?.name ?? null;
}
