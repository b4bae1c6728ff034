import { expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { coordinatorLink, formatCode, pupilCode } from '../../server/invitations/person-links';
import { linkedColumns, type LinkedColumn } from '../../server/persons/linked-columns';
import { UPLOAD_FILE_LIMIT } from '../../server/limits';
import { loginAs } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { adminAppForSuite } from '../helpers/suite-app';
import { anOpenPersonRound, aDraftPersonRound, aTeacherQuestionnaire, TEACHER_QUESTIONNAIRE } from '../fixtures/persons';
import { aMailInvitation, aMailRound, TEST_SECRET } from '../fixtures/mail-rounds';

const NAT = '192.0.2.30';
const tokenOf = (link: string) => new URL(link).pathname.split('/').pop()!;

/** A multipart body with one file, as the admin page's upload sends it. */
function multipart(bytes: Buffer, fileName: string) {
  const boundary = '----meetronde-test-boundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, bytes, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

describeEachDatabase('person rounds: linked informants and external scores', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  adminAppForSuite(getDatabase, { secret: TEST_SECRET }, (t) => ({ app, clock } = t));

  /**
   * A person round linked to a school round of the same school (which answered), one school
   * registered with classes 6A (3 pupils) and 6B (2 pupils); teachers: juf (6A, 6B) and meester (6B).
   */
  async function aLinkedRound(consentMode: 'passive' | 'active' = 'passive') {
    const db = getDatabase().db;
    const admin = await loginAs(db, 'admin', clock.now());
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    const teacherVersion = await aTeacherQuestionnaire(db);
    // The linked school round: same school, its questionnaire (the teacher one serves), a completed response.
    const schoolRound = await aMailRound(db, { status: 'closed' });
    await db.updateTable('rounds').set({ questionnaire_version_id: teacherVersion }).where('id', '=', schoolRound.id).execute();
    const personInv = await db.selectFrom('invitations').select(['id', 'token_nonce', 'school_id', 'swv_id']).where('round_id', '=', world.roundId).executeTakeFirstOrThrow();
    const schoolInv = await aMailInvitation(db, { roundId: schoolRound.id, schoolId: personInv.school_id!, swvId: personInv.swv_id!, email: 'x@scholen.test' });
    await db
      .insertInto('responses')
      .values({ invitation_id: schoolInv.id, data: JSON.stringify({ Q_consent: 'ja', klimaat: 3, opmerking: 'Rustige school' }), created_at: clock.now(), updated_at: clock.now(), completed_at: clock.now() })
      .execute();
    const set = await anOpenPersonRound(app, db, world.roundId, admin.headers, { consentMode, roles: ['pupil', 'teacher'], teacherQuestionnaireId: `v${teacherVersion}`, linkedSchoolRoundId: schoolRound.id });
    expect(set.json().linkedSchoolRoundId).toBe(schoolRound.id);
    const token = tokenOf(coordinatorLink('http://x', TEST_SECRET, personInv.id, personInv.token_nonce));
    const reply = await app.inject({
      method: 'PUT',
      url: `/api/persons/c/${token}/registration`,
      payload: {
        participates: true,
        classes: [
          { label: '6A', grade: 'g6', pupils: 3 },
          { label: '6B', grade: 'g6', pupils: 2 },
        ],
        teachers: [
          { email: 'juf@school.test', classes: ['6A', '6B'] },
          { email: 'meester@school.test', classes: ['6B'] },
        ],
      },
      remoteAddress: NAT,
    });
    expect(reply.statusCode, reply.body).toBe(200);
    const classes = reply.json().classes as Array<{ id: number; label: string }>;
    const pupils = await db.selectFrom('persons').select(['id', 'class_id', 'seq', 'code_nonce']).where('round_id', '=', world.roundId).where('role', '=', 'pupil').orderBy('class_id').orderBy('seq').execute();
    const teachers = await db
      .selectFrom('persons as p')
      .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
      .select(['p.id', 'p.code_nonce', 'pc.email'])
      .where('p.round_id', '=', world.roundId)
      .where('p.role', '=', 'teacher')
      .execute();
    return { world, admin, classes, pupils: pupils.map((p) => ({ ...p, code: pupilCode(TEST_SECRET, p.code_nonce!) })), teachers, schoolRound };
  }

  /** A teacher answers about classes (through the teacher API), in this order. */
  async function teacherAnswers(t: { id: number; code_nonce: string | null }, answers: Array<[number, Record<string, unknown>]>) {
    const { linkToken } = await import('../../server/invitations/person-links');
    const token = linkToken(TEST_SECRET, 'teacher-link', t.id, t.code_nonce!);
    expect((await app.inject({ method: 'POST', url: `/api/persons/t/${token}/consent`, payload: { consent: true }, remoteAddress: NAT })).statusCode).toBe(200);
    for (const [classId, data] of answers) {
      const done = await app.inject({ method: 'POST', url: `/api/persons/t/${token}/classes/${classId}/complete`, payload: { data, revision: 0 }, remoteAddress: NAT });
      expect(done.statusCode, done.body).toBe(200);
      clock.advance(60_000);
    }
  }

  const column = (columns: LinkedColumn[], name: string) => {
    const c = columns.find((x) => x.name === name);
    expect(c, `column ${name} in ${columns.map((x) => x.name).join(', ')}`).toBeDefined();
    return c!;
  };

  async function upload(roundId: number, headers: Record<string, string>, bytes: Buffer, o: { dryRun: boolean; text?: string; name?: string }) {
    const body = multipart(bytes, o.name ?? 'lvs.csv');
    return app.inject({
      method: 'POST',
      url: `/api/persons/rounds/${roundId}/external-scores?dryRun=${o.dryRun}${o.text ? `&text=${encodeURIComponent(o.text)}` : ''}`,
      headers: { ...headers, 'content-type': body.contentType },
      payload: body.payload,
    });
  }

  it('pupil rows carry their class’s teacher answers (lk_), their school’s answers from the linked school round (sch_) and imported scores (ext_)', async () => {
    const db = getDatabase().db;
    const { world, admin, classes, pupils, teachers } = await aLinkedRound();
    const [a, b] = classes;
    const juf = teachers.find((t) => t.email === 'juf@school.test')!;
    const meester = teachers.find((t) => t.email === 'meester@school.test')!;
    // Juf completes 6A and 6B first; meester completes 6B later: 6B pupils carry juf's answers.
    await teacherAnswers(juf, [
      [a!.id, { klimaat: 4, uren: 12 }],
      [b!.id, { klimaat: 2, opmerking: 'Drukke klas' }],
    ]);
    await teacherAnswers(meester, [[b!.id, { klimaat: 5 }]]);
    const pupilA = pupils.find((p) => p.class_id === a!.id)!;
    const pupilB = pupils.find((p) => p.class_id === b!.id)!;
    const csv = Buffer.from(`code;lvs_rekenen;lvs_niveau\n${formatCode(pupilA.code)};45,5;A\n${pupilB.code.toLowerCase()};38;C\n`);
    const applied = await upload(world.roundId, admin.headers, csv, { dryRun: false, text: 'lvs_niveau' });
    expect(applied.statusCode, applied.body).toBe(200);

    const columns = await linkedColumns(db, world.roundId);
    const names = columns.map((c) => c.name);
    expect(names).toContain('lk_leerkrachten');
    expect(names.filter((n) => n.startsWith('lk_'))).toEqual(expect.arrayContaining(['lk_klimaat', 'lk_uren', 'lk_opmerking']));
    expect(names).not.toContain('lk_Q_consent');
    expect(names.filter((n) => n.startsWith('sch_'))).toEqual(expect.arrayContaining(['sch_klimaat', 'sch_opmerking']));
    for (const n of names) expect(n).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,63}$/);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);

    expect(column(columns, 'lk_leerkrachten').values.get(pupilA.id)).toBe(1);
    expect(column(columns, 'lk_leerkrachten').values.get(pupilB.id)).toBe(2);
    expect(column(columns, 'lk_klimaat').values.get(pupilA.id)).toBe(4);
    expect(column(columns, 'lk_klimaat').values.get(pupilB.id)).toBe(2);
    expect(column(columns, 'lk_klimaat').kind).toBe('numeric');
    expect(column(columns, 'lk_opmerking')).toMatchObject({ kind: 'string' });
    expect(column(columns, 'lk_opmerking').values.get(pupilB.id)).toBe('Drukke klas');
    expect(column(columns, 'lk_klimaat').label).toMatch(/^Leerkracht: /);
    // Every pupil of the school carries the school's answers.
    for (const p of pupils) expect(column(columns, 'sch_klimaat').values.get(p.id)).toBe(3);
    expect(column(columns, 'sch_opmerking').values.get(pupilA.id)).toBe('Rustige school');
    // External scores: numbers with a decimal comma, a text variable; pupils without a value are missing.
    expect(column(columns, 'ext_lvs_rekenen')).toMatchObject({ kind: 'numeric', label: 'Extern: lvs_rekenen' });
    expect(column(columns, 'ext_lvs_rekenen').values.get(pupilA.id)).toBe(45.5);
    expect(column(columns, 'ext_lvs_rekenen').values.get(pupilB.id)).toBe(38);
    expect(column(columns, 'ext_lvs_rekenen').values.has(pupils[1]!.id)).toBe(false);
    expect(column(columns, 'ext_lvs_niveau')).toMatchObject({ kind: 'string' });
    expect(column(columns, 'ext_lvs_niveau').values.get(pupilB.id)).toBe('C');
    // Teachers' rows carry nothing: the values are for pupils only.
    expect(column(columns, 'lk_klimaat').values.has(juf.id)).toBe(false);

    // Tracking: teachers per school.
    const tracking = await app.inject({ method: 'GET', url: `/api/persons/rounds/${world.roundId}/tracking`, headers: admin.headers });
    expect(tracking.statusCode, tracking.body).toBe(200);
    expect(tracking.json().teachers).toEqual({ registered: 2, invited: 2, started: 2, completed: 2, refused: 0, optedOut: 0, bounced: 0 });
    expect(tracking.json().schools[0].teachers).toMatchObject({ registered: 2, invited: 2, completed: 2 });
    // The pupil totals stay pupils only.
    expect(tracking.json().total.registered).toBe(5);
  });

  it('a round without teacher questionnaire, linked round or scores has no linked columns; a linked round must be a school round', async () => {
    const db = getDatabase().db;
    const admin = await loginAs(db, 'admin', clock.now());
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    const bad = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${world.roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles: ['pupil'], linkedSchoolRoundId: world.roundId } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/meting per school/);
    const ok = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${world.roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles: ['pupil'] } });
    expect(ok.statusCode).toBe(200);
    expect(await linkedColumns(db, world.roundId)).toEqual([]);
  });

  it('the import: a dry run lists every line problem in Dutch and stores nothing; applying a file with problems stores nothing either', async () => {
    const db = getDatabase().db;
    const { world, admin, pupils } = await aLinkedRound();
    const [p1, p2, p3] = pupils;
    const foreign = 'ABCDEFGH'; // a valid code shape, not a pupil of this round (1 in 2^40)
    const csv = Buffer.from(
      [
        'code,lvs_rekenen,lvs_taal',
        `${p1!.code},45,50`,
        `${p2!.code},veel,51`,
        `${p1!.code},40,40`,
        `${foreign},30,30`,
        'K0OL-1234,30,30',
        `,30,30`,
        `${p3!.code},=HYPERLINK("http://x"),30`,
        `${pupils[3]!.code},-12,+3`,
      ].join('\n'),
    );
    const dry = await upload(world.roundId, admin.headers, csv, { dryRun: true });
    expect(dry.statusCode, dry.body).toBe(200);
    const report = dry.json();
    expect(report).toMatchObject({ dryRun: true, applied: false, lines: 8 });
    const text = report.problems.map((p: { problem: string }) => p.problem).join('\n');
    expect(text).toMatch(/Regel 3, lvs_rekenen: "veel" is geen getal/);
    expect(text).toMatch(/Regel 4: dezelfde code als regel 2/);
    expect(text).toMatch(/Regel 5: deze code hoort niet bij een leerling van deze meting/);
    expect(text).toMatch(/Regel 6: dit is geen leerlingcode/);
    expect(text).toMatch(/Regel 7: de code ontbreekt/);
    expect(text).toMatch(/Regel 8, lvs_rekenen: de waarde begint met '='/);
    expect(text).not.toMatch(/Regel 9/);
    // No code is echoed back.
    for (const p of pupils) expect(dry.body).not.toContain(p.code);
    expect(dry.body).not.toContain(foreign);
    expect(await db.selectFrom('person_external_scores').select('person_id').where('round_id', '=', world.roundId).execute()).toHaveLength(0);
    const apply = await upload(world.roundId, admin.headers, csv, { dryRun: false });
    expect(apply.statusCode).toBe(400);
    expect(apply.json().message).toMatch(/niets ingelezen/);
    expect(await db.selectFrom('person_external_scores').select('person_id').where('round_id', '=', world.roundId).execute()).toHaveLength(0);
    // The audit log and nothing else holds a trace of the import; no code in it.
    const audits = await db.selectFrom('audit_log').select('details').where('action', '=', 'persons.external_scores').execute();
    for (const a of audits) for (const p of pupils) expect(JSON.stringify(a.details)).not.toContain(p.code);
  });

  it('the import refuses bad headers, oversized, empty and hostile files as a whole, and skips pupils whose parents objected', async () => {
    const db = getDatabase().db;
    const { world, admin, pupils, classes } = await aLinkedRound();
    const headerProblems = await upload(world.roundId, admin.headers, Buffer.from(`leerling,1score,lvs rekenen,taal,taal\n${pupils[0]!.code},1,2,3,4\n`), { dryRun: true });
    expect(headerProblems.statusCode).toBe(400);
    const lines = headerProblems.json().details.map((d: { problem: string }) => d.problem).join('\n');
    expect(lines).toMatch(/geen kolom "code"/);
    expect(lines).toMatch(/Kolom 2 \(1score\): een variabelenaam begint met een letter/);
    expect(lines).toMatch(/Kolom 3 \(lvs rekenen\)/);
    expect(lines).toMatch(/Kolom 5: de variabele taal staat er twee keer in/);
    const unknownText = await upload(world.roundId, admin.headers, Buffer.from(`code,taal\n${pupils[0]!.code},3\n`), { dryRun: true, text: 'niveau' });
    expect(unknownText.statusCode).toBe(400);
    expect(JSON.stringify(unknownText.json().details)).toMatch(/tekstvariabele niveau staat niet in de kopregel/);
    // Empty, binary, an old .xls, a broken zip pretending to be XLSX, and a file over the limit.
    const empty = await upload(world.roundId, admin.headers, Buffer.alloc(0), { dryRun: true });
    expect(empty.statusCode).toBe(400);
    const xls = await upload(world.roundId, admin.headers, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2, 3, 4]), { dryRun: true, name: 'lvs.xls' });
    expect(xls.statusCode).toBe(400);
    expect(xls.json().message).toMatch(/\.xls/);
    const fakeZip = await upload(world.roundId, admin.headers, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]), { dryRun: true, name: 'lvs.xlsx' });
    expect(fakeZip.statusCode).toBe(400);
    const huge = await upload(world.roundId, admin.headers, Buffer.concat([Buffer.from('code,taal\n'), Buffer.alloc(UPLOAD_FILE_LIMIT + 10, 0x41)]), { dryRun: true });
    expect(huge.statusCode).toBe(413);
    // An XLSX with a formula cell: the line is refused, not evaluated.
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('LVS');
    sheet.addRow(['code', 'lvs_rekenen']);
    sheet.addRow([pupils[0]!.code, { formula: 'HYPERLINK("http://x","1")', result: 1 }]);
    sheet.addRow([pupils[1]!.code, 33]);
    const xlsx = Buffer.from(await book.xlsx.writeBuffer());
    const formula = await upload(world.roundId, admin.headers, xlsx, { dryRun: true, name: 'lvs.xlsx' });
    expect(formula.statusCode, formula.body).toBe(200);
    expect(formula.json().problems.map((p: { problem: string }) => p.problem).join('\n')).toMatch(/Regel 2, lvs_rekenen: de waarde begint met '='/);
    // A parent objects for one pupil: the import skips that pupil (counted, not named), stores the rest.
    const cls = classes.find((c) => c.id === pupils[0]!.class_id)!;
    const { linkToken } = await import('../../server/invitations/person-links');
    const nonce = (await db.selectFrom('person_classes').select('link_nonce').where('id', '=', cls.id).executeTakeFirstOrThrow()).link_nonce;
    const objection = await app.inject({ method: 'POST', url: `/api/persons/o/${linkToken(TEST_SECRET, 'parent-link', cls.id, nonce)}`, payload: { code: pupils[0]!.code, decision: 'objection' }, remoteAddress: NAT });
    expect(objection.statusCode, objection.body).toBe(200);
    const good = Buffer.from(`code,lvs_rekenen\n${pupils[0]!.code},40\n${pupils[1]!.code},41\n${pupils[2]!.code},42\n`);
    const dry = await upload(world.roundId, admin.headers, good, { dryRun: true });
    expect(dry.json()).toMatchObject({ problems: [], pupils: 2, skipped: 1, values: 2 });
    const applied = await upload(world.roundId, admin.headers, good, { dryRun: false });
    expect(applied.json()).toMatchObject({ applied: true, pupils: 2, skipped: 1 });
    const stored = await db.selectFrom('person_external_scores').select(['person_id', 'value_number']).where('round_id', '=', world.roundId).orderBy('person_id').execute();
    expect(stored.map((s) => s.person_id)).toEqual([pupils[1]!.id, pupils[2]!.id]);
    // A second import of the same variable replaces the first.
    const again = await upload(world.roundId, admin.headers, Buffer.from(`code,lvs_rekenen\n${pupils[1]!.code},50\n`), { dryRun: false });
    expect(again.statusCode).toBe(200);
    const after = await db.selectFrom('person_external_scores').select(['person_id', 'value_number']).where('round_id', '=', world.roundId).execute();
    expect(after).toEqual([{ person_id: pupils[1]!.id, value_number: 50 }]);
    // Researchers only.
    const anonymous = await upload(world.roundId, {}, good, { dryRun: true });
    expect(anonymous.statusCode).toBe(401);
  });
});
