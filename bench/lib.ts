import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

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
    const dirty = execSync('git status --porcelain', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
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
