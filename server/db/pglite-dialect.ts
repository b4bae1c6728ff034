import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * A Kysely dialect for PGlite with one connection guarded by a mutex.
 *
 * PGlite is a single PostgreSQL backend: every statement from every caller runs in the same
 * session. kysely-pglite sends BEGIN/COMMIT on that shared session without any lock, so a query
 * issued while another caller's transaction is open becomes part of that transaction and is
 * rolled back with it (see shared/STACK.md §3). Here, like Kysely's SQLite driver, the one
 * connection is handed to one caller at a time: a transaction holds it from BEGIN to
 * COMMIT/ROLLBACK and everything else waits. Code that must use the PGlite handle directly
 * (LISTEN) goes through `withLock` for the same reason.
 */
export class PGliteDialect implements Dialect {
  constructor(private readonly pglite: PGlite, private readonly driver = new PGliteDriver(pglite)) {}

  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return this.driver;
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
  withLock<T>(fn: (pglite: PGlite) => Promise<T>): Promise<T> {
    return this.driver.withLock(fn);
  }
}

export class PGliteDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #connection: PGliteConnection;

  constructor(private readonly pglite: PGlite) {
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel || settings.accessMode) {
      const parts = ['start transaction'];
      if (settings.isolationLevel) parts.push(`isolation level ${settings.isolationLevel}`);
      if (settings.accessMode) parts.push(settings.accessMode);
      await connection.executeQuery(CompiledQuery.raw(parts.join(' ')));
    } else {
      await connection.executeQuery(CompiledQuery.raw('begin'));
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    // The owner of the PGlite instance closes it (after LISTEN handlers are gone).
  }

  async withLock<T>(fn: (pglite: PGlite) => Promise<T>): Promise<T> {
    await this.#mutex.lock();
    try {
      return await fn(this.pglite);
    } finally {
      this.#mutex.unlock();
    }
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // PGlite answers within the same turn of the event loop (WASM, no I/O), so a chain of awaited
    // queries (a wave of mail, an import) would never let timers, sockets or IPC in: the HTTP
    // server would freeze meanwhile. One macrotask yield per query keeps the process responsive.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const result = await this.pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters], {
      rowMode: 'object',
    });
    const affected = result.affectedRows;
    return {
      rows: result.rows,
      ...(affected !== undefined && compiledQuery.query.kind !== 'SelectQueryNode'
        ? { numAffectedRows: BigInt(affected) }
        : {}),
    };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
    // PGlite has no server-side cursor API; it keeps everything in one process anyway, so
    // reading the result at once and handing it out in chunks costs no extra round trips.
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (let i = 0; i < rows.length; i += chunkSize) {
      yield { rows: rows.slice(i, i + chunkSize) };
    }
  }
}

/** A FIFO mutex: waiters are served in the order they asked. */
class Mutex {
  #locked = false;
  readonly #waiters: Array<() => void> = [];

  async lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  unlock(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}
