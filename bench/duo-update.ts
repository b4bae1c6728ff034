import { openPGliteMemory, openPostgres, type Database } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrator';
import { runImport } from '../server/imports';
import type { ImportType } from '../server/schools/import-types';
import { duoFiles, nationalDataset, nationalUpdate, organisationsFile, poLocationsFile, swvSchoolsFile } from '../server/demo/data/duo';
import { benchDatabaseUrl, createBenchDatabase, peakRssMb, recordResults, table, runBench } from './lib';

/**
 * A year's update of the national DUO lists, on PGlite and on PostgreSQL: load the national set
 * (8,000 locations, ~150 SWVs), then replace the whole school → SWV list with every link moved,
 * the whole po address list (every location at a new address) and the ORGANISATIES file (every
 * address changed), each as a dry run and then for real. Each database runs in its own child
 * process so that its peak RSS is its own (`BENCH_DB=pglite|postgres` runs one in this process).
 */
const LOCATIONS = Number(process.env.BENCH_LOCATIONS ?? 8000);
const actor = { system: 'bench' };

async function runOn(kind: 'pglite' | 'postgres'): Promise<void> {
  let database: Database;
  let drop = async () => {};
  if (kind === 'pglite') database = await openPGliteMemory();
  else {
    const created = await createBenchDatabase('duo_update');
    database = openPostgres(created.url);
    drop = created.drop;
  }
  const rows: Array<Array<string | number>> = [];
  try {
    await migrateToLatest(database.db);
    const db = database.db;
    const dataset = nationalDataset({ locations: LOCATIONS });
    const update = nationalUpdate(dataset);
    const time = async (label: string, type: ImportType, bytes: Buffer, dryRun: boolean) => {
      const started = process.hrtime.bigint();
      const report = await runImport(db, { bytes, type }, { dryRun, now: new Date(), actor });
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
      const c = report.counts;
      rows.push([label, dryRun ? 'dry run' : 'import', ms, `${c.lines} lines: +${c.added} ~${c.changed} =${c.unchanged} −${c.deactivated}, rejected ${c.rejected}`]);
      console.log(`${kind} ${label} ${dryRun ? '(dry run)' : ''}: ${ms} ms`);
      return report;
    };
    let loadMs = 0;
    for (const f of duoFiles(dataset)) {
      const started = process.hrtime.bigint();
      await runImport(db, { bytes: f.bytes, type: f.type }, { dryRun: false, now: new Date(), actor });
      loadMs += Number(process.hrtime.bigint() - started) / 1e6;
    }
    rows.push(['first load: all national files', 'import', Math.round(loadMs), `${dataset.schools.length} locations, ${dataset.swvs.length} SWVs`]);
    const steps: Array<[string, ImportType, Buffer]> = [
      ['school → SWV list, every link moved', 'swv-schools', swvSchoolsFile(update)],
      ['po address list, every address new', 'po-locations', poLocationsFile(update.schools.filter((s) => s.kind === 'po'))],
      ['ORGANISATIES, every address changed', 'organisations', organisationsFile(update)],
    ];
    for (const [label, type, bytes] of steps) {
      await time(label, type, bytes, true);
      const report = await time(label, type, bytes, false);
      if (report.counts.rejected > report.counts.lines / 10) throw new Error(`${label}: too many rejected lines`);
    }
    recordResults(`DUO update: national lists replaced (${LOCATIONS.toLocaleString('en-US')} locations) on ${kind === 'pglite' ? 'PGlite' : 'PostgreSQL'}`, [
      ...table(['step', 'mode', 'ms', 'result'], rows),
      '',
      `Peak RSS of the process: ${peakRssMb()} MB (heap in use at the end: ${Math.round(process.memoryUsage().heapUsed / 1024 / 1024)} MB).`,
    ]);
  } finally {
    await database.close();
    await drop();
  }
}

async function main() {
  const only = process.env.BENCH_DB;
  if (only === 'pglite' || only === 'postgres') return runOn(only);
  benchDatabaseUrl();
  const { spawnSync } = await import('node:child_process');
  for (const kind of ['pglite', 'postgres'] as const) {
    const result = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname], { stdio: 'inherit', env: { ...process.env, BENCH_DB: kind } });
    if (result.status !== 0) throw new Error(`duo-update on ${kind} failed`);
  }
}

runBench(main);
