import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { makePrivateDir, makeTreePrivate, restrictFileCreation } from '../files';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { PGliteDialect } from './pglite-dialect';
import type { DB } from './types';

export type DatabaseKind = 'pglite' | 'postgres';

/** The database handle every part of the app receives: a Kysely instance plus what Kysely lacks. */
export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /**
   * Subscribes to a PostgreSQL NOTIFY channel. Returns the function that unsubscribes.
   * `onLost` is called (once) when the listening connection breaks; notifications sent meanwhile
   * are lost, so the caller subscribes again and treats everything as changed.
   */
  listen(channel: string, onMessage: (payload: string) => void, onLost?: (error: unknown) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class DatabaseLockedError extends Error {}

// int8 (count(*), sum of ints) as a JS number on both drivers: PGlite already does this, pg
// returns strings by default. Our counts never come near 2^53.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export function openPostgres(connectionString: string, options: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, types: pgTypes });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  // Nor one that is checked out between two queries when the server goes away (a PostgreSQL
  // restart sends every connection a FATAL): the next query on it fails and the pool drops it.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
  const listeners = new Set<pg.Client>();
  let closing = false;
  return {
    db,
    kind: 'postgres',
    async listen(channel, onMessage, onLost) {
      const client = new pg.Client({ connectionString, types: pgTypes });
      // Before LISTEN succeeded a failure rejects this call; after it, it is reported through onLost.
      let ready = false;
      let done = false;
      const lost = (error: unknown) => {
        if (!ready || done || closing) return;
        done = true;
        listeners.delete(client);
        void client.end().catch(() => {});
        onLost?.(error);
      };
      client.on('error', lost);
      client.on('end', () => lost(new Error('the LISTEN connection ended')));
      await client.connect();
      client.on('notification', (msg) => {
        if (msg.channel === channel) onMessage(msg.payload ?? '');
      });
      try {
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (error) {
        await client.end().catch(() => {});
        throw error;
      }
      ready = true;
      listeners.add(client);
      return async () => {
        done = true;
        listeners.delete(client);
        await client.end().catch(() => {});
      };
    },
    async close() {
      closing = true;
      const open = [...listeners];
      listeners.clear();
      await Promise.all(open.map((c) => c.end().catch(() => {})));
      await db.destroy();
    },
  };
}

/** Wraps an opened PGlite instance (in memory or on disk) as a Database. */
export function wrapPGlite(pglite: PGlite, onClose: () => Promise<void> = async () => {}): Database {
  const dialect = new PGliteDialect(pglite);
  const db = new Kysely<DB>({ dialect });
  return {
    db,
    kind: 'pglite',
    async listen(channel, onMessage) {
      const unsubscribe = await dialect.withLock((p) => p.listen(channel, onMessage));
      return async () => {
        await dialect.withLock(() => unsubscribe());
      };
    },
    async close() {
      await db.destroy();
      await pglite.close();
      await onClose();
    },
  };
}

/**
 * An in-memory PGlite. `loadDataDir` starts it from a tarball of a data directory (made with
 * PGlite's dumpDataDir) instead of running initdb: the test suite opens each file's database from
 * one migrated snapshot that way.
 */
export async function openPGliteMemory(options: { loadDataDir?: Blob } = {}): Promise<Database> {
  const pglite = options.loadDataDir ? await PGlite.create({ loadDataDir: options.loadDataDir }) : await PGlite.create('memory://');
  return wrapPGlite(pglite);
}

/**
 * Opens the embedded database in `<dataDir>/pgdata`.
 *
 * The first start creates the cluster in a temporary folder and renames it into place only when
 * it is complete, so a crash or Ctrl-C during the first start never leaves a half-made cluster
 * behind. A lock file keeps a second process off the same folder (PGlite is single-process).
 */
export async function openPGliteDir(dataDir: string): Promise<Database> {
  // The cluster (WAL included) holds password hashes and personal data: owner only.
  restrictFileCreation();
  makePrivateDir(dataDir);
  const releaseLock = acquireDirLock(path.join(dataDir, 'pgdata.lock'));
  try {
    const target = path.join(dataDir, 'pgdata');
    if (!existsSync(path.join(target, 'PG_VERSION'))) {
      const temp = path.join(dataDir, `pgdata.init-${process.pid}`);
      rmSync(temp, { recursive: true, force: true });
      const fresh = await PGlite.create(temp);
      await fresh.close();
      rmSync(target, { recursive: true, force: true });
      renameSync(temp, target);
    }
    makeTreePrivate(dataDir);
    const pglite = await PGlite.create(target);
    // The folder is 0700, so nobody else gets in while it runs; PGlite sets the modes of a few
    // files itself (not through the umask), so they are tightened again when it closes.
    return wrapPGlite(pglite, async () => {
      makeTreePrivate(dataDir);
      releaseLock();
    });
  } catch (error) {
    releaseLock();
    throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function acquireDirLock(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new DatabaseLockedError(
          `The data folder ${path.dirname(file)} is in use by another Meetronde process (pid ${holder}). ` +
            'The embedded database can be opened by one process only; stop the other one or set DATA_DIR.',
        );
      }
      // Stale lock from a process that crashed: take it over.
      unlinkSync(file);
    }
  }
  throw new DatabaseLockedError(`Could not lock ${file}`);
}

export async function openDatabase(config: { databaseUrl: string | undefined; dataDir: string }): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  return openPGliteDir(config.dataDir);
}

/** Sends a NOTIFY through Kysely, so that inside a transaction it is delivered on commit. */
export async function notify(db: Kysely<DB>, channel: string, payload: string): Promise<void> {
  await sql`select pg_notify(${channel}, ${payload})`.execute(db);
}
