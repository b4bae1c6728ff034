import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRepresentativenessCounts, representativeness } from '../../server/analysis/representativeness';
import type { DomainError } from '../../server/errors';
import { insertInvitations } from '../../server/invitations/create';
import { runImport } from '../../server/imports';
import type { ImportReport, ImportType } from '../../server/schools/import';
import type { ReuseDecision } from '../../server/schools/import-types';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { aSchool, anSwv, duoLine, encodeWindows1252, HEADERS, organisationsFile, poLocationsFile, pupilCountFiles, swvListFile, swvSchoolsFile, voLocationsFile, type FixtureSchool, type FixtureSwv } from '../../server/demo/data/duo';
import { aRound, assignSwv, completeInvitation } from '../fixtures/tracking-builders';
import { multipartFile } from '../fixtures/upload';

/**
 * Updating the DUO lists of a running platform: the school → SWV list replaced wholesale (the
 * PGlite crash), SWVs created from that list, addresses that are empty or broken, location codes
 * DUO gave to another school (and the invitations that must keep the old school), pupil counts,
 * hostile lines, and a failure half-way that must leave the previous lists.
 */

const actor = { system: 'test' };
const now = new Date('2026-03-01T08:00:00Z');
const SECRET = 'test-secret-test-secret-test-secret-0123456789';

type Db = Parameters<typeof runImport>[0];

function fileImport(db: Db, bytes: Uint8Array, type: ImportType | 'auto', options: { dryRun?: boolean; reuseDecisions?: Record<string, ReuseDecision> } = {}) {
  return runImport(db, { bytes, type, fileName: 'test.csv' }, { dryRun: options.dryRun ?? false, now, actor, reuseDecisions: options.reuseDecisions });
}

async function refused(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected the import to be refused');
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** `count` po schools with codes `<prefix>AA00` …, spread over the given SWVs. */
function manySchools(prefix: string, count: number, swvCodes: string[]): FixtureSchool[] {
  return Array.from({ length: count }, (_, i) =>
    aSchool({
      locationCode: `${prefix}${LETTERS[Math.floor(i / 26) % 26]}${LETTERS[i % 26]}${String(Math.floor(i / 676)).padStart(2, '0')}`,
      name: `Basisschool Proef ${prefix}-${i}`,
      swvCodes: [swvCodes[i % swvCodes.length]!],
    }),
  );
}

async function linksOf(db: Db): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom('school_swvs')
    .innerJoin('schools', 'schools.id', 'school_swvs.school_id')
    .innerJoin('swvs', 'swvs.id', 'school_swvs.swv_id')
    .select(['schools.location_code', 'swvs.code'])
    .execute();
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.location_code, [...(out.get(r.location_code) ?? []), r.code].sort());
  return out;
}

describeEachDatabase('DUO updates: replacing the school → SWV list', (getDatabase) => {
  const db = () => getDatabase().db;
  const swvs: FixtureSwv[] = [anSwv({ code: 'PO3001' }), anSwv({ code: 'PO3002' }), anSwv({ code: 'PO3003' })];
  const schools = manySchools('93', 1500, swvs.map((s) => s.code));

  beforeAll(async () => {
    await fileImport(db(), poLocationsFile(schools), 'po-locations');
    await fileImport(db(), swvListFile(swvs), 'swvs');
    const first = await fileImport(db(), swvSchoolsFile({ schools, swvs }), 'swv-schools');
    expect(first.counts).toMatchObject({ added: 1500, rejected: 0 });
  });

  it('moves every link in one import (1,500 removed, 1,500 added), on PGlite too', async () => {
    // Every school to the next SWV: the old list's links all go. One statement per 1,000 links;
    // before, one `(school_id, swv_id) in (…)` list of them crashed PGlite ("bad buffer ID: 0").
    const moved = schools.map((s, i) => ({ ...s, swvCodes: [swvs[(i + 1) % swvs.length]!.code] }));
    const file = swvSchoolsFile({ schools: moved, swvs });
    const dry = await fileImport(db(), file, 'swv-schools', { dryRun: true });
    expect(dry.counts).toMatchObject({ added: 1500, deactivated: 1500, unchanged: 0, rejected: 0 });
    const real = await fileImport(db(), file, 'swv-schools');
    expect(real.counts).toMatchObject({ added: 1500, deactivated: 1500 });
    const links = await linksOf(db());
    expect(links.size).toBe(1500);
    for (const s of moved) expect(links.get(s.locationCode)).toEqual(s.swvCodes);
    expect((await fileImport(db(), file, 'swv-schools', { dryRun: true })).counts).toMatchObject({ added: 0, deactivated: 0, unchanged: 1500 });
  });

  it('creates the SWVs the list names that are not known yet, and the dry run says how many', async () => {
    const fresh = [anSwv({ code: 'PO3090', name: 'Passend Primair Onderwijs Nieuwe Regio' }), anSwv({ code: 'VO3091', name: 'Samenwerkingsverband VO Nieuwe Regio' })];
    const some = schools.slice(0, 10).map((s, i) => ({ ...s, swvCodes: [...s.swvCodes, fresh[i % 2]!.code] }));
    const file = swvSchoolsFile({ schools: [...some, ...schools.slice(10).map((s, i) => ({ ...s, swvCodes: [swvs[(i + 11) % swvs.length]!.code] }))], swvs: [...swvs, ...fresh] });
    const dry = await fileImport(db(), file, 'swv-schools', { dryRun: true });
    expect(dry.counts.swvsCreated).toBe(2);
    expect(dry.counts.rejected).toBe(0);
    expect(await db().selectFrom('swvs').select('code').where('code', 'in', ['PO3090', 'VO3091']).execute()).toEqual([]);
    const real = await fileImport(db(), file, 'swv-schools');
    expect(real.counts.swvsCreated).toBe(2);
    const created = await db().selectFrom('swvs').select(['code', 'name', 'sector', 'active']).where('code', 'in', ['PO3090', 'VO3091']).orderBy('code').execute();
    expect(created).toEqual([
      { code: 'PO3090', name: 'Passend Primair Onderwijs Nieuwe Regio', sector: 'po', active: true },
      { code: 'VO3091', name: 'Samenwerkingsverband VO Nieuwe Regio', sector: 'vo', active: true },
    ]);
    const links = await linksOf(db());
    expect(links.get(schools[0]!.locationCode)).toContain('PO3090');
    expect(links.get(schools[1]!.locationCode)).toContain('VO3091');
    // The next time they are known: nothing more to create.
    expect((await fileImport(db(), file, 'swv-schools', { dryRun: true })).counts.swvsCreated).toBe(0);
  });

  it('leaves the previous links when the import fails half-way (one transaction)', async () => {
    const before = await linksOf(db());
    const moved = schools.map((s, i) => ({ ...s, swvCodes: [swvs[(i + 1) % swvs.length]!.code] }));
    // The removals and the first 1,000 new links have run when the database refuses the next one.
    await sql`create function refuse_link() returns trigger language plpgsql as $$
      begin
        if (select count(*) from school_swvs) >= 1000 and tg_op = 'INSERT' then raise exception 'refused for the test'; end if;
        return new;
      end $$`.execute(db());
    await sql`create trigger refuse_link before insert on school_swvs for each row execute function refuse_link()`.execute(db());
    try {
      await expect(fileImport(db(), swvSchoolsFile({ schools: moved, swvs }), 'swv-schools')).rejects.toThrow(/refused for the test/);
    } finally {
      await sql`drop trigger refuse_link on school_swvs`.execute(db());
      await sql`drop function refuse_link()`.execute(db());
    }
    expect(await linksOf(db())).toEqual(before);
  });

  it('rejects malformed, duplicated and oversized lines with a Dutch reason, and imports the rest', async () => {
    const header = HEADERS.swvSchoolsNew.join(';');
    const good = (s: FixtureSchool, code: string) => duoLine([code, 'Naam', s.boardNumber, s.brin, s.locationCode, s.name, s.city, s.municipality]);
    const lines = [
      header,
      good(schools[0]!, 'PO3001'),
      good(schools[0]!, 'PO3001'), // duplicate
      good(schools[1]!, 'XX3001'), // bad SWV code
      duoLine(['PO3001', 'Naam', '1', '93AA', '93AA0', 'x', 'y', 'z']), // bad location code
      duoLine(['PO3001', 'Naam', '1']), // too few columns
      duoLine(['PO3001', 'x'.repeat(600), '1', schools[2]!.brin, schools[2]!.locationCode, 'n', 'p', 'g']), // oversized value
      duoLine(['PO3001', '=HYPERLINK("x")', '1', schools[3]!.brin, schools[3]!.locationCode, 'n', 'p', 'g']), // formula
      good(schools[4]!, 'PO3002'),
    ];
    const report = await fileImport(db(), encodeWindows1252(lines.join('\r\n') + '\r\n'), 'swv-schools', { dryRun: true });
    expect(report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [3, `vestiging ${schools[0]!.locationCode} staat al bij PO3001 op regel 2`],
      [4, "ongeldige SWV-code 'XX3001' (verwacht PO of VO met vier cijfers, bijvoorbeeld PO2701)"],
      [5, "ongeldige vestigingscode '93AA0' (verwacht BRIN + twee cijfers, bijvoorbeeld 12AB00)"],
      [6, 'verwacht 8 kolommen, gevonden 3'],
      [7, 'kolom NAAM SAMENWERKINGSVERBAND: waarde is te lang'],
      [8, "kolom NAAM SAMENWERKINGSVERBAND: waarde begint met '=' (een formule wordt niet ingelezen)"],
    ]);
    expect(report.counts).toMatchObject({ lines: 8, rejected: 6 });
    // A rejected line never costs its school its link; nothing is created from a rejected line.
    expect(report.counts.swvsCreated).toBe(0);
  });
});

describeEachDatabase('DUO updates: addresses that are empty or broken', (getDatabase) => {
  const db = () => getDatabase().db;
  let t: TestApp;
  let admin: Record<string, string>;
  const broken: Array<[string, string]> = [
    ['info(at)de-linde.example', 'info@de-linde.example'],
    ['info @ het-anker.example', 'info@het-anker.example'],
    ['directie@de-ark.example.', 'directie@de-ark.example'],
    ['mailto: info[at]de-fontein.example', 'info@de-fontein.example'],
  ];
  const schools = [
    ...broken.map(([raw], i) => aSchool({ locationCode: `94B${LETTERS[i]}00`, name: `School ${i}`, email: null, rawEmail: raw })),
    aSchool({ locationCode: '94CA00', name: 'Zonder adres', email: null }),
    aSchool({ locationCode: '94CB00', name: 'Met adres', email: 'info@met-adres.example' }),
    aSchool({ locationCode: '94CC00', name: 'Twee adressen', email: null, rawEmail: 'a@b.example; c@d.example' }),
  ];

  beforeAll(async () => {
    t = await makeTestApp(getDatabase());
    admin = (await loginAs(db(), 'admin')).headers;
    await fileImport(db(), poLocationsFile(schools), 'po-locations');
  });
  afterAll(async () => t?.app.close());

  it('reports schools without an address apart from unchanged ones, and suggests corrections for broken forms', async () => {
    const file = organisationsFile({ schools, swvs: [] });
    const first = await fileImport(db(), file, 'organisations');
    expect(first.counts).toMatchObject({ added: 1, unchanged: 0, emptyInFile: 1 });
    expect(first.emptyAddresses).toEqual([{ locationCode: '94CA00', name: 'Zonder adres', keepsAddress: false }]);
    expect(first.corrections.map((c) => [c.locationCode, c.raw, c.suggestion])).toEqual(broken.map(([raw, fixed], i) => [`94B${LETTERS[i]}00`, raw, fixed]));
    // Two addresses in one field: no guess, only the rejection.
    expect(first.rejected.find((r) => r.key === '94CC00')!.reason).toBe("meer dan één e-mailadres in één veld: 'a@b.example; c@d.example'");
    expect(first.rejected.find((r) => r.key === '94BA00')!.reason).toBe(
      "ongeldig e-mailadres: 'info(at)de-linde.example' (bedoeld is waarschijnlijk info@de-linde.example; neem de correctie over in het overzicht)",
    );
    const again = await fileImport(db(), file, 'organisations', { dryRun: true });
    expect(again.counts).toMatchObject({ added: 0, unchanged: 1, emptyInFile: 1 });
  });

  it('lets an admin take over the suggested corrections in bulk, keeping addresses an admin typed', async () => {
    const report = await fileImport(db(), organisationsFile({ schools, swvs: [] }), 'organisations', { dryRun: true });
    // An admin typed the address of one of them: the correction must not overwrite it.
    await db().updateTable('schools').set({ email: 'juf@de-ark.example', email_source: 'admin' }).where('location_code', '=', '94BC00').execute();
    const corrections = report.corrections.map((c) => ({ locationCode: c.locationCode, email: c.suggestion }));
    const res = await t.app.inject({ method: 'POST', url: '/api/imports/email-corrections', headers: admin, payload: { corrections: [...corrections, { locationCode: '99ZZ00', email: 'x@y.example' }] } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ applied: 3, unchanged: 0, kept: 1, refused: [{ locationCode: '99ZZ00', reason: 'onbekende vestiging' }] });
    const rows = await db().selectFrom('schools').select(['location_code', 'email', 'email_source']).where('location_code', 'like', '94B%').orderBy('location_code').execute();
    expect(rows).toEqual([
      { location_code: '94BA00', email: 'info@de-linde.example', email_source: 'duo' },
      { location_code: '94BB00', email: 'info@het-anker.example', email_source: 'duo' },
      { location_code: '94BC00', email: 'juf@de-ark.example', email_source: 'admin' },
      { location_code: '94BD00', email: 'info@de-fontein.example', email_source: 'duo' },
    ]);
    const audit = await db().selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'import.email-corrections').executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.details)).not.toContain('@');
    // The next dry run no longer proposes what was taken over.
    const next = await fileImport(db(), organisationsFile({ schools, swvs: [] }), 'organisations', { dryRun: true });
    expect(next.corrections.map((c) => c.locationCode)).toEqual(['94BC00']);
  });

  it('refuses a bad correction request in Dutch, and researchers may not take corrections over', async () => {
    const empty = await t.app.inject({ method: 'POST', url: '/api/imports/email-corrections', headers: admin, payload: { corrections: [] } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toBe('Kies ten minste één correctie om over te nemen.');
    const bad = await t.app.inject({ method: 'POST', url: '/api/imports/email-corrections', headers: admin, payload: { corrections: [{ locationCode: '94CA00', email: 'info(at)x.example' }] } });
    expect(bad.json()).toMatchObject({ applied: 0, refused: [{ locationCode: '94CA00', reason: 'ongeldig e-mailadres' }] });
    const researcher = (await loginAs(db(), 'researcher')).headers;
    const denied = await t.app.inject({ method: 'POST', url: '/api/imports/email-corrections', headers: researcher, payload: { corrections: [{ locationCode: '94CA00', email: 'a@b.example' }] } });
    expect(denied.statusCode).toBe(403);
  });
});

describeEachDatabase('DUO updates: a location code DUO gave to another school', (getDatabase) => {
  const db = () => getDatabase().db;
  const swv = anSwv({ code: 'PO3101' });
  const oldSchool = aSchool({ locationCode: '95DA00', name: 'Basisschool De Wilgenhoek', postcode: '3511 AB', boardNumber: '41001', province: 'Utrecht', denomination: 'Openbaar', swvCodes: ['PO3101'] });
  const renamed = aSchool({ ...oldSchool, name: 'Openbare Basisschool De Wilgenhoek', locationCode: '95DA00' });
  const neighbour = aSchool({ locationCode: '95DB00', name: 'Kindcentrum Het Palet', postcode: '3512 AB', swvCodes: ['PO3101'] });
  const reused = aSchool({ ...oldSchool, name: 'Islamitische Basisschool Al Noor', postcode: '6811 CD', city: 'ARNHEM', boardNumber: '48888', province: 'Gelderland', denomination: 'Islamitisch' });
  let roundId: number;
  let invitationId: number;

  beforeAll(async () => {
    await fileImport(db(), poLocationsFile([oldSchool, neighbour]), 'po-locations');
    await fileImport(db(), swvListFile([swv]), 'swvs');
    await fileImport(db(), swvSchoolsFile({ schools: [oldSchool, neighbour], swvs: [swv] }), 'swv-schools');
    // Last year's round: the old school was invited and answered.
    roundId = await aRound(db(), { status: 'closed' });
    const swvId = (await db().selectFrom('swvs').select('id').where('code', '=', 'PO3101').executeTakeFirstOrThrow()).id;
    await assignSwv(db(), roundId, swvId, 'po-vo', 'A');
    const school = await db().selectFrom('schools').select('id').where('location_code', '=', '95DA00').executeTakeFirstOrThrow();
    invitationId = (await insertInvitations(db(), roundId, [{ schoolId: school.id, swvId, email: 'info@wilgenhoek.example' }], SECRET))[0]!;
    await db().updateTable('invitations').set({ invited_at: now, status: 'invited' }).where('id', '=', invitationId!).execute();
    await completeInvitation(db(), invitationId!, now);
  });

  it('freezes the school on the invitation when it is made', async () => {
    const inv = await db()
      .selectFrom('invitations')
      .select(['school_location_code', 'school_brin', 'school_name', 'school_kind', 'school_province', 'school_denomination', 'school_postcode'])
      .where('id', '=', invitationId)
      .executeTakeFirstOrThrow();
    expect(inv).toEqual({ school_location_code: '95DA00', school_brin: '95DA', school_name: 'Basisschool De Wilgenhoek', school_kind: 'po', school_province: 'Utrecht', school_denomination: 'Openbaar', school_postcode: '3511 AB' });
  });

  it('takes a rename at the same address for the same school, without asking', async () => {
    const report = await fileImport(db(), poLocationsFile([renamed, neighbour]), 'po-locations', { dryRun: true });
    expect(report.reuse).toEqual([]);
    expect(report.counts).toMatchObject({ changed: 1 });
  });

  it('names each reused code in the dry run, and refuses the import until the admin decides', async () => {
    const file = poLocationsFile([reused, neighbour]);
    const dry = await fileImport(db(), file, 'po-locations', { dryRun: true });
    expect(dry.reuse).toHaveLength(1);
    expect(dry.reuse[0]).toMatchObject({
      line: 2,
      locationCode: '95DA00',
      before: { name: 'Basisschool De Wilgenhoek', postcode: '3511 AB', boardNumber: '41001' },
      after: { name: 'Islamitische Basisschool Al Noor', postcode: '6811 CD', boardNumber: '48888' },
      decision: null,
    });
    expect(dry.reuse[0]!.reasons).toEqual([expect.stringMatching(/^andere naam \(\d+ % gelijk\)$/), 'ander adres (postcode 3511 AB → 6811 CD)', 'ander bestuur (41001 → 48888)']);
    const error = await refused(fileImport(db(), file, 'po-locations'));
    expect(error.statusCode).toBe(409);
    expect(error.message).toBe(
      'Eén vestigingscode hoort in dit bestand bij een andere school dan in Meetronde (bijvoorbeeld 95DA00: "Basisschool De Wilgenhoek" wordt "Islamitische Basisschool Al Noor"). Geef per code aan of het dezelfde school is of een nieuwe school, en lees het bestand dan opnieuw in.',
    );
    expect((await db().selectFrom('schools').select('name').where('location_code', '=', '95DA00').executeTakeFirstOrThrow()).name).toBe('Basisschool De Wilgenhoek');
  });

  it('on "new school": retires the old school, gives the code a new one, and old answers keep the old school', async () => {
    const report = await fileImport(db(), poLocationsFile([reused, neighbour]), 'po-locations', { reuseDecisions: { '95DA00': 'new' } });
    expect(report.reuse[0]!.decision).toBe('new');
    expect(report.counts).toMatchObject({ added: 1, deactivated: 1 });
    const rows = await db().selectFrom('schools').select(['id', 'location_code', 'former_location_code', 'name', 'active', 'retired_at']).where('brin', '=', '95DA').orderBy('id').execute();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ location_code: `95DA00#${rows[0]!.id}`, former_location_code: '95DA00', name: 'Basisschool De Wilgenhoek', active: false });
    expect(rows[1]).toMatchObject({ location_code: '95DA00', former_location_code: null, name: 'Islamitische Basisschool Al Noor', active: true, retired_at: null });
    // The old invitation still points at the old school, and its frozen attributes are untouched.
    const inv = await db().selectFrom('invitations').select(['school_id', 'school_name', 'school_province']).where('id', '=', invitationId).executeTakeFirstOrThrow();
    expect(inv).toEqual({ school_id: rows[0]!.id, school_name: 'Basisschool De Wilgenhoek', school_province: 'Utrecht' });
    // The retired school's SWV link went with it; the new school gets its own from the next 09 list.
    expect((await linksOf(db())).get('95DA00')).toBeUndefined();
    // Later imports leave the retired school alone and see the new one as unchanged.
    const again = await fileImport(db(), poLocationsFile([reused, neighbour]), 'po-locations', { dryRun: true });
    expect(again.counts).toMatchObject({ unchanged: 2, added: 0, deactivated: 0 });
    expect(again.reuse).toEqual([]);
  });

  it('on "same school": updates in place, and the answered invitation keeps the school as it was invited', async () => {
    const next = aSchool({ ...reused, name: 'Kindcentrum Zonnebloem', postcode: '9711 AA', city: 'GRONINGEN', boardNumber: '49999', province: 'Groningen', denomination: 'Algemeen bijzonder' });
    // Invite the current school in a new round first, so there is an answer to protect.
    const round2 = await aRound(db(), { status: 'open' });
    const swvId = (await db().selectFrom('swvs').select('id').where('code', '=', 'PO3101').executeTakeFirstOrThrow()).id;
    await assignSwv(db(), round2, swvId, 'po-vo', 'A');
    const current = await db().selectFrom('schools').select('id').where('location_code', '=', '95DA00').executeTakeFirstOrThrow();
    const [inv2] = await insertInvitations(db(), round2, [{ schoolId: current.id, swvId, email: 'info@alnoor.example' }], SECRET);
    await db().updateTable('invitations').set({ invited_at: now, status: 'invited' }).where('id', '=', inv2!).execute();
    await completeInvitation(db(), inv2!, now);

    const report = await fileImport(db(), poLocationsFile([next, neighbour]), 'po-locations', { reuseDecisions: { '95DA00': 'same' } });
    expect(report.reuse.map((c) => [c.locationCode, c.decision])).toEqual([['95DA00', 'same']]);
    expect((await db().selectFrom('schools').select('name').where('id', '=', current.id).executeTakeFirstOrThrow()).name).toBe('Kindcentrum Zonnebloem');
    // The analysis groups the answer under the school as it was invited.
    const counts = await loadRepresentativenessCounts(db(), round2);
    expect(counts.province).toEqual([expect.objectContaining({ value: 'Gelderland', invited: 1, completed: 1 })]);
    expect(counts.denomination).toEqual([expect.objectContaining({ value: 'Islamitisch', invited: 1, completed: 1 })]);
    const inv = await db().selectFrom('invitations').select(['school_name', 'school_postcode']).where('id', '=', inv2!).executeTakeFirstOrThrow();
    expect(inv).toEqual({ school_name: 'Islamitische Basisschool Al Noor', school_postcode: '6811 CD' });
  });
});

describeEachDatabase('DUO updates: pupil counts per location', (getDatabase) => {
  const db = () => getDatabase().db;
  const swv = anSwv({ code: 'PO3201' });
  const voSwv = anSwv({ code: 'VO3202' });
  const po = manySchools('96', 60, ['PO3201']);
  const vo = Array.from({ length: 12 }, (_, i) => aSchool({ locationCode: `96V${LETTERS[i]}0${i % 3}`, kind: 'vo', name: `Proefcollege ${i}`, swvCodes: ['VO3202'] }));
  const files = pupilCountFiles([...po, ...vo], { seed: 5 });

  beforeAll(async () => {
    await fileImport(db(), poLocationsFile(po), 'po-locations');
    await fileImport(db(), voLocationsFile(vo), 'vo-locations');
    await fileImport(db(), swvListFile([swv, voSwv]), 'swvs');
    await fileImport(db(), swvSchoolsFile({ schools: [...po, ...vo], swvs: [swv, voSwv] }), 'swv-schools');
  });

  it('recognises both files, sums a location’s lines and keeps masked counts as a range', async () => {
    const poDry = await fileImport(db(), files.po, 'auto', { dryRun: true });
    expect(poDry.type).toBe('pupil-counts');
    expect(poDry.counts).toMatchObject({ added: 60, rejected: 0 });
    expect(poDry.warnings.map((w) => w.message).join('\n')).toMatch(/staan kleine aantallen als <5: hun aantal is bewaard als bereik/);
    await fileImport(db(), files.po, 'auto');
    const voReport = await fileImport(db(), files.vo, 'auto');
    expect(voReport.type).toBe('pupil-counts');
    expect(voReport.counts).toMatchObject({ added: 12, rejected: 0 });
    const rows = await db().selectFrom('schools').select(['location_code', 'pupils_min', 'pupils_max', 'pupils_reference']).execute();
    for (const r of rows) {
      const want = files.expected.get(r.location_code)!;
      expect([r.location_code, r.pupils_min, r.pupils_max]).toEqual([r.location_code, want.min, want.max]);
    }
    expect(rows.some((r) => r.pupils_min !== r.pupils_max)).toBe(true);
    expect(rows.find((r) => r.location_code === po[0]!.locationCode)!.pupils_reference).toBe('01-10-2025');
    expect((await fileImport(db(), files.po, 'auto', { dryRun: true })).counts).toMatchObject({ unchanged: 60, added: 0, changed: 0 });
  });

  it('names bad lines in Dutch, skips unknown locations, and refuses a file without counts', async () => {
    const header = 'PEILDATUM;INSTELLINGSCODE;VESTIGINGSCODE;INSTELLINGSNAAM VESTIGING;LEEFTIJD 4;LEEFTIJD 5';
    const text = [
      header,
      `01-10-2025;${po[0]!.brin};00;School;10;<5`,
      `01-10-2025;${po[0]!.brin};00;School;veel;3`,
      '01-10-2025;99ZZ;00;Onbekend;10;10',
      '01-10-2025; ;7;Zonder BRIN;1;1',
      `01-10-2025;${po[1]!.brin};00;School;${'9'.repeat(30)};1`,
      `01-10-2025;${po[1]!.brin};00;School;-5;1`,
      `01-10-2025;${po[1]!.brin};00;School;1`,
    ].join('\r\n');
    const report = await fileImport(db(), Buffer.from(text + '\r\n'), 'pupil-counts', { dryRun: true });
    expect(report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [3, "kolom LEEFTIJD 4: 'veel' is geen aantal leerlingen (verwacht een geheel getal of <5)"],
      [5, "vestigingsnummer '7' zonder INSTELLINGSCODE (BRIN): de vestiging is niet te bepalen"],
      [6, `kolom LEEFTIJD 4: '${'9'.repeat(30)}' is geen aantal leerlingen (verwacht een geheel getal of <5)`],
      [7, "kolom LEEFTIJD 4: '-5' is geen aantal leerlingen (verwacht een geheel getal of <5)"],
      [8, 'verwacht 6 kolommen, gevonden 5'],
    ]);
    expect(report.counts).toMatchObject({ skipped: 1, changed: 1 });
    expect(report.warnings[0]!.message).toContain('1 vestiging uit dit bestand is niet bekend in Meetronde en overgeslagen (bijvoorbeeld 99ZZ00)');
    const error = await refused(fileImport(db(), Buffer.from('VESTIGINGSCODE;NAAM\r\n96AA00;x\r\n'), 'pupil-counts', { dryRun: true }));
    expect(error.message).toBe('Deze kolommen ontbreken in de kopregel voor "Leerlingaantallen per vestiging (DUO)": aantallen leerlingen (kolommen LEEFTIJD … of LEERJAAR …, of TOTAAL).');
  });

  it('gives representativeness a school-size dimension with classes from the data and a "niet bekend" class', async () => {
    const roundId = await aRound(db(), { status: 'open' });
    const swvId = (await db().selectFrom('swvs').select('id').where('code', '=', 'PO3201').executeTakeFirstOrThrow()).id;
    await assignSwv(db(), roundId, swvId, 'po-vo', 'A');
    // One school without a count.
    await db().updateTable('schools').set({ pupils_min: null, pupils_max: null }).where('location_code', '=', po[59]!.locationCode).execute();
    const schools = await db().selectFrom('schools').select(['id', 'location_code']).where('kind', '=', 'po').orderBy('location_code').execute();
    const ids = await insertInvitations(db(), roundId, schools.map((s) => ({ schoolId: s.id, swvId, email: `info@${s.location_code.toLowerCase()}.example` })), SECRET);
    await db().updateTable('invitations').set({ invited_at: now, status: 'invited' }).where('round_id', '=', roundId).execute();
    for (const id of ids.slice(0, 30)) await completeInvitation(db(), id, now);
    const result = await representativeness(db(), roundId);
    const size = result.dimensions.find((d) => d.key === 'size')!;
    expect(size.available).toBe(true);
    const known = size.categories.filter((c) => c.label !== 'Niet bekend');
    expect(known.map((c) => c.label)).toEqual([expect.stringMatching(/^Klein \(tot en met \d+ leerlingen\)$/), expect.stringMatching(/^Middelgroot \(\d+ tot en met \d+ leerlingen\)$/), expect.stringMatching(/^Groot \(meer dan \d+ leerlingen\)$/)]);
    // Tertiles: each class about a third of the 59 schools with a count.
    for (const c of known) expect(c.invited).toBeGreaterThanOrEqual(17);
    expect(size.categories.find((c) => c.label === 'Niet bekend')).toMatchObject({ invited: 1, filter: null });
    expect(size.summary).toContain('Van 1 uitgenodigde school is het leerlingaantal niet bekend');
    expect(known.reduce((n, c) => n + c.invited, 0)).toBe(59);
  });
});
