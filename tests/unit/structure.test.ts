import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOCKS, ROUND_LOCKS, TEXT_LOCK_SEEDS } from '../../server/db/locks';

/**
 * Rules about how the server's code is put together, checked on its source text: who takes
 * advisory locks, who writes which table (docs/DEVELOPING.md), and which areas import which.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const serverFiles = sourceFiles('server').map((path) => ({ path: relative(root, join(root, path)), text: readFileSync(join(root, path), 'utf8') }));

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
