import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../server/app';
import { systemClock } from '../server/clock';
import { openPostgres } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrator';
import { exportStream } from '../server/exports/formats';
import { codeHash, linkToken, pupilCode, CODE_ALPHABET } from '../server/invitations/person-links';
import { personRowsQuery, planPersonExport } from '../server/persons/export';
import { issueCodes } from '../server/persons/sites';
import { personTracking } from '../server/persons/tracking';
import { seedPanel } from './_persons-seed';
import { BENCH_SECRET, benchAppConfig, cpuProfile, createBenchDatabase, loadAverage, peakRssMb, percentile, recordResults, table } from './lib';

/**
 * Person rounds at scale (issue 19: "a bench shows code generation, a class of 30 starting at
 * once, tracking and wide export at 100× [one measurement of 11,000 pupils] (1.1 million
 * persons)"). Two measurements of PERSONS_SCALE pupils each, seeded by bulk SQL
 * (bench/_persons-seed.ts: schools of 10 classes of 30; 80% of measurement 1 come back in
 * measurement 2 with their panel id, 20% are new, 2% of measurement 2's parents objected), then
 * measured through the app's own functions, each against a baseline in the same run:
 *
 * - code generation (`issueCodes`, HMAC codes, batched unique inserts): PERSONS_CODES places for
 *   one school's classes (realistic slice), and with PERSONS_FULL_CODES=1 every place of a third
 *   measurement as large as the others, class by class as registrations issue them (then checked:
 *   as many distinct codes as places, every code in the unambiguous alphabet); baseline: plain
 *   multi-row INSERTs of as many person rows, same batches, no HMAC;
 * - a class of 30 starting at once: 30 concurrent `POST /api/persons/l/:token/start` with the
 *   class's real codes against the app over HTTP on loopback (one address, the app's default rate
 *   limits); baseline: a bare Fastify route doing the code lookup (SELECT) and an UPDATE;
 * - tracking of measurement 2 (`personTracking`, with the "in both" figure); baseline: a SELECT of
 *   measurement 2's person rows;
 * - the wide export (`planPersonExport` + `exportStream`) as CSV and .sav (and XLSX while the
 *   rows fit a sheet), with the peak RSS during each; baseline: the export's own row query
 *   (`personRowsQuery`: the same persons with their answers, class and school, in panel order)
 *   streamed from PostgreSQL through a cursor, nothing written.
 *
 * Default size is small (3,000 per measurement) for the smoke test; `PERSONS_SCALE=1100000` is
 * the national case. `PERSONS_SEED_ONLY=1` only seeds; it and `PERSONS_KEEP=1` keep the database (its URL is printed) for
 * bench/_persons-explain.ts, and `PERSONS_DATABASE_URL=<that url>` measures on it instead of seeding
 * again (a million-person seed takes minutes); `PERSONS_PROFILE=1` profiles the wide CSV export.
 */
const N = Math.max(300, Number(process.env.PERSONS_SCALE ?? 3000));
const CODES = Math.min(N, Number(process.env.PERSONS_CODES ?? 600));
const FULL_CODES = process.env.PERSONS_FULL_CODES === '1';
const SEED_ONLY = process.env.PERSONS_SEED_ONLY === '1';
const KEEP = process.env.PERSONS_KEEP === '1' || SEED_ONLY;
const SECRET = BENCH_SECRET;
const schools = Math.ceil(N / 300);
const perRound = schools * 300;
const XLSX_MAX_ROWS = 1_048_575;

// PERSONS_DATABASE_URL: measure on a database seeded earlier (PERSONS_SEED_ONLY=1), kept afterwards.
const REUSE = process.env.PERSONS_DATABASE_URL;
const bench = REUSE ? { url: REUSE, drop: async () => {} } : await createBenchDatabase('persons');
const database = openPostgres(bench.url, { max: 10 });
const db = database.db;
const time = async <T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> => {
  const t0 = performance.now();
  const value = await work();
  return { seconds: (performance.now() - t0) / 1000, value };
};
const median = async (runs: number, work: () => Promise<unknown>) => {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await time(work)).seconds);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
};
/** Peak resident set size (MB) while `work` runs, sampled every 50 ms. */
const withPeakRss = async <T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number; startMb: number }> => {
  const startMb = process.memoryUsage().rss / 1e6;
  let peak = startMb;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss / 1e6)), 50);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss / 1e6);
    return { value, peakMb: Math.round(peak), startMb: Math.round(startMb) };
  } finally {
    clearInterval(timer);
  }
};
/** The two measurements of a database seeded earlier, checked to be of this size. */
const existingPanel = async () => {
  const [r1, r2] = (await db.selectFrom('rounds').select('id').where('unit_type', '=', 'person').orderBy('id').limit(2).execute()).map((r) => r.id);
  const n = await db.selectFrom('persons').select((eb) => eb.fn.countAll<number>().as('n')).where('round_id', '=', r1!).executeTakeFirstOrThrow();
  if (Number(n.n) !== perRound) throw new Error(`PERSONS_DATABASE_URL holds ${n.n} persons a measurement, not ${perRound}`);
  return { r1: r1!, r2: r2! };
};
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(1) : '–');
const loads: string[] = [];
const noteLoad = () => loads.push(loadAverage().split(' / ')[0]!);

try {
  await migrateToLatest(db);
  const seeded = REUSE
    ? { seconds: Number.NaN, value: await existingPanel() }
    : await time(() => seedPanel(db, schools));
  const { r1, r2 } = seeded.value;
  console.log(`seeded 2 × ${perRound} persons in ${seeded.seconds.toFixed(1)} s`);
  if (SEED_ONLY) {
    await database.close();
    console.log(`kept database: ${bench.url}`);
    process.exit(0);
  }
  const rows: Array<Array<string | number>> = [];
  const notes: string[] = [];

  // --- Code generation: one school's classes of 30 (the slice), against plain inserts of as many rows.
  noteLoad();
  const site = await db.selectFrom('person_sites').select('id').where('round_id', '=', r2).orderBy('id').executeTakeFirstOrThrow();
  const ctx = { roundId: r2, siteId: site.id };
  const newClasses = (count: number, siteId = site.id, roundId = r2) =>
    db
      .insertInto('person_classes')
      .values(Array.from({ length: count }, () => ({ round_id: roundId, site_id: siteId, label: `B${randomUUID()}`, grade: 'g6' as const, pupils: 30, link_nonce: randomUUID(), created_at: new Date() })))
      .returning('id')
      .execute();
  const plainPlaces = async (classes: Array<{ id: number }>, siteId: number, roundId: number) => {
    for (const cls of classes) {
      await db
        .insertInto('persons')
        .values(Array.from({ length: 30 }, (_, i) => ({ round_id: roundId, site_id: siteId, class_id: cls.id, role: 'pupil' as const, panel_id: randomUUID(), seq: i + 1, code_nonce: 'b', code_hash: `b-${randomUUID()}`, created_at: new Date() })))
        .execute();
    }
  };
  // The bench's own classes (label B…) go again, so tracking and export see the seeded rounds only.
  const dropBenchClasses = async () => {
    const own = db.selectFrom('person_classes').select('id').where('round_id', '=', r2).where('label', 'like', 'B%');
    await db.deleteFrom('persons').where('class_id', 'in', own).execute();
    await db.deleteFrom('person_classes').where('round_id', '=', r2).where('label', 'like', 'B%').execute();
  };
  const sliceClasses = Math.ceil(CODES / 30);
  const baselineCodes = await time(async () => plainPlaces(await newClasses(sliceClasses), site.id, r2));
  const codes = await time(async () => {
    for (const cls of await newClasses(sliceClasses)) await issueCodes(db, SECRET, ctx, cls.id, 0, 30, new Date());
  });
  rows.push([
    `code generation, ${(sliceClasses * 30).toLocaleString('en')} places in classes of 30 (issueCodes per class)`,
    codes.seconds.toFixed(3),
    'multi-row INSERT of as many person rows per class, no HMAC',
    baselineCodes.seconds.toFixed(3),
    ratio(codes.seconds, baselineCodes.seconds),
  ]);
  await dropBenchClasses();

  if (FULL_CODES) {
    // Every place of a third measurement as large as the others, issued class by class.
    noteLoad();
    const r3 = (await sql<{ id: number }>`insert into rounds (study_id, name, questionnaire_version_id, status, unit_type)
      select study_id, 'Meting 3', questionnaire_version_id, 'draft', 'person' from rounds where id = ${r2} returning id`.execute(db)).rows[0]!.id;
    const r4 = (await sql<{ id: number }>`insert into rounds (study_id, name, questionnaire_version_id, status, unit_type)
      select study_id, 'Meting 3 (baseline)', questionnaire_version_id, 'draft', 'person' from rounds where id = ${r2} returning id`.execute(db)).rows[0]!.id;
    const classesOf = async (roundId: number) => {
      await sql`insert into invitations (round_id, school_id, swv_id, token_nonce, token_hash, status)
        select ${roundId}::int, school_id, swv_id, 'n' || ${roundId}::int || '-' || school_id, 'h' || ${roundId}::int || '-' || school_id, 'started' from invitations where round_id = ${r2}`.execute(db);
      await sql`insert into person_sites (round_id, invitation_id, participation, created_at) select round_id, id, 'yes', now() from invitations where round_id = ${roundId}`.execute(db);
      await sql`insert into person_classes (round_id, site_id, label, grade, pupils, link_nonce, created_at)
        select s.round_id, s.id, 'K' || g, 'g6', 30, md5(s.id || '-' || g), now() from person_sites s, generate_series(1, 10) g where s.round_id = ${roundId}`.execute(db);
      return db.selectFrom('person_classes').select(['id', 'site_id']).where('round_id', '=', roundId).orderBy('id').execute();
    };
    const baseClasses = await classesOf(r4);
    const fullBaseline = await time(async () => {
      for (const c of baseClasses) await plainPlaces([c], c.site_id, r4);
    });
    const fullClasses = await classesOf(r3);
    const full = await time(async () => {
      for (const c of fullClasses) await issueCodes(db, SECRET, { roundId: r3, siteId: c.site_id }, c.id, 0, 30, new Date());
    });
    const check = (await sql<{ n: number; distinct_hashes: number }>`select count(*)::int as n, count(distinct code_hash)::int as distinct_hashes from persons where round_id = ${r3}`.execute(db)).rows[0]!;
    // Every code rebuilt from its nonce: in the alphabet, and as many distinct codes as places.
    const seen = new Set<string>();
    let outside = 0;
    let mismatched = 0;
    for await (const p of db.selectFrom('persons').select(['code_nonce', 'code_hash']).where('round_id', '=', r3).stream(5000)) {
      const code = pupilCode(SECRET, p.code_nonce!);
      if (![...code].every((ch) => CODE_ALPHABET.includes(ch))) outside++;
      if (codeHash(SECRET, code) !== p.code_hash) mismatched++;
      seen.add(code);
    }
    rows.push([
      `code generation, all ${check.n.toLocaleString('en')} places of a measurement, class by class (issueCodes)`,
      full.seconds.toFixed(1),
      'the same plain inserts for every class',
      fullBaseline.seconds.toFixed(1),
      ratio(full.seconds, fullBaseline.seconds),
    ]);
    notes.push(
      `Full code generation: ${check.n.toLocaleString('en')} places, ${seen.size.toLocaleString('en')} distinct codes, ${check.distinct_hashes.toLocaleString('en')} distinct lookup hashes, ${outside} codes outside the alphabet, ${mismatched} hashes that do not match their code.`,
    );
    await db.deleteFrom('rounds').where('id', 'in', [r3, r4]).execute();
    await sql`vacuum analyze persons`.execute(db);
  }

  // --- A class of 30 starting at once, over HTTP from one address, against a bare route.
  noteLoad();
  const classSite = await db.selectFrom('person_sites').select('id').where('round_id', '=', r2).orderBy('id', 'desc').executeTakeFirstOrThrow();
  const [cls] = await newClasses(1, classSite.id);
  await issueCodes(db, SECRET, { roundId: r2, siteId: classSite.id }, cls!.id, 0, 30, new Date());
  const nonce = (await db.selectFrom('person_classes').select('link_nonce').where('id', '=', cls!.id).executeTakeFirstOrThrow()).link_nonce;
  const places = await db.selectFrom('persons').select(['code_nonce']).where('class_id', '=', cls!.id).execute();
  const classCodes = places.map((p) => pupilCode(SECRET, p.code_nonce!));
  const classToken = linkToken(SECRET, 'class-link', cls!.id, nonce);
  const app = await buildApp(benchAppConfig(bench.url), { database, clock: systemClock });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const appUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const bare = Fastify();
  bare.post<{ Body: { code: string } }>('/bare/start', async (request) => {
    const p = await db.selectFrom('persons').select(['id']).where('round_id', '=', r2).where('code_hash', '=', codeHash(SECRET, request.body.code)).executeTakeFirstOrThrow();
    await db.updateTable('persons').set({ started_at: new Date() }).where('id', '=', p.id).execute();
    return { ok: true };
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/bare/start`;
  const burst = async (url: string) => {
    const t0 = performance.now();
    const replies = await Promise.all(
      classCodes.map(async (code) => {
        const s = performance.now();
        const reply = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
        await reply.arrayBuffer();
        return { status: reply.status, ms: performance.now() - s };
      }),
    );
    const ms = replies.map((r) => r.ms).sort((a, b) => a - b);
    return { seconds: (performance.now() - t0) / 1000, refused: replies.filter((r) => r.status !== 200).length, statuses: [...new Set(replies.map((r) => r.status))], p50: percentile(ms, 50), max: ms.at(-1)! };
  };
  const classBaseline = await burst(bareUrl);
  const classRun = await burst(`${appUrl}/api/persons/l/${classToken}/start`);
  await app.close();
  await bare.close();
  await dropBenchClasses();
  rows.push([
    `a class of 30 starting at once (30 concurrent POST …/l/:token/start, one address; ${classRun.refused} refused, p50 ${classRun.p50.toFixed(0)} ms, slowest ${classRun.max.toFixed(0)} ms)`,
    classRun.seconds.toFixed(3),
    `bare Fastify route: code lookup + UPDATE (p50 ${classBaseline.p50.toFixed(0)} ms)`,
    classBaseline.seconds.toFixed(3),
    ratio(classRun.seconds, classBaseline.seconds),
  ]);
  if (classRun.refused > 0) notes.push(`Class of 30: ${classRun.refused} starts refused (statuses ${classRun.statuses.join(', ')}).`);

  // --- Tracking of measurement 2.
  noteLoad();
  const baselineTracking = await median(3, () => db.selectFrom('persons').select(['id', 'status', 'class_id', 'site_id']).where('round_id', '=', r2).execute());
  let panel: Awaited<ReturnType<typeof personTracking>>['panel'] = null;
  const tracking = await median(3, async () => {
    panel = (await personTracking(db, r2)).panel;
  });
  rows.push(['tracking of measurement 2 (personTracking, with "in both")', tracking.toFixed(3), "SELECT of measurement 2's person rows", baselineTracking.toFixed(3), ratio(tracking, baselineTracking)]);

  // --- Wide export, against streaming the same rows from PostgreSQL.
  noteLoad();
  const baselineExport = await withPeakRss(() =>
    time(async () => {
      let n = 0;
      // The export's own row query (server/persons/export.ts), in the order it reads it.
      const stream = personRowsQuery(db, [r1, r2]).stream(1000);
      for await (const _ of stream) n++;
      return n;
    }),
  );
  rows.push([`baseline: the export's row query (both measurements' completed persons with answers, class and school, in panel order), streamed (${baselineExport.value.value.toLocaleString('en')} rows; peak RSS ${baselineExport.peakMb} MB)`, baselineExport.value.seconds.toFixed(3), '', '', '']);
  let wideRows = 0;
  const formats: Array<'csv' | 'sav' | 'xlsx'> = ['csv', 'sav', 'xlsx'];
  for (const format of formats) {
    if (format === 'xlsx' && wideRows > XLSX_MAX_ROWS) {
      notes.push(`Wide XLSX not run: ${wideRows.toLocaleString('en')} rows do not fit a sheet (at most ${XLSX_MAX_ROWS.toLocaleString('en')} rows and a header).`);
      continue;
    }
    noteLoad();
    let bytes = 0;
    const run = await withPeakRss(() =>
      time(async () => {
        const plan = await planPersonExport(db, SECRET, r2, 'wide');
        wideRows = plan.caseCount;
        await pipeline(
          exportStream(plan, format, 'Bench'),
          new Writable({
            write(chunk: Buffer, _enc, cb) {
              bytes += chunk.length;
              cb();
            },
          }),
        );
      }),
    );
    rows.push([
      `wide export, ${format.toUpperCase()} (${wideRows.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(1)} MB; peak RSS ${run.peakMb} MB, ${run.startMb} MB before)`,
      run.value.seconds.toFixed(3),
      'the streamed SELECT above',
      baselineExport.value.seconds.toFixed(3),
      ratio(run.value.seconds, baselineExport.value.seconds),
    ]);
  }

  // Where the wide export's time goes (PERSONS_PROFILE=1): our functions by inclusive time.
  const profile = process.env.PERSONS_PROFILE
    ? await cpuProfile(async () => {
        const plan = await planPersonExport(db, SECRET, r2, 'wide');
        await pipeline(exportStream(plan, 'csv', 'Bench'), new Writable({ write: (_c, _e, cb) => cb() }));
      })
    : null;
  if (profile) console.log(JSON.stringify({ byPackage: profile.byPackage.slice(0, 8), own: profile.ownInclusive.slice(0, 12), top: profile.lines.slice(0, 12) }, null, 1));
  recordResults(`Person rounds at scale: ${perRound.toLocaleString('en')} persons per measurement (bench/persons-scale.ts)`, [
    `Two measurements of ${perRound.toLocaleString('en')} pupils (${(2 * perRound).toLocaleString('en')} persons, ${schools.toLocaleString('en')} schools of 10 classes of 30), seeded by SQL ${REUSE ? 'earlier by this script (PERSONS_SEED_ONLY=1)' : `in ${seeded.seconds.toFixed(0)} s`}; PostgreSQL, pool of 10.`,
    '',
    ...table(['what', 'seconds', 'baseline', 'baseline seconds', '× baseline'], rows),
    '',
    `In both measurements (tracking): ${JSON.stringify(panel)}; expected about ${Math.round(perRound * 0.8 * 0.98).toLocaleString('en')}.`,
    ...notes,
    `Peak RSS of the process ${peakRssMb()} MB. Load average (1 min) at each step: ${loads.join(', ')}; at the end ${loadAverage()}.`,
  ]);
} finally {
  await database.close();
  if (KEEP) console.log(`kept database: ${bench.url}`);
  else await bench.drop();
}
