import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import { openPostgres } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrator';
import { exportStream } from '../server/exports/formats';
import { planPersonExport } from '../server/persons/export';
import { issueCodes } from '../server/persons/sites';
import { personTracking } from '../server/persons/tracking';
import { cpuProfile, createBenchDatabase, loadAverage, peakRssMb, recordResults, table } from './lib';

/**
 * Person rounds at scale (issue 19: 1.1 million pupils). Two measurements of PERSONS_SCALE pupils
 * each (schools of 10 classes of 30; 80% of round 1 come back in round 2 with their panel id, the
 * rest are new), all completed. Measured, each against a baseline in the same run:
 *
 * - code generation (`issueCodes`, one HMAC code and a unique insert per place) against plain
 *   single-row inserts of the same number of person rows;
 * - tracking of round 2 (`personTracking`, with the "in both" figure) against a plain SELECT of
 *   round 2's person rows;
 * - the wide export as CSV (`planPersonExport` + `exportStream`) against a plain SELECT of the same
 *   persons with their answers, both measurements.
 *
 * Default size is small (3,000 per round); `PERSONS_SCALE=1100000` is the national case (the wide
 * export builds its rows in memory, see server/persons/export.ts: watch the peak RSS).
 */
const N = Math.max(300, Number(process.env.PERSONS_SCALE ?? 3000));
const CODES = Math.min(N, Number(process.env.PERSONS_CODES ?? 600));
const SECRET = 'bench-secret-'.repeat(4);
const schools = Math.ceil(N / 300);
const perRound = schools * 300;

const bench = await createBenchDatabase('persons');
const database = openPostgres(bench.url);
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

try {
  await migrateToLatest(db);
  const seeded = await time(async () => {
    const content = {
      title: 'Leerlingen',
      meetronde: { key: 'leerlingen', version: '1', variables: [], consent: { question: 'meedoen', yes: 'ja', no: 'nee' } },
      pages: [
        {
          name: 'p1',
          elements: [
            { type: 'radiogroup', name: 'plezier', title: 'Ga je graag naar school?', choices: [1, 2, 3] },
            { type: 'radiogroup', name: 'vrienden', title: 'Heb je vrienden in de klas?', choices: [1, 2] },
            { type: 'comment', name: 'waarom', title: 'Waarom?', visibleIf: '{plezier} = 3' },
          ],
        },
      ],
    };
    await sql`insert into studies (name, slug) values ('Bench', 'bench')`.execute(db);
    await sql`insert into questionnaire_versions (questionnaire_key, version, title, content, sha256) values ('leerlingen', '1', 'Leerlingen', ${JSON.stringify(content)}::jsonb, 'bench-persons')`.execute(db);
    await sql`insert into rounds (study_id, name, questionnaire_version_id, status, unit_type)
      select s.id, m.name, v.id, m.status, 'person' from studies s, questionnaire_versions v,
      (values ('Meting 1', 'closed', 1), ('Meting 2', 'open', 2)) as m(name, status, n) order by m.n`.execute(db);
    await sql`insert into person_rounds (round_id, consent_mode, roles, previous_round_id, created_at, updated_at)
      select id, 'passive', '["pupil"]', lag(id) over (order by id), now(), now() from rounds`.execute(db);
    await sql`insert into swvs (code, name, sector) values ('PO2001', 'SWV 1', 'po')`.execute(db);
    await sql`insert into round_swvs (round_id, swv_id, situation, region_letter) select r.id, w.id, 'po-vo', 'A' from rounds r, swvs w`.execute(db);
    await sql`insert into schools (location_code, brin, name, kind, street, house_number, postcode, city)
      select lpad(g::text, 6, '0'), lpad((g / 100)::text, 4, '0'), 'School ' || g, 'po', 'Straat', g::text, '1234 AB', 'PLAATS' from generate_series(1, ${schools}) g`.execute(db);
    await sql`insert into invitations (round_id, school_id, swv_id, token_nonce, token_hash, status)
      select r.id, s.id, (select id from swvs), 'n' || r.id || '-' || s.id, 'h' || r.id || '-' || s.id, 'started' from rounds r, schools s`.execute(db);
    await sql`insert into person_sites (round_id, invitation_id, participation, created_at) select round_id, id, 'yes', now() from invitations`.execute(db);
    await sql`insert into person_classes (round_id, site_id, label, grade, pupils, link_nonce, created_at)
      select s.round_id, s.id, 'K' || g, 'g6', 30, md5(s.id || '-' || g), now() from person_sites s, generate_series(1, 10) g`.execute(db);
    const [r1, r2] = (await db.selectFrom('rounds').select('id').orderBy('id').execute()).map((r) => r.id);
    await sql`insert into persons (round_id, site_id, class_id, role, panel_id, seq, code_nonce, code_hash, status, started_at, completed_at, created_at)
      select c.round_id, c.site_id, c.id, 'pupil', gen_random_uuid(), g, md5('n' || c.id || '-' || g), md5('h' || c.id || '-' || g), 'completed', now(), now(), now()
      from person_classes c, generate_series(1, 30) g where c.round_id = ${r1}`.execute(db);
    // Round 2: the same school and class label; 80% keep their panel id (and code), 20% are new.
    await sql`insert into persons (round_id, site_id, class_id, role, panel_id, seq, code_nonce, code_hash, previous_person_id, status, started_at, completed_at, created_at)
      select c2.round_id, c2.site_id, c2.id, 'pupil', case when p.id % 5 = 0 then gen_random_uuid() else p.panel_id end, p.seq, p.code_nonce,
        case when p.id % 5 = 0 then md5('new' || p.id) else p.code_hash end, case when p.id % 5 = 0 then null else p.id end, 'completed', now(), now(), now()
      from persons p
      join person_classes c1 on c1.id = p.class_id
      join person_sites s1 on s1.id = c1.site_id
      join invitations i1 on i1.id = s1.invitation_id
      join invitations i2 on i2.school_id = i1.school_id and i2.round_id = ${r2}
      join person_sites s2 on s2.invitation_id = i2.id
      join person_classes c2 on c2.site_id = s2.id and c2.label = c1.label
      where p.round_id = ${r1}`.execute(db);
    await sql`insert into person_responses (person_id, data, revision, created_at, updated_at, completed_at)
      select id, jsonb_build_object('plezier', 1 + id % 3, 'vrienden', 1 + id % 2) || case when id % 3 = 2 then '{"waarom": "te vroeg"}'::jsonb else '{}'::jsonb end, 1, now(), now(), now() from persons`.execute(db);
    await sql`analyze`.execute(db);
    return { r1: r1!, r2: r2! };
  });
  const { r1, r2 } = seeded.value;
  console.log(`seeded 2 × ${perRound} persons in ${seeded.seconds.toFixed(1)} s`);

  // Code generation: a school registering classes, against plain single-row inserts.
  const site = await db.selectFrom('person_sites').select('id').where('round_id', '=', r2).orderBy('id').executeTakeFirstOrThrow();
  const newClass = () =>
    db
      .insertInto('person_classes')
      .values({ round_id: r2, site_id: site.id, label: `B${randomBytes(4).toString('hex')}`, grade: 'g6', pupils: 30, link_nonce: 'x', created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
  const baselineCodes = await time(async () => {
    const cls = await newClass();
    for (let i = 1; i <= CODES; i++) {
      await db
        .insertInto('persons')
        .values({ round_id: r2, site_id: site.id, class_id: cls.id, role: 'pupil', panel_id: randomUUID(), seq: i, code_nonce: 'b', code_hash: `b-${randomUUID()}`, created_at: new Date() })
        .execute();
    }
  });
  const codes = await time(async () => {
    const cls = await newClass();
    await issueCodes(db, SECRET, { roundId: r2, siteId: site.id }, cls.id, 0, CODES, new Date());
  });
  // The bench's own classes go again, so tracking and export see the seeded rounds only.
  await db.deleteFrom('person_classes').where('round_id', '=', r2).where('label', 'like', 'B%').execute();

  const baselineTracking = await median(3, () => db.selectFrom('persons').select(['id', 'status', 'class_id', 'site_id']).where('round_id', '=', r2).execute());
  let panel: Awaited<ReturnType<typeof personTracking>>['panel'] = null;
  const tracking = await median(3, async () => {
    panel = (await personTracking(db, r2)).panel;
  });

  const baselineExport = await median(1, () =>
    db.selectFrom('persons as p').innerJoin('person_responses as r', 'r.person_id', 'p.id').select(['p.id', 'p.panel_id', 'p.class_id', 'r.data', 'r.completed_at']).where('p.round_id', 'in', [r1, r2]).execute(),
  );
  let bytes = 0;
  let rows = 0;
  const wide = await median(1, async () => {
    const plan = await planPersonExport(db, SECRET, r2, 'wide');
    rows = plan.caseCount;
    bytes = 0;
    await pipeline(
      exportStream(plan, 'csv', 'Bench'),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          cb();
        },
      }),
    );
  });

  // Where the wide export's time goes (PERSONS_PROFILE=1): our functions by inclusive time.
  const profile = process.env.PERSONS_PROFILE
    ? await cpuProfile(async () => {
        const plan = await planPersonExport(db, SECRET, r2, 'wide');
        await pipeline(exportStream(plan, 'csv', 'Bench'), new Writable({ write: (_c, _e, cb) => cb() }));
      })
    : null;
  if (profile) console.log(JSON.stringify({ byPackage: profile.byPackage.slice(0, 8), own: profile.ownInclusive.slice(0, 12), top: profile.lines.slice(0, 12) }, null, 1));
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(1) : '–');
  recordResults(`Person rounds at scale: ${perRound.toLocaleString('en')} persons per measurement (bench/persons-scale.ts)`, [
    ...table(
      ['what', 'seconds', 'baseline', 'baseline seconds', '× baseline'],
      [
        [`code generation, ${CODES.toLocaleString('en')} places (issueCodes)`, codes.seconds.toFixed(3), 'single-row inserts of as many person rows, no HMAC', baselineCodes.seconds.toFixed(3), ratio(codes.seconds, baselineCodes.seconds)],
        ['tracking of round 2 (personTracking, with "in both")', tracking.toFixed(3), "SELECT of round 2's person rows", baselineTracking.toFixed(3), ratio(tracking, baselineTracking)],
        [`wide export, CSV (${rows.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(1)} MB)`, wide.toFixed(3), 'SELECT of both rounds’ persons with their answers', baselineExport.toFixed(3), ratio(wide, baselineExport)],
      ],
    ),
    '',
    `In both measurements (tracking): ${JSON.stringify(panel)}; expected about ${Math.round(perRound * 0.8).toLocaleString('en')}.`,
    `Seeding: ${seeded.seconds.toFixed(1)} s. Peak RSS ${peakRssMb()} MB. Load average ${loadAverage()}.`,
  ]);
} finally {
  await database.close();
  await bench.drop();
}
