import { sql } from 'kysely';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import pg from 'pg';
import { openPostgres } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrator';
import { assignRespondentNumbers } from '../server/invitations/respondent-numbers';
import { snapshotVersion, validateResponse, variablesFor, type QuestionnaireContent } from '../server/questionnaires';
import { randomAnswers } from '../server/demo/data/random-responses';
import { seededRandom } from '../server/demo/data/random';
import { benchDatabaseUrl, loadAverage, recordResults, table } from './lib';

/**
 * Export of a round with 100,000 completed responses: time and peak memory per format, against
 * the baseline of reading the same rows from the database without turning them into a file.
 * The export streams, so its memory must not grow with the number of responses.
 */
const RESPONSES = Number(process.env.BENCH_EXPORT_RESPONSES ?? 100_000);
// BENCH_EXPORT_KEEP=1 keeps the seeded database (its URL is printed); BENCH_EXPORT_DATABASE_URL
// measures on such a database again without seeding (for profiling one change after another).
const reuse = process.env.BENCH_EXPORT_DATABASE_URL;
const keep = Boolean(process.env.BENCH_EXPORT_KEEP) || Boolean(reuse);
const adminUrl = benchDatabaseUrl();
const name = reuse ? new URL(reuse).pathname.slice(1) : `mr_bench_export_${Date.now()}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
if (!reuse) await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = '/' + name;
const database = openPostgres(url.toString());
const db = database.db;

try {
  if (!reuse) await seed();
  if (keep) console.log(`database kept: ${url.toString()}`);
  const roundId = (await db.selectFrom('rounds').select('id').executeTakeFirstOrThrow()).id;
  const responses = Number((await sql<{ n: string }>`select count(*) as n from responses`.execute(db)).rows[0]!.n);
  if (responses !== RESPONSES) throw new Error(`the database holds ${responses} responses, not BENCH_EXPORT_RESPONSES=${RESPONSES}`);
  await measure(roundId);
} finally {
  await database.close();
  if (!keep) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

async function seed() {
  await migrateToLatest(db);
  const version = await snapshotVersion(db, 'image-samenwerking-2023');
  const content = version.content as QuestionnaireContent;
  const rng = seededRandom(2023);
  // Up to 100 distinct valid responses, cycled over the 100,000 schools (generating one with survey-core
  // takes a tenth of a second or more here, so more would only lengthen the seeding).
  const samples: Array<{ data: string; branch: string | null }> = [];
  for (let i = 0; i < Math.min(100, Math.ceil(RESPONSES / 20)); i++) {
    const variables = variablesFor({ situation: 'po-vo', sector: 'po', schoolName: 'x' });
    const raw = randomAnswers(content, variables, rng, { given: { Q_consent: 'ja', Q_mate: ['wel', 'plannen', 'geen'][i % 3] } });
    const result = validateResponse(content, variables, raw, { mode: 'complete' });
    if (!result.ok) throw new Error('invalid sample');
    samples.push({ data: JSON.stringify(result.data), branch: result.branch });
  }
  const started = Date.now();
  await sql`insert into studies (name, slug) values ('Bench', 'bench')`.execute(db);
  await sql`insert into rounds (study_id, name, questionnaire_version_id, status) select id, 'Bench 2023', ${version.id}, 'open' from studies`.execute(db);
  await sql`insert into swvs (code, name, sector) select 'PO' || (2000 + g), 'SWV ' || g, 'po' from generate_series(1, 50) g`.execute(db);
  await sql`insert into round_swvs (round_id, swv_id, situation, region_letter) select (select id from rounds), id, 'po-vo', chr(65 + (id % 18)) from swvs`.execute(db);
  await sql`insert into schools (location_code, brin, name, kind, street, house_number, postcode, city)
    select lpad((g / 100)::text, 4, '0') || lpad((g % 100)::text, 2, '0'), lpad((g / 100)::text, 4, '0'), 'School ' || g, 'po', 'Straat', g::text, '1234 AB', 'PLAATS'
    from generate_series(1, ${RESPONSES}) g`.execute(db);
  await sql`insert into invitations (round_id, school_id, swv_id, token_nonce, token_hash, status, consent_at, started_at, completed_at)
    select (select id from rounds), s.id, (select id from swvs order by id offset (s.id % 50) limit 1), 'n' || s.id, 'h' || s.id, 'completed', now(), now(), now()
    from schools s`.execute(db);
  await sql`create table bench_samples (n int, data jsonb, branch text)`.execute(db);
  for (let i = 0; i < samples.length; i++) {
    await sql`insert into bench_samples values (${i}, ${samples[i]!.data}::jsonb, ${samples[i]!.branch})`.execute(db);
  }
  await sql`insert into responses (invitation_id, data, branch, created_at, updated_at, completed_at)
    select i.id, s.data, s.branch, now(), now(), now() from invitations i join bench_samples s on s.n = i.id % ${samples.length}`.execute(db);
  await sql`analyze`.execute(db);
  console.log(`seeded ${RESPONSES} responses in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const roundId = (await db.selectFrom('rounds').select('id').executeTakeFirstOrThrow()).id;
  // Respondent numbers are given once per round (the first export's UPDATE of every invitation);
  // done here, so that no format pays for it (it used to land on the first one measured, CSV).
  await db.transaction().execute((trx) => assignRespondentNumbers(trx, roundId));
}

async function measure(roundId: number) {

  // Each export (and the baseline) runs in a process of its own (bench/_export-one.ts), so its
  // peak RSS is that export's alone, not this process's, which holds the seeding's survey-core
  // models and garbage. The child runs compiled JavaScript (bundled here with esbuild, packages
  // left to node_modules), as the server does in production: under tsx it started at 227–239 MB,
  // most of it tsx compiling TypeScript in the process. CPU_PROF=1 writes a V8 CPU profile of
  // each to bench/.profiles/.
  const outDir = fileURLToPath(new URL('./.tmp/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  const childJs = `${outDir}export-one.mjs`;
  await build({
    entryPoints: [fileURLToPath(new URL('./_export-one.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: childJs,
    logLevel: 'warning',
  });
  const runOne = (what: string) => {
    const execArgv = process.env.CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=bench/.profiles'] : [];
    const child = spawnSync(process.execPath, [...execArgv, childJs, url.toString(), String(roundId), what], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1e7,
    });
    if (child.status !== 0) throw new Error(`export ${what} failed (${child.status})`);
    const line = child.stdout.trim().split('\n').at(-1)!;
    if (process.env.BENCH_EXPORT_DIGEST) console.log(what, line);
    return { label: what === 'baseline' ? 'baseline: stream the rows from PostgreSQL' : `export ${what}`, ...(JSON.parse(line) as { seconds: number; planSeconds: number; bytes: number; cpuSeconds: number; rssStartMb: number; peakRssMb: number }) };
  };
  const results = [runOne('baseline')];
  // BENCH_EXPORT_FORMATS=csv,sav measures only those (the baseline always).
  const formats = (process.env.BENCH_EXPORT_FORMATS ?? 'csv,xlsx,sav').split(',').filter(Boolean);
  for (const format of formats) results.push(runOne(format));
  const baseline = results[0]!.seconds;
  recordResults(`Export of ${RESPONSES.toLocaleString('en')} responses (bench/export.ts)`, [
    ...table(
      ['what', 'seconds', 'of which planning s', 'CPU s', 'rows/s', 'MB written', 'RSS at start MB', 'peak RSS MB', 'growth MB', '× baseline time', 'target'],
      results.map((r, i) => [
        r.label,
        r.seconds.toFixed(1),
        i === 0 ? '' : r.planSeconds.toFixed(1),
        r.cpuSeconds.toFixed(1),
        Math.round(RESPONSES / r.seconds),
        (r.bytes / 1e6).toFixed(1),
        r.rssStartMb,
        r.peakRssMb,
        r.peakRssMb - r.rssStartMb,
        (r.seconds / baseline).toFixed(1),
        i === 0 ? '' : `${r.label.endsWith('xlsx') ? '≤ 6×' : '≤ 3×'} and < 300 MB: ${r.seconds / baseline <= (r.label.endsWith('xlsx') ? 6 : 3) && r.peakRssMb < 300 ? 'met' : 'missed'}`,
      ]),
    ),
    '',
    `Load average: ${loadAverage()}. Each step in its own process (bench/_export-one.ts compiled to JavaScript with esbuild, run by plain Node); peak RSS is that whole process's (the Node runtime with the app's modules loaded is the "RSS at start"; "growth" is what the export added). Rows come through a cursor, 500 at a time.`,
  ]);
}
