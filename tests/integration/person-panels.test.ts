import { expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { coordinatorLink } from '../../server/invitations/person-links';
import { contactHash, previousByContact } from '../../server/persons/previous';
import { describeEachDatabase } from '../helpers/db';
import { adminAppForSuite, type AdminSession } from '../helpers/suite-app';
import { readSavWithPspp } from '../helpers/pspp';
import { parse } from 'csv-parse/sync';
import { aDraftFollowUpRound, aDraftPersonRound } from '../fixtures/persons';
import { TEST_SECRET } from '../fixtures/mail-rounds';

const NAT = '192.0.2.20';
const tokenOf = (link: string) => new URL(link).pathname.split('/').pop()!;

describeEachDatabase('person panels across measurements', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let admin: AdminSession;
  adminAppForSuite(getDatabase, { secret: TEST_SECRET }, (t) => ({ app, clock, admin } = t));

  const settings = (roundId: number, payload: Record<string, unknown>) => app.inject({ method: 'PUT', url: `/api/persons/rounds/${roundId}/settings`, headers: admin.headers, payload });
  const register = (token: string, payload: Record<string, unknown>) => app.inject({ method: 'PUT', url: `/api/persons/c/${token}/registration`, payload, remoteAddress: NAT });
  const reissue = (token: string, classId: number, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: `/api/persons/c/${token}/classes/${classId}/reissue`, payload, remoteAddress: NAT });
  async function codesOf(token: string, classId: number): Promise<string[]> {
    const sheet = await app.inject({ method: 'GET', url: `/api/persons/c/${token}/classes/${classId}/codes`, remoteAddress: NAT });
    expect(sheet.statusCode).toBe(200);
    return [...sheet.body.matchAll(/data-code="([A-Z0-9]+)"/g)].map((m) => m[1]!);
  }
  async function open(roundId: number) {
    const db = getDatabase().db;
    await db.updateTable('rounds').set({ status: 'open' }).where('id', '=', roundId).execute();
    const invitations = await db.selectFrom('invitations').select(['id', 'token_nonce']).where('round_id', '=', roundId).orderBy('id').execute();
    return invitations.map((i) => tokenOf(coordinatorLink('http://x', TEST_SECRET, i.id, i.token_nonce)));
  }

  /** Round 1 (school A: 6A of 5, 6B of 4, a teacher; school B: 7A of 3), closed, with its key lists. */
  async function firstMeasurement() {
    const world = await aDraftPersonRound(getDatabase().db, 2, TEST_SECRET);
    expect((await settings(world.roundId, { consentMode: 'passive', roles: ['pupil', 'teacher'] })).statusCode).toBe(200);
    const [tokenA, tokenB] = await open(world.roundId);
    const a = await register(tokenA!, {
      participates: true,
      classes: [
        { label: '6A', grade: 'g6', pupils: 5 },
        { label: '6B', grade: 'g6', pupils: 4 },
      ],
      teachers: [{ email: 'juf@a.test', classes: ['6A'] }],
    });
    expect(a.statusCode, a.body).toBe(200);
    const b = await register(tokenB!, { participates: true, classes: [{ label: '7A', grade: 'g7', pupils: 3 }], teachers: [] });
    const [c6a, c6b] = a.json().classes;
    const keyList6B = await app.inject({ method: 'GET', url: `/api/persons/c/${tokenA}/classes/${c6b.id}/key-list`, remoteAddress: NAT });
    expect(keyList6B.statusCode).toBe(200);
    const codes = { a6a: await codesOf(tokenA!, c6a.id), a6b: await codesOf(tokenA!, c6b.id), b7a: await codesOf(tokenB!, b.json().classes[0].id) };
    await getDatabase().db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', world.roundId).execute();
    return { roundId: world.roundId, codes, keyList6B: keyList6B.rawPayload };
  }

  it('the admin links a follow-up round only to an earlier, opened person round', async () => {
    const first = await firstMeasurement();
    const follow = await aDraftFollowUpRound(getDatabase().db, first.roundId, TEST_SECRET);
    const self = await settings(follow.roundId, { consentMode: 'passive', roles: ['pupil'], previousRoundId: follow.roundId });
    expect(self.statusCode).toBe(400);
    expect(self.json().message).toMatch(/niet op zichzelf/);
    const unknown = await settings(follow.roundId, { consentMode: 'passive', roles: ['pupil'], previousRoundId: 999999 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/bestaande meting met personen/);
    const draft = await aDraftPersonRound(getDatabase().db, 1, TEST_SECRET);
    await settings(draft.roundId, { consentMode: 'passive', roles: ['pupil'] });
    const notOpened = await settings(follow.roundId, { consentMode: 'passive', roles: ['pupil'], previousRoundId: draft.roundId });
    expect(notOpened.statusCode).toBe(400);
    expect(notOpened.json().message).toMatch(/al geopend/);
    const ok = await settings(follow.roundId, { consentMode: 'passive', roles: ['pupil'], previousRoundId: first.roundId });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ previousRoundId: first.roundId, unitType: 'person' });
    // Saving the settings without the field keeps the link.
    expect((await settings(follow.roundId, { consentMode: 'active', roles: ['pupil'] })).json()).toMatchObject({ previousRoundId: first.roundId, consentMode: 'active' });
  });

  it('re-issues round-1 codes per class: same panel id, class changes kept, line errors in Dutch with nothing half-done', async () => {
    const db = getDatabase().db;
    const first = await firstMeasurement();
    const follow = await aDraftFollowUpRound(db, first.roundId, TEST_SECRET);
    expect((await settings(follow.roundId, { consentMode: 'passive', roles: ['pupil', 'teacher'], previousRoundId: first.roundId })).statusCode).toBe(200);
    const [tokenA] = await open(follow.roundId);
    const reg = await register(tokenA!, { participates: true, classes: [{ label: '8A', grade: 'g8', pupils: 7 }], teachers: [{ email: ' Juf@A.test', classes: ['8A'] }] });
    expect(reg.statusCode, reg.body).toBe(200);
    expect(reg.json().followUp).toBe(true);
    const c8a = reg.json().classes[0];
    const fresh = await codesOf(tokenA!, c8a.id);
    expect(fresh).toHaveLength(7);
    const countRound2 = async () => (await db.selectFrom('persons').select('id').where('round_id', '=', follow.roundId).execute()).length;
    const before = await countRound2();

    // Every problem at once, by line; nothing stored.
    const { a6a, a6b, b7a } = first.codes;
    const bad = await reissue(tokenA!, c8a.id, {
      codes: [a6a[0], `Jan Jansen`, b7a[0], `${a6a[1]!.slice(0, 4)}-${a6a[1]!.slice(4)}`, a6a[0]!.toLowerCase(), fresh[0], '', 'ZZZZ-ZZZZ'].join('\n'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/niets opgeslagen/);
    const lines = bad.json().details.map((d: { problem: string }) => d.problem);
    expect(lines).toEqual([
      expect.stringMatching(/^Regel 2: .* is geen code/),
      expect.stringMatching(/^Regel 3: de code .* is niet bekend uit de vorige meting van deze school/),
      expect.stringMatching(/^Regel 5: de code .* staat ook op regel 1/),
      expect.stringMatching(/^Regel 6: de code .* is niet bekend/),
      expect.stringMatching(/^Regel 8: de code ZZZZ-ZZZZ is niet bekend/),
    ]);
    expect(await countRound2()).toBe(before);
    expect(await codesOf(tokenA!, c8a.id)).toEqual(fresh);

    // Pasted from the key list (number, code, name): only the code counts; 6A's five replace unused new places.
    const pasted = a6a.map((code, i) => `${i + 1}\t${code.slice(0, 4)}-${code.slice(4)}\tNaam ${i}`).join('\r\n');
    const ok = await reissue(tokenA!, c8a.id, { codes: pasted });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ reissued: 5, pupils: 7 });
    // 6B's key list as uploaded (a pupil of 6B changed class to 8A): the class grows beyond its free places.
    const upload = await reissue(tokenA!, c8a.id, { keyList: Buffer.from(first.keyList6B).toString('base64') });
    expect(upload.statusCode, upload.body).toBe(200);
    expect(upload.json()).toEqual({ reissued: 4, pupils: 9 });
    const sheet = await codesOf(tokenA!, c8a.id);
    expect(sheet).toHaveLength(9);
    // The two new places left after 6A took their turn went too: 9 = 5 + 4 re-issued codes.
    expect(sheet).toEqual([...a6a, ...a6b]);
    // The same code a second time: already given out.
    const twice = await reissue(tokenA!, c8a.id, { codes: a6b[2]! });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().details[0].problem).toMatch(/al uitgegeven \(klas 8A\)/);
    // Hostile and oversized input: more lines than a class holds, a key list over 1 MB, a body past the limit.
    const many = await reissue(tokenA!, c8a.id, { codes: Array.from({ length: 61 }, () => 'ABCD-EFGH').join('\n') });
    expect(many.statusCode).toBe(400);
    expect(many.json().message).toMatch(/Ten hoogste 60 codes/);
    const big = await reissue(tokenA!, c8a.id, { keyList: Buffer.alloc(1024 * 1024 + 10, 1).toString('base64') });
    expect(big.statusCode).toBe(400);
    expect(big.json().message).toMatch(/groter dan 1 MB/);
    const huge = await reissue(tokenA!, c8a.id, { codes: 'A'.repeat(30_000) });
    expect(huge.statusCode).toBe(400);
    const script = await reissue(tokenA!, c8a.id, { codes: '<script>alert(1)</script>' });
    expect(script.statusCode).toBe(400);
    expect(script.json().details[0].problem).toMatch(/^Regel 1: .* is geen code/);
    expect(await countRound2()).toBe(before + 9 - 7);
    // Not an Excel file; neither or both inputs.
    expect((await reissue(tokenA!, c8a.id, { keyList: Buffer.from('geen excel').toString('base64') })).json().message).toMatch(/geen Excel-bestand/);
    expect((await reissue(tokenA!, c8a.id, {})).json().message).toMatch(/één van beide/);

    // Same panel ids as in round 1, and no round-1 person twice.
    const panel = await db
      .selectFrom('persons as n')
      .innerJoin('persons as o', 'o.id', 'n.previous_person_id')
      .select(['n.panel_id as now', 'o.panel_id as was', 'o.round_id', 'n.role'])
      .where('n.round_id', '=', follow.roundId)
      .execute();
    expect(panel.filter((p) => p.role === 'pupil')).toHaveLength(9);
    for (const p of panel) {
      expect(p.now).toBe(p.was);
      expect(p.round_id).toBe(first.roundId);
    }
    // The teacher, entered again with other capitals and spaces, continues by the keyed hash of the address.
    const teachers = await db.selectFrom('persons').select(['panel_id', 'contact_hash', 'round_id']).where('role', '=', 'teacher').where('round_id', 'in', [first.roundId, follow.roundId]).execute();
    expect(teachers).toHaveLength(2);
    expect(teachers[0]!.panel_id).toBe(teachers[1]!.panel_id);
    expect(teachers[1]!.contact_hash).not.toMatch(/juf|@/i);
    // A professional invited again at the same address (other capitals, spaces) continues; another address does not.
    const site1 = await db.selectFrom('person_sites').select(['id', 'round_id']).where('round_id', '=', first.roundId).orderBy('id').executeTakeFirstOrThrow();
    const professional = await db
      .insertInto('persons')
      .values({ round_id: first.roundId, site_id: site1.id, role: 'professional', panel_id: crypto.randomUUID(), contact_hash: contactHash(TEST_SECRET, 'Prof@Praktijk.nl'), created_at: clock.now() })
      .returning(['id', 'panel_id'])
      .executeTakeFirstOrThrow();
    expect(await previousByContact(db, follow.roundId, 'professional', contactHash(TEST_SECRET, ' prof@praktijk.NL '))).toEqual(professional);
    expect(await previousByContact(db, follow.roundId, 'professional', contactHash(TEST_SECRET, 'ander@praktijk.nl'))).toBeUndefined();
    expect(await previousByContact(db, follow.roundId, 'teacher', contactHash(TEST_SECRET, 'prof@praktijk.nl'))).toBeUndefined();
    expect(contactHash(TEST_SECRET, 'prof@praktijk.nl')).not.toBe(contactHash('another-secret-another-secret-another', 'prof@praktijk.nl'));
    // A round-1 code starts a pupil on the new class link.
    const start = await app.inject({ method: 'POST', url: `/api/persons/l/${tokenOf(c8a.classLink)}/start`, payload: { code: a6b[1] }, remoteAddress: NAT });
    expect(start.statusCode, start.body).toBe(200);
    // Shrinking the class does not remove re-issued codes.
    const shrink = await register(tokenA!, { participates: true, classes: [{ label: '8A', grade: 'g8', pupils: 8 }], teachers: [] });
    expect(shrink.statusCode).toBe(400);
    expect(shrink.json().details[0].problem).toMatch(/kan niet lager dan 9/);
  });

  /** A pupil starts with a code, says yes and completes. */
  async function answer(classLink: string, code: string, data: Record<string, unknown>) {
    const started = await app.inject({ method: 'POST', url: `/api/persons/l/${tokenOf(classLink)}/start`, payload: { code }, remoteAddress: NAT });
    expect(started.statusCode, started.body).toBe(200);
    const session = started.json().session;
    expect((await app.inject({ method: 'POST', url: `/api/persons/p/${session}/assent`, payload: { assent: true } })).statusCode).toBe(200);
    const done = await app.inject({ method: 'POST', url: `/api/persons/p/${session}/complete`, payload: { data, revision: 0 } });
    expect(done.statusCode, done.body).toBe(200);
  }

  it('exports long and wide (CSV, XLSX, .sav read by PSPP), pseudonymised, with "in both" and the tracking figure', async () => {
    const db = getDatabase().db;
    const first = await aDraftPersonRound(db, 1, TEST_SECRET);
    await settings(first.roundId, { consentMode: 'passive', roles: ['pupil'] });
    const [t1] = await open(first.roundId);
    const r1 = await register(t1!, { participates: true, classes: [{ label: '6A', grade: 'g6', pupils: 5 }], teachers: [] });
    const c6a = r1.json().classes[0];
    const codes = await codesOf(t1!, c6a.id);
    // A parent objects for pupil 5; pupils 1–4 answer.
    expect((await app.inject({ method: 'POST', url: `/api/persons/o/${tokenOf(c6a.parentLink)}`, payload: { code: codes[4], decision: 'objection' }, remoteAddress: NAT })).statusCode).toBe(200);
    for (const [i, code] of codes.slice(0, 4).entries()) await answer(c6a.classLink, code, { plezier: 1 + (i % 2), vrienden: 1 });
    await db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', first.roundId).execute();

    const follow = await aDraftFollowUpRound(db, first.roundId, TEST_SECRET);
    await settings(follow.roundId, { consentMode: 'passive', roles: ['pupil'], previousRoundId: first.roundId });
    const [t2] = await open(follow.roundId);
    const r2 = await register(t2!, { participates: true, classes: [{ label: '8A', grade: 'g8', pupils: 5 }], teachers: [] });
    const c8a = r2.json().classes[0];
    // Pupils 1–3 and 5 come back; pupil 4 left; one new pupil.
    expect((await reissue(t2!, c8a.id, { codes: [codes[0], codes[1], codes[2], codes[4]].join('\n') })).json()).toEqual({ reissued: 4, pupils: 5 });
    const sheet = await codesOf(t2!, c8a.id);
    const newcomer = sheet.find((c) => !codes.includes(c))!;
    for (const code of [codes[0]!, codes[1]!, codes[2]!]) await answer(c8a.classLink, code, { plezier: 3, vrienden: 2, waarom: 'Te vroeg, "echt"; op' });
    await answer(c8a.classLink, newcomer, { plezier: 1, vrienden: 2 });

    // Tracking: members in both measurements.
    const tracking = await app.inject({ method: 'GET', url: `/api/persons/rounds/${follow.roundId}/tracking`, headers: admin.headers });
    expect(tracking.json().panel).toEqual({ previousRoundId: first.roundId, previous: 4, current: 4, both: 3 });
    expect((await app.inject({ method: 'GET', url: `/api/persons/rounds/${first.roundId}/tracking`, headers: admin.headers })).json().panel).toBeNull();

    const get = (shape: string, format: string, headers: Record<string, string> = admin.headers) =>
      app.inject({ method: 'GET', url: `/api/persons/rounds/${follow.roundId}/export?shape=${shape}&format=${format}`, headers });
    expect((await get('wide', 'csv', {})).statusCode).toBe(401);
    expect((await get('breed', 'csv')).statusCode).toBe(400);

    const panelIds = (await db.selectFrom('persons').select('panel_id').where('round_id', 'in', [first.roundId, follow.roundId]).execute()).map((p) => p.panel_id);
    const hostile = (body: string) => {
      for (const id of panelIds) expect(body).not.toContain(id);
      for (const code of [...codes, ...sheet]) {
        expect(body).not.toContain(code);
        expect(body).not.toContain(`${code.slice(0, 4)}-${code.slice(4)}`);
      }
    };

    const long = await get('long', 'csv');
    expect(long.statusCode, long.body).toBe(200);
    expect(long.headers['content-disposition']).toMatch(/lang\.csv/);
    hostile(long.body);
    const longRows = parse(long.body, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(longRows[0]!).slice(0, 7)).toEqual(['panel', 'meting', 'rol', 'school_code', 'klas', 'groep', 'voltooid_op']);
    expect(longRows).toHaveLength(8);
    expect(longRows.filter((r) => r.meting === '1')).toHaveLength(4);
    expect(longRows.filter((r) => r.meting === '2').map((r) => r.klas)).toEqual(['8A', '8A', '8A', '8A']);
    // The same pseudonym in both measurements for a returning pupil.
    const byPanel = new Map<string, string[]>();
    for (const r of longRows) byPanel.set(r.panel!, [...(byPanel.get(r.panel!) ?? []), r.meting!]);
    expect([...byPanel.values()].filter((m) => m.length === 2)).toHaveLength(3);

    const wide = await get('wide', 'csv');
    expect(wide.statusCode).toBe(200);
    hostile(wide.body);
    const wideRows = parse(wide.body, { columns: true }) as Array<Record<string, string>>;
    expect(wideRows).toHaveLength(5);
    expect(Object.keys(wideRows[0]!)).toEqual(expect.arrayContaining(['panel', 'rol', 'in_beide', 'T1_school_code', 'T1_plezier', 'T2_plezier', 'T2_waarom', 'T2_klas']));
    expect(wideRows.filter((r) => r.in_beide === '1')).toHaveLength(3);
    for (const r of wideRows.filter((r) => r.in_beide === '1')) {
      expect(r.T2_plezier).toBe('3');
      expect(r.T1_klas).toBe('6A');
      expect(r.T2_waarom).toBe('Te vroeg, "echt"; op');
    }
    // Pupil 4 only in T1, the newcomer only in T2 (missing there: not asked).
    const onlyT1 = wideRows.filter((r) => r.in_beide === '0' && r.T1_klas === '6A');
    expect(onlyT1).toHaveLength(1);
    expect(onlyT1[0]!.T2_plezier).toBe('-9');
    expect(wideRows.filter((r) => r.in_beide === '0' && r.T2_klas === '8A')).toHaveLength(1);

    const xlsx = await get('wide', 'xlsx');
    expect(xlsx.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const data = book.getWorksheet('Data')!;
    expect(data.rowCount).toBe(6);
    expect(data.getRow(1).getCell(3).value).toBe('in_beide');
    expect(book.getWorksheet('Codeboek')!.rowCount).toBeGreaterThan(10);

    for (const shape of ['long', 'wide']) {
      const sav = await get(shape, 'sav');
      expect(sav.statusCode).toBe(200);
      const read = readSavWithPspp(sav.rawPayload);
      expect(read.messages).toEqual([]);
      expect(read.rows).toHaveLength(shape === 'long' ? 8 : 5);
      if (shape === 'wide') {
        expect(read.variables.map((v) => v.name)).toEqual(expect.arrayContaining(['panel', 'in_beide', 'T1_plezier', 'T2_plezier']));
        expect(read.rows.filter((r) => Number(r.in_beide) === 1)).toHaveLength(3);
        expect(read.valueLabels.get('T2_plezier')?.get('3')).toBe('Nee');
      } else {
        expect(read.valueLabels.get('meting')?.get('2')).toBe('Tweede meting');
      }
    }
    // Exports are audit-logged, without personal data.
    const logged = await db.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'export.person_responses').where('target', '=', `round:${follow.roundId}`).execute();
    expect(logged.length).toBeGreaterThanOrEqual(5);
  });

  it('a round that follows nothing re-issues nothing', async () => {
    const first = await firstMeasurement();
    const other = await aDraftPersonRound(getDatabase().db, 1, TEST_SECRET);
    await settings(other.roundId, { consentMode: 'passive', roles: ['pupil'] });
    const [token] = await open(other.roundId);
    const reg = await register(token!, { participates: true, classes: [{ label: '8A', grade: 'g8', pupils: 3 }], teachers: [] });
    expect(reg.json().followUp).toBe(false);
    const reply = await reissue(token!, reg.json().classes[0].id, { codes: first.codes.a6a[0]! });
    expect(reply.statusCode).toBe(409);
    expect(reply.json().message).toMatch(/volgt niet op een eerdere meting/);
  });
});
