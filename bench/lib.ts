import { execSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { loadConfig, type Config } from '../server/config';
import type { DB, Situation } from '../server/db/types';

/**
 * Shared by every benchmark: where results go and how they are written. Each script prints its
 * figures and appends one section to bench/RESULTS.md with the commit, the date and the machine.
 */
export const resultsFile = process.env.BENCH_RESULTS_FILE ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url));

export function benchDatabaseUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function commitId(): string {
  try {
    const id = execSync('git rev-parse --short HEAD', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // Results appended by earlier scripts of the same run do not make the code dirty.
    const dirty = execSync("git status --porcelain -- . ':(exclude)bench/RESULTS.md'", { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${id}+dirty` : id;
  } catch {
    return 'unknown';
  }
}

/** Appends a titled section (a markdown table or lines) to bench/RESULTS.md and prints it. */
export function recordResults(title: string, lines: string[]): void {
  const header = `\n## ${title}\n\n_${new Date().toISOString()} · commit ${commitId()} · ${os.cpus().length} cores · Node ${process.version}_\n\n`;
  const section = header + lines.join('\n') + '\n';
  if (!existsSync(resultsFile)) writeFileSync(resultsFile, '# Benchmark results\n\nAppended by the scripts in bench/ (`npm run bench`); newest at the bottom.\n');
  appendFileSync(resultsFile, section);
  console.log(section);
}

/** An invitation row of a bench round: school `schoolId` invited by `email` at `now`, with its token's nonce and hash. */
export function benchInvitation(round: { roundId: number; swvId: number }, schoolId: number, token: { nonce: string; hash: string }, email: string, now: Date) {
  return { round_id: round.roundId, school_id: schoolId, swv_id: round.swvId, token_nonce: token.nonce, token_hash: token.hash, email, invited_at: now };
}

/** Runs a bench script's main: an error is printed and the process exits with 1. */
export function runBench(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/** A markdown table from a header and rows. */
export function table(head: string[], rows: Array<Array<string | number>>): string[] {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** "1.2 / 0.8 / 0.5": the machine's load averages (1, 5, 15 minutes), to print next to figures. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
}

/**
 * A fresh PostgreSQL database on the bench server, for one run of one script; `drop()` removes
 * it (forcing out connections still open).
 */
export async function createBenchDatabase(prefix: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const base = benchDatabaseUrl();
  const name = `mr_bench_${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const dropper = new pg.Client({ connectionString: base });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

/** CPU milliseconds used so far by each PostgreSQL process on this machine (Linux /proc), by pid. */
export function postgresCpuByPid(): Map<number, number> {
  const tick = 100; // USER_HZ on Linux
  const result = new Map<number, number>();
  try {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(Number(pid), ((Number(fields[11]) + Number(fields[12])) * 1000) / tick);
    }
  } catch {
    // Not Linux: no figures.
  }
  return result;
}

/** CPU milliseconds used so far by every PostgreSQL process on this machine (Linux /proc), or NaN. */
export function postgresCpuMs(): number {
  const all = postgresCpuByPid();
  return all.size ? [...all.values()].reduce((a, b) => a + b, 0) : Number.NaN;
}

/**
 * CPU milliseconds PostgreSQL processes used between two `postgresCpuByPid()` readings, counting
 * only `pids` (e.g. the backends of one database, so that other people's work on a shared server
 * is left out). A process that exited in between is lost (an undercount, never negative).
 */
export function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>, pids?: Set<number>): number {
  let total = 0;
  for (const [pid, ms] of after) if (!pids || pids.has(pid)) total += ms - (before.get(pid) ?? 0);
  return total;
}

export interface ProfileLine {
  fn: string;
  where: string;
  selfMs: number;
  percent: number;
}

/**
 * A CPU profile of this process (the V8 inspector) while `work` runs, summed by function and
 * file: the functions with the most self time, for the "why" next to a missed target.
 */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  lines: ProfileLine[];
  /** Our own functions (server/, client/) by total time, callees included: which of our code paths the time is under. */
  ownInclusive: ProfileLine[];
  totalMs: number;
  byPackage: Array<[string, number]>;
}

/** The two tables of a CPU profile for RESULTS.md: functions by self time, then our own functions by total time. */
export function profileTables(profile: ProfileSummary, f: (n: number, digits?: number) => string): string[] {
  const rows = (lines: ProfileLine[]) => lines.map((l) => [l.fn, l.where, f(l.selfMs), f(l.percent, 1)]);
  return [
    ...table(['function', 'where', 'self ms', '%'], rows(profile.lines)),
    '',
    'Our own functions with the most time under them (callees included):',
    '',
    ...table(['function', 'where', 'total ms', '%'], rows(profile.ownInclusive)),
  ];
}

/** A profile's time by package, the first eight: `name share %, …`. */
export function profileByPackage(profile: ProfileSummary, f: (n: number) => string): string {
  return profile.byPackage
    .slice(0, 8)
    .map(([p, pct]) => `${p} ${f(pct)} %`)
    .join(', ');
}

export async function cpuProfile(work: () => Promise<void>, top = 15): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  await work();
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
  session.disconnect();
  return summarizeProfile(profile, top);
}

/**
 * A V8 CPU profile (Node's or Chromium's) summed by function and by package: a node_modules
 * package, one of our folders (server/, client/, …), a built asset (its file name), or what V8
 * calls (idle), (program), (garbage collector).
 */
export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, { fn: string; where: string; us: number }>();
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    if (!us) continue;
    total += us;
    const url = node.callFrame.url.replace(/^file:\/\//, '');
    const modules = url.lastIndexOf('node_modules/');
    const where = modules >= 0 ? url.slice(modules + 13) : url.replace(/^.*\/(server|bench|tests|assets)\//, '$1/');
    const fn = node.callFrame.functionName || '(anonymous)';
    const own = /\/(server|bench|tests|client)\//.exec(url);
    const asset = /\/assets\/([^/?]+)/.exec(url);
    const pkg = !url
      ? fn.startsWith('(') ? fn : '(native)'
      : url.startsWith('node:')
        ? 'node'
        : modules >= 0
          ? where.split('/').slice(0, where.startsWith('@') ? 2 : 1).join('/')
          : own
            ? `${own[1]}/`
            : asset
              ? asset[1]!
              : 'other';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const key = `${fn}@${where}:${node.callFrame.lineNumber + 1}`;
    const entry = byFunction.get(key) ?? { fn, where: url ? `${where}:${node.callFrame.lineNumber + 1}` : '', us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  // Time under each of our own functions, callees included (each sample counted once per function).
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
  const inclusive = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of byNode) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = nodeById.get(at)!.callFrame;
      const own = /\/(server|client)\/(.*)$/.exec(frame.url);
      if (!own) continue;
      // tsx compiles each file to one line, so the line number says nothing.
      const where = `${own[1]}/${own[2]}`;
      const key = `${frame.functionName}@${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { fn: frame.functionName || '(anonymous)', where, us: 0 };
      entry.us += us;
      inclusive.set(key, entry);
    }
  }
  const ownInclusive = [...inclusive.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, 8)
    .map((e) => ({ fn: e.fn, where: e.where, selfMs: e.us / 1000, percent: (100 * e.us) / total }));
  const lines = [...byFunction.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ fn: e.fn, where: e.where, selfMs: e.us / 1000, percent: (100 * e.us) / total }));
  return {
    lines,
    ownInclusive,
    totalMs: total / 1000,
    byPackage: [...byPackage].sort((a, b) => b[1] - a[1]).map(([p, us]) => [p, (100 * us) / total] as [string, number]),
  };
}

/**
 * An open round of one SWV, as the respondent benches need it: a study, a round open since
 * yesterday for 30 days on `versionId`, and the SWV in the given situation.
 */
export async function createOpenRound(
  db: Kysely<DB>,
  options: { versionId: number; slug: string; roundName: string; swvCode: string; swvName: string; situation: Situation },
): Promise<{ roundId: number; swvId: number }> {
  const now = new Date();
  const study = await db.insertInto('studies').values({ name: 'IMAGE', slug: options.slug }).returning('id').executeTakeFirstOrThrow();
  const round = await db
    .insertInto('rounds')
    .values({
      study_id: study.id,
      name: options.roundName,
      questionnaire_version_id: options.versionId,
      status: 'open',
      opens_at: new Date(now.getTime() - 86_400_000),
      closes_at: new Date(now.getTime() + 30 * 86_400_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const swv = await db.insertInto('swvs').values({ code: options.swvCode, name: options.swvName, sector: 'po' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('round_swvs').values({ round_id: round.id, swv_id: swv.id, situation: options.situation, region_letter: 'A' }).execute();
  return { roundId: round.id, swvId: swv.id };
}

/** The secret every benchmark's app and tokens use. */
export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

/** The app's configuration as a benchmark runs it: no worker, quiet logs, a fresh data folder. */
export function benchAppConfig(databaseUrl: string, extra: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    SECRET: BENCH_SECRET,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'mr-bench-')),
    DATABASE_URL: databaseUrl,
    PUBLIC_URL: 'http://127.0.0.1',
    RUN_WORKER: 'false',
    LOG_LEVEL: 'error',
    ...extra,
  });
}

/**
 * Forks a load script (a sibling .ts run with tsx) and resolves once it says it is ready; `run`
 * sends it one job and resolves with its report (or rejects with its error).
 */
export function startLoader<Job, Report>(script: string): Promise<{ run: (job: Job) => Promise<Report>; stop: () => void }> {
  const child: ChildProcess = fork(fileURLToPath(new URL(script, import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const run = (job: Job) =>
    new Promise<Report>((resolve, reject) => {
      const on = (m: unknown) => {
        const reply = m as { report?: Report; error?: string };
        if (reply.report || reply.error) {
          child.off('message', on);
          if (reply.error) reject(new Error(reply.error));
          else resolve(reply.report!);
        }
      };
      child.on('message', on);
      child.send(job as object);
    });
  return new Promise((resolve) => {
    child.once('message', () => resolve({ run, stop: () => child.send('stop') }));
  });
}
