import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCKS, ROUND_LOCKS, TEXT_LOCK_SEEDS } from '../../server/db/locks';
import { readSource, repoRoot as root, sourceFiles } from '../helpers/source-files';

/**
 * Rules about how the server's code is put together, checked on its source text: who takes
 * advisory locks, who writes which table (docs/DEVELOPING.md), and which areas import which.
 */

const serverFiles = sourceFiles('server').map((path) => ({ path, text: readSource(path) }));

describe('advisory locks', () => {
  it('have distinct numbers within each kind', () => {
    for (const kind of [LOCKS, ROUND_LOCKS, TEXT_LOCK_SEEDS]) {
      const numbers = Object.values(kind);
      expect(new Set(numbers).size).toBe(numbers.length);
    }
  });

  it('are only taken through server/db/locks.ts', () => {
    const takers = serverFiles.filter((f) => f.path !== 'server/db/locks.ts' && /pg_(try_)?advisory/.test(f.text)).map((f) => f.path);
    expect(takers).toEqual([]);
  });
});

/** server/<area>/ folders and the areas each imports (relative imports, static and dynamic). */
function areaGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of serverFiles) {
    const [, area, ...rest] = file.path.split('/');
    if (!area || rest.length === 0) continue;
    const targets = graph.get(area) ?? new Map<string, string[]>();
    graph.set(area, targets);
    for (const match of file.text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
      const target = relative(root, join(root, file.path, '..', match[1]!)).split('/');
      if (target[0] !== 'server') continue;
      // An area folder, or a top-level file (server/worker.ts) named by its file name.
      const to = target.length >= 3 ? target[1]! : `server/${target[1]}`;
      if (to === area) continue;
      targets.set(to, [...(targets.get(to) ?? []), file.path]);
    }
  }
  return graph;
}

function findCycle(graph: Map<string, Map<string, string[]>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (area: string): string[] | null => {
    if (state.get(area) === 'done') return null;
    if (state.get(area) === 'open') return [...path.slice(path.indexOf(area)), area];
    state.set(area, 'open');
    path.push(area);
    for (const to of graph.get(area)?.keys() ?? []) {
      if (!graph.has(to)) continue;
      const cycle = visit(to);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(area, 'done');
    return null;
  };
  for (const area of graph.keys()) {
    const cycle = visit(area);
    if (cycle) return cycle;
  }
  return null;
}

describe('areas (server/<area>/ folders)', () => {
  const graph = areaGraph();

  it('import each other without a loop', () => {
    expect(findCycle(graph)).toBeNull();
  });

  it('finds a loop when there is one (the check itself)', () => {
    const looped = new Map(graph);
    looped.set('db', new Map([...(graph.get('db') ?? []), ['schools', ['(added)']]]));
    looped.set('schools', new Map([...(graph.get('schools') ?? []), ['db', ['(added)']]]));
    expect(findCycle(looped)).not.toBeNull();
  });

  it('keep schools/ below the areas built on it: it imports nothing from rounds/, invitations/ or mailings/', () => {
    const schools = graph.get('schools')!;
    expect(['rounds', 'invitations', 'mailings'].flatMap((area) => schools.get(area) ?? [])).toEqual([]);
  });

  it('hand periodic tasks to the worker without importing it (server/tasks.ts), nor import the app', () => {
    // demo/ is itself a way to start Meetronde, like main.ts.
    const composition = ['server/worker.ts', 'server/app.ts', 'server/main.ts', 'server/cli.ts', 'server/imports.ts'];
    const offenders = [...graph]
      .filter(([area]) => area !== 'demo')
      .flatMap(([, targets]) => composition.flatMap((top) => targets.get(top.replace(/\.ts$/, '')) ?? []));
    expect(offenders).toEqual([]);
  });
});

/** The tables of server/db/types.ts (the keys of `interface DB`). */
function tableNames(): Set<string> {
  const types = readSource('server/db/types.ts');
  const body = /export interface DB \{([^}]*)\}/.exec(types)![1]!;
  return new Set([...body.matchAll(/^\s*(\w+):/gm)].map((m) => m[1]!));
}

/** Which files write which table: Kysely builders with a literal table name, and raw SQL in sql`…`. */
function writersFound(files: Array<{ path: string; text: string }>, tables: Set<string>): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const add = (table: string, path: string) => found.set(table, (found.get(table) ?? new Set()).add(path));
  for (const file of files) {
    for (const m of file.text.matchAll(/\.(?:insertInto|updateTable|deleteFrom)\(\s*['"](\w+)/g)) add(m[1]!, file.path);
    for (const [, body] of file.text.matchAll(/\bsql(?:<[^>`]*>)?`([^`]*)`/g)) {
      for (const m of body!.matchAll(/\b(?:insert\s+into|update|delete\s+from)\s+(\w+)/gi)) {
        if (tables.has(m[1]!)) add(m[1]!, file.path);
      }
    }
  }
  return found;
}

/** docs/DEVELOPING.md, "Who writes which table": per table its writer and the listed exceptions. */
function writersDocumented(): Map<string, { writer: string[]; also: string[] }> {
  const doc = readSource('docs/DEVELOPING.md');
  const section = doc.slice(doc.indexOf('## Who writes which table'));
  const rows = section.slice(0, section.indexOf('\n## ', 5)).split('\n').filter((line) => /^\| `\w+` \|/.test(line));
  const paths = (cell: string) => [...cell.matchAll(/`(server\/[^`]+)`/g)].map((m) => m[1]!);
  return new Map(
    rows.map((line) => {
      const [, table, writer, also = ''] = line.split('|').map((cell) => cell.trim());
      return [table!.replace(/`/g, ''), { writer: paths(writer!), also: paths(also) }];
    }),
  );
}

const isUnder = (path: string, owner: string) => (owner.endsWith('/') ? path.startsWith(owner) : path === owner);

describe('one writer per table (docs/DEVELOPING.md, "Who writes which table")', () => {
  const tables = tableNames();
  const documented = writersDocumented();
  const writable = serverFiles.filter((f) => !f.path.startsWith('server/demo/'));

  it('names a writer for every table the server writes, and only real tables', () => {
    const found = writersFound(writable, tables);
    expect([...found.keys()].filter((table) => !documented.has(table))).toEqual([]);
    expect([...documented.keys()].filter((table) => !tables.has(table))).toEqual([]);
    for (const { writer } of documented.values()) expect(writer.length).toBe(1);
  });

  it('lets nobody else write a table', () => {
    const found = writersFound(writable, tables);
    const strangers = [...found].flatMap(([table, paths]) => {
      const allowed = [...(documented.get(table)?.writer ?? []), ...(documented.get(table)?.also ?? [])];
      return [...paths].filter((path) => !allowed.some((owner) => isUnder(path, owner))).map((path) => `${table}: ${path}`);
    });
    expect(strangers).toEqual([]);
  });

  it('puts mail in the outbox only through server/mailings/outbox.ts (enqueueMail)', () => {
    const found = writersFound(writable, tables).get('outbox_messages') ?? new Set();
    const inserting = writable.filter((f) => /insertInto\(\s*'outbox_messages'|insert\s+into\s+outbox_messages/i.test(f.text)).map((f) => f.path);
    expect(inserting).toEqual(['server/mailings/outbox.ts']);
    expect([...found].filter((path) => !['server/mailings/outbox.ts', 'server/privacy/erase.ts', 'server/privacy/retention.ts'].includes(path))).toEqual([]);
  });

  it('notices a stranger writing the outbox (the check itself)', () => {
    const stranger = { path: 'server/auth/example.ts', text: "await trx.insertInto('outbox_messages').values(row).execute();\nawait sql`update invitations set email = null`.execute(trx);" };
    const found = writersFound([stranger], tables);
    expect([...found.keys()].sort()).toEqual(['invitations', 'outbox_messages']);
  });
});

/**
 * Callers own transactions (docs/DEVELOPING.md, "Areas"): queries and rules take the handle they
 * run on; routes, worker tasks, the CLI and the other ways in open the transaction.
 */
describe('transactions', () => {
  const opensTransaction = (text: string) => text.split('\n').some((line) => !/^\s*(\*|\/\/)/.test(line) && /\.transaction\(\)/.test(line));
  // Where a request, a task or a message comes in.
  const entryPoint = (path: string) =>
    /(^|\/|-)routes\.ts$/.test(path) ||
    /\/tasks\.ts$/.test(path) ||
    ['server/cli.ts', 'server/main.ts', 'server/imports.ts', 'server/inbound/imap.ts', 'server/inbound/smtp.ts'].includes(path) ||
    path.startsWith('server/demo/');
  // The two batch loops that commit per item on purpose (docs/DEVELOPING.md).
  const batchLoops = ['server/mailings/waves.ts', 'server/privacy/retention.ts'];

  it('are opened only where a request, task or message comes in (and by the two batch loops)', () => {
    const openers = serverFiles.filter((f) => opensTransaction(f.text)).map((f) => f.path);
    expect(openers.filter((path) => !entryPoint(path) && !batchLoops.includes(path))).toEqual([]);
  });

  it('notices a domain function that opens one (the check itself)', () => {
    expect(opensTransaction('export async function f(db) {\n  return db.transaction().execute(async (trx) => g(trx));\n}')).toBe(true);
    expect(opensTransaction(' *     await db.transaction().execute(async (trx) => {')).toBe(false);
  });
});
