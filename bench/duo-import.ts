import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrator';
import { runImport } from '../server/imports';
import { readTable } from '../server/schools/table';
import { duoFiles, nationalDataset, poLocationsFile } from '../server/demo/data/duo';
import { benchDatabaseUrl, peakRssMb, recordResults, table, runBench } from './lib';

/**
 * The import of a national-size DUO location list (8,000 locations, Windows-1252, DUO's layout)
 * into a fresh PostgreSQL database: first import (all new), the same file again (nothing
 * changes), a dry run, and the whole national set of files in import order. Baseline in the same
 * process: reading the file only, and inserting the same rows with no checks at all.
 */
const LOCATIONS = Number(process.env.BENCH_LOCATIONS ?? 8000);
const actor = { system: 'bench' };

async function main() {
  const serverUrl = benchDatabaseUrl();
  const name = `mr_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = openPostgres(url.toString());
  try {
    await migrateToLatest(database.db);
    const db = database.db;
    const dataset = nationalDataset({ locations: LOCATIONS });
    const file = poLocationsFile(dataset.schools);
    const rows: Array<Array<string | number>> = [];
    const time = async <T>(label: string, work: () => Promise<T>, describe: (result: T) => string) => {
      const started = process.hrtime.bigint();
      const result = await work();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      rows.push([label, Math.round(ms), describe(result)]);
      console.log(`${label}: ${Math.round(ms)} ms`);
      return result;
    };

    await time('read and tokenize the file only (baseline)', () => readTable(file), (t) => `${t.rows.length} rows, ${(file.length / 1024 / 1024).toFixed(1)} MB`);
    await time(
      'insert the same rows with no checks (baseline)',
      () =>
        db.transaction().execute(async (trx) => {
          await sql`create temp table bench_schools (like schools including defaults including identity) on commit drop`.execute(trx);
          for (let i = 0; i < dataset.schools.length; i += 500) {
            const batch = dataset.schools.slice(i, i + 500);
            await sql`insert into bench_schools (location_code, brin, name, kind, street, house_number, postcode, city, municipality, province, denomination, phone, website)
              values ${sql.join(batch.map((s) => sql`(${s.locationCode}, ${s.brin}, ${s.name}, 'po', ${s.street}, ${s.houseNumber}, ${s.postcode}, ${s.city}, ${s.municipality}, ${s.province}, ${s.denomination}, ${s.phone}, ${s.website})`))}`.execute(trx);
          }
          return dataset.schools.length;
        }),
      (n) => `${n} rows`,
    );
    const importOnce = (dryRun: boolean) => runImport(db, { bytes: file, type: 'po-locations', fileName: 'national.csv' }, { dryRun, now: new Date(), actor });
    await time('dry run, empty database', () => importOnce(true), (r) => `${r.counts.added} to add`);
    await time('import, empty database', () => importOnce(false), (r) => `${r.counts.added} added, ${r.counts.rejected} rejected`);
    await time('same file again', () => importOnce(false), (r) => `${r.counts.unchanged} unchanged, ${r.counts.changed} changed`);
    const changed = poLocationsFile(dataset.schools.map((s, i) => (i % 20 === 0 ? { ...s, name: `${s.name} (nieuw)` } : s)).filter((_, i) => i % 100 !== 1));
    await time('5 % renamed, 1 % gone', () => runImport(db, { bytes: changed, type: 'po-locations' }, { dryRun: false, now: new Date(), actor }), (r) => `${r.counts.changed} changed, ${r.counts.deactivated} deactivated`);
    await sql`truncate schools, swvs, school_swvs cascade`.execute(db);
    await time(
      'all national files in order (po, vo, sbo/so/vso, SWVs, links, ORGANISATIES)',
      async () => {
        let n = 0;
        for (const f of duoFiles(dataset)) n += (await runImport(db, { bytes: f.bytes, type: f.type }, { dryRun: false, now: new Date(), actor })).counts.lines;
        return n;
      },
      (n) => `${n} lines`,
    );
    const heap = Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
    recordResults(`DUO import: national-size list (${LOCATIONS.toLocaleString('en-US')} locations) on PostgreSQL`, [
      ...table(['step', 'ms', 'result'], rows),
      '',
      `Peak RSS of the process: ${peakRssMb()} MB (heap in use at the end: ${heap} MB).`,
    ]);
  } finally {
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

runBench(main);
