import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import { sha256 } from '../../server/crypto';
import { invitationToken } from '../../server/invitations/tokens';
import { eraseSchoolData } from '../../server/privacy/erase';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { loadDataset } from '../../server/demo/data/duo-load';
import { encodeWindows1252, imageDataset, poLocationsFile, aSchool, swvAssignmentCsv, type FixtureSchool } from '../../server/demo/data/duo';
import { multipartFile } from '../fixtures/upload';

const dataset = imageDataset({ seed: 11 });
/** The address each school ends up with after the DUO import (see the import tests). */
function expectedEmail(school: FixtureSchool): string | null {
  const main = dataset.schools.find((m) => m.locationCode === `${school.brin}00`)!;
  return school.rawEmail ? null : (school.email ?? (main.rawEmail ? null : main.email));
}

describeEachDatabase('rounds: setup, preview, opening and corrections', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let secret: string;
  let admin: Record<string, string>;
  let researcher: Record<string, string>;
  const db = () => getDatabase().db;

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers = admin) => {
    const res = await app.inject({ method, url, headers, ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}) });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  const upload = async (url: string, bytes: Uint8Array, headers = admin, name = 'lijst.csv') => {
    const form = multipartFile(bytes, name);
    const res = await app.inject({ method: 'POST', url, headers: { ...headers, ...form.headers }, payload: form.payload });
    return { status: res.statusCode, body: res.json() };
  };

  let studyId: number;
  let roundId: number;

  beforeAll(async () => {
    clock = new ManualClock('2023-03-13T07:00:00Z');
    let config;
    ({ app, config } = await makeTestApp(getDatabase(), { clock }));
    secret = config.secret;
    admin = (await loginAs(db(), 'admin', clock.now())).headers;
    researcher = (await loginAs(db(), 'researcher', clock.now())).headers;
    await loadDataset(db(), dataset, { now: clock.now() });
  });
  afterAll(async () => app?.close());

  describe('a study and its round', () => {
    it('creates a study and a round pinned to a questionnaire snapshot, open six weeks, one reminder after 14 days', async () => {
      const study = await call('POST', '/api/studies', { name: 'IMAGE deelstudie samenwerking' });
      expect(study.status).toBe(201);
      studyId = study.body.id;
      expect(study.body.slug).toBe('image-deelstudie-samenwerking');
      const round = await call('POST', '/api/rounds', {
        studyId,
        name: 'Meting 2023',
        questionnaireId: 'image-samenwerking-2023',
        opensAt: '2023-03-13T08:00:00.000Z',
      });
      expect(round.status).toBe(201);
      roundId = round.body.id;
      expect(round.body).toMatchObject({ status: 'draft', reminder_policy: { afterDays: [14] } });
      expect(new Date(round.body.closes_at).toISOString()).toBe('2023-04-24T22:00:00.000Z'); // the end of that Dutch day
      const version = await db().selectFrom('questionnaire_versions').selectAll().where('id', '=', round.body.questionnaire_version_id).executeTakeFirstOrThrow();
      expect(version.questionnaire_key).toBe('image-samenwerking');
    });

    it('refuses bad settings in Dutch and lets only admins change things', async () => {
      expect(await call('POST', '/api/rounds', { studyId, name: 'x', opensAt: '2023-03-13T08:00:00Z', closesAt: '2023-03-01T08:00:00Z' })).toMatchObject({
        status: 400,
        body: { message: 'De sluitdatum moet na de openingsdatum liggen.' },
      });
      expect(await call('POST', '/api/rounds', { studyId, name: 'x', reminderDays: [14, 14] })).toMatchObject({ status: 400 });
      expect(await call('POST', '/api/rounds', { studyId, name: 'x', questionnaireId: 'bestaat-niet' })).toMatchObject({ status: 400 });
      expect((await call('POST', '/api/rounds', { studyId, name: 'x' }, researcher)).status).toBe(403);
      expect((await call('GET', `/api/rounds/${roundId}`, undefined, researcher)).status).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/api/rounds' })).statusCode).toBe(401);
      const { cookie } = admin;
      expect((await app.inject({ method: 'POST', url: '/api/studies', headers: { cookie }, payload: { name: 'zonder csrf' } })).statusCode).toBe(403);
    });
  });

  describe('SWV assignment', () => {
    it('checks a CSV in a dry run and assigns nothing when any line is wrong', async () => {
      const bad = Buffer.from(
        [
          'SWV;Situatie;Letter',
          'PO2501;po-po;A',
          'PO9999;po-po;B',
          'PO2301;samen;B',
          'PO3001;po-po;ab1',
          'VO2001;po-po;D',
          'VO2801;vo-vo;A',
          'PO2601;po-vo;G',
          'PO2602;po-vo;G',
          'PO2501;po-po;A',
          '',
        ].join('\r\n'),
      );
      const report = await upload(`/api/rounds/${roundId}/swvs/import?dryRun=false`, bad);
      expect(report.status).toBe(200);
      expect(report.body.applied).toBe(false);
      expect(report.body.rejected).toEqual([
        { line: 3, reason: 'onbekende SWV-code PO9999 (importeer eerst de lijst van samenwerkingsverbanden)' },
        { line: 4, reason: "onbekende samenwerkingssituatie 'samen' (laat leeg of schrijf 'geen' als de vragenlijst geen situatie gebruikt)" },
        { line: 5, reason: "ongeldige regioletter 'ab1' (één of twee hoofdletters)" },
        { line: 6, reason: 'VO2001 is een vo-samenwerkingsverband en past niet bij de situatie "Samenwerking binnen po"' },
        { line: 7, reason: 'letter A hoort al bij PO2501; alleen in de situatie po–vo delen een po- en een vo-samenwerkingsverband een letter' },
        { line: 9, reason: 'letter G hoort al bij PO2601; een po–vo-regio heeft één po- en één vo-samenwerkingsverband' },
        { line: 10, reason: 'PO2501 komt al voor op regel 2' },
      ]);
      expect(await db().selectFrom('round_swvs').selectAll().execute()).toEqual([]);
    });

    it('assigns the 21 SWVs of the 18 regions from a CSV, pairing po and vo under one letter', async () => {
      const csv = swvAssignmentCsv(dataset.assignments);
      const dry = await upload(`/api/rounds/${roundId}/swvs/import?dryRun=true`, csv);
      expect(dry.body).toMatchObject({ lines: 21, rejected: [], applied: false });
      expect(dry.body.added).toHaveLength(21);
      const real = await upload(`/api/rounds/${roundId}/swvs/import?dryRun=false`, csv);
      expect(real.body).toMatchObject({ applied: true, rejected: [] });
      const again = await upload(`/api/rounds/${roundId}/swvs/import?dryRun=false`, csv);
      expect(again.body).toMatchObject({ applied: true, unchanged: 21, added: [], changed: [] });
      const round = await call('GET', `/api/rounds/${roundId}`, undefined, researcher);
      expect(round.body.swvs).toHaveLength(21);
      const letters = new Set(round.body.swvs.map((s: { regionLetter: string }) => s.regionLetter));
      expect(letters.size).toBe(18);
      const g = round.body.swvs.filter((s: { regionLetter: string }) => s.regionLetter === 'G');
      expect(g.map((s: { sector: string; situation: string }) => `${s.sector}:${s.situation}`).sort()).toEqual(['po:po-vo', 'vo:po-vo']);
    });

    it('assigns and removes one SWV at a time, with the same rules', async () => {
      expect(await call('PUT', `/api/rounds/${roundId}/swvs/VO2001`, { situation: 'po-ko', regionLetter: 'D' })).toMatchObject({
        status: 400,
        body: { message: 'VO2001 is een vo-samenwerkingsverband en past niet bij de situatie "Tussen po en kinderopvang".' },
      });
      expect(await call('PUT', `/api/rounds/${roundId}/swvs/VO2001`, { situation: 'vo-vo', regionLetter: 'Z' })).toMatchObject({
        status: 200,
        body: { swvCode: 'VO2001', situation: 'vo-vo', regionLetter: 'Z' },
      });
      expect((await call('PUT', `/api/rounds/${roundId}/swvs/VO2001`, { situation: 'vo-vo', regionLetter: 'D' })).status).toBe(200);
      expect((await call('DELETE', `/api/rounds/${roundId}/swvs/VO2001`)).status).toBe(204);
      expect((await call('DELETE', `/api/rounds/${roundId}/swvs/VO2001`)).status).toBe(404);
      expect((await call('PUT', `/api/rounds/${roundId}/swvs/vo-20-01`, { situation: 'Samenwerking binnen vo', regionLetter: 'd' })).body).toEqual({
        swvCode: 'VO2001',
        situation: 'vo-vo',
        regionLetter: 'D',
      });
    });
  });

  describe('preview and opening', () => {
    let extraSchoolId: number;
    let excludedSchoolId: number;

    it('shows per SWV how many schools will be invited and lists those without a usable address', async () => {
      // An address stored before validation existed cannot be used either.
      const legacy = dataset.schools.find((s) => expectedEmail(s) !== null && s.swvCodes[0] === 'PO2501')!;
      await db().updateTable('schools').set({ email: 'info@@oud.example' }).where('location_code', '=', legacy.locationCode).execute();

      const preview = await call('GET', `/api/rounds/${roundId}/preview`, undefined, researcher);
      expect(preview.status).toBe(200);
      for (const swv of preview.body.swvs) {
        const schools = dataset.schools.filter((s) => s.swvCodes.includes(swv.code));
        const reachable = schools.filter((s) => expectedEmail(s) !== null && s.locationCode !== legacy.locationCode);
        expect(swv, swv.code).toMatchObject({ schools: schools.length, toInvite: reachable.length, unreachable: schools.length - reachable.length, invited: 0 });
      }
      expect(preview.body.totals.schools).toBe(dataset.schools.length);
      const reasons = new Map(preview.body.unreachable.map((s: { locationCode: string; reason: string }) => [s.locationCode, s.reason]));
      expect(reasons.get(legacy.locationCode)).toBe('ongeldig e-mailadres');
      const noAddress = dataset.schools.filter((s) => expectedEmail(s) === null);
      expect(noAddress.length).toBeGreaterThan(10);
      for (const s of noAddress) expect(reasons.get(s.locationCode)).toBe('geen e-mailadres');
      expect(reasons.size).toBe(noAddress.length + 1);
    });

    it('lets the admin exclude a school and add one from outside the SWV lists before opening', async () => {
      const outside = await db()
        .insertInto('schools')
        .values({ location_code: '94ZZ00', brin: '94ZZ', name: 'Buitenschool', kind: 'po', email: 'info@buiten.example', email_source: 'admin' })
        .returning('id')
        .executeTakeFirstOrThrow();
      extraSchoolId = outside.id;
      const swv = await db().selectFrom('swvs').select('id').where('code', '=', 'PO2501').executeTakeFirstOrThrow();
      expect(await call('POST', `/api/rounds/${roundId}/schools/${extraSchoolId}/include`, {})).toMatchObject({
        status: 400,
        body: { message: 'Kies het samenwerkingsverband waaronder deze school meedoet.' },
      });
      const added = await call('POST', `/api/rounds/${roundId}/schools/${extraSchoolId}/include`, { swvId: swv.id });
      expect(added.body).toMatchObject({ state: 'to-invite', added: true, swvCode: 'PO2501' });

      const target = dataset.schools.find((s) => expectedEmail(s) !== null && s.swvCodes[0] === 'VO2801')!;
      excludedSchoolId = (await db().selectFrom('schools').select('id').where('location_code', '=', target.locationCode).executeTakeFirstOrThrow()).id;
      const excluded = await call('POST', `/api/rounds/${roundId}/schools/${excludedSchoolId}/exclude`);
      expect(excluded.body).toMatchObject({ state: 'excluded' });
      const preview = await call('GET', `/api/rounds/${roundId}/preview`);
      expect(preview.body.excluded.map((s: { schoolId: number }) => s.schoolId)).toEqual([excludedSchoolId]);
    });

    it('opens the round: one pending invitation per reachable school, personal links stored as nonce and hash only', async () => {
      const before = await call('GET', `/api/rounds/${roundId}/preview`);
      clock.set('2023-03-13T09:00:00Z');
      const opened = await call('POST', `/api/rounds/${roundId}/open`);
      expect(opened.status).toBe(200);
      expect(opened.body).toMatchObject({ invited: before.body.totals.toInvite, unreachable: before.body.totals.unreachable, excluded: 1 });

      const invitations = await db().selectFrom('invitations').innerJoin('schools', 'schools.id', 'invitations.school_id').selectAll('invitations').select(['schools.email as school_email', 'schools.location_code']).where('round_id', '=', roundId).execute();
      expect(invitations).toHaveLength(before.body.totals.toInvite);
      expect(new Set(invitations.map((i) => i.school_id)).size).toBe(invitations.length);
      expect(invitations.some((i) => i.school_id === extraSchoolId)).toBe(true);
      expect(invitations.some((i) => i.school_id === excludedSchoolId)).toBe(false);
      for (const inv of invitations) {
        expect(inv.status).toBe('pending');
        expect(inv.email).toBe(inv.school_email);
        expect(inv.token_hash).toBe(sha256(invitationToken(secret, inv.token_nonce)));
      }
      expect(new Set(invitations.map((i) => i.token_hash)).size).toBe(invitations.length);
      // What the audit log keeps of the opening: counts.
      const entry = await db().selectFrom('audit_log').selectAll().where('action', '=', 'round.open').executeTakeFirstOrThrow();
      expect(entry.details).toEqual({ invited: invitations.length, unreachable: before.body.totals.unreachable, excluded: 1 });

      const round = await call('GET', `/api/rounds/${roundId}`);
      expect(round.body.status).toBe('open');
      expect(new Date(round.body.opens_at).toISOString()).toBe('2023-03-13T08:00:00.000Z');
      expect((await call('POST', `/api/rounds/${roundId}/open`)).status).toBe(409);
      expect((await call('PUT', `/api/rounds/${roundId}/swvs/VO2001`, { situation: 'vo-vo', regionLetter: 'D' })).status).toBe(409);
    });

    it('after opening, a corrected address goes to the invitation and a newly reachable school can be invited', async () => {
      const unreachable = (await call('GET', `/api/rounds/${roundId}/schools?state=unreachable`)).body as Array<{ schoolId: number; locationCode: string }>;
      const target = unreachable.find((s) => s.locationCode !== undefined)!;
      expect((await call('PUT', `/api/schools/${target.schoolId}/email`, { email: 'geen adres' })).status).toBe(400);
      expect((await call('PUT', `/api/schools/${target.schoolId}/email`, { email: 'Directie@Gevonden.EXAMPLE' }, researcher)).status).toBe(403);
      const corrected = await call('PUT', `/api/schools/${target.schoolId}/email`, { email: 'Directie@Gevonden.EXAMPLE' });
      expect(corrected.body).toEqual({ schoolId: target.schoolId, email: 'Directie@gevonden.example', invitationsUpdated: 0 });
      const state = (await call('GET', `/api/rounds/${roundId}/schools?state=to-invite`)).body;
      expect(state.map((s: { schoolId: number }) => s.schoolId)).toEqual([target.schoolId]);
      expect((await call('POST', `/api/rounds/${roundId}/invite`, { schoolIds: [target.schoolId] })).body).toEqual({ invited: 1 });
      expect((await call('POST', `/api/rounds/${roundId}/invite`, {})).body).toEqual({ invited: 0 });

      // An invited school's corrected address replaces the one its mailings go to, and an old bounce no longer holds.
      const invited = await db().selectFrom('invitations').select(['id', 'school_id']).where('round_id', '=', roundId).where('school_id', '!=', target.schoolId).limit(1).executeTakeFirstOrThrow();
      await db().updateTable('invitations').set({ bounced_at: clock.now() }).where('id', '=', invited.id).execute();
      const fix = await call('PUT', `/api/schools/${invited.school_id}/email`, { email: 'nieuw@school.example' });
      expect(fix.body.invitationsUpdated).toBe(1);
      const after = await db().selectFrom('invitations').select(['email', 'bounced_at']).where('id', '=', invited.id).executeTakeFirstOrThrow();
      expect(after).toEqual({ email: 'nieuw@school.example', bounced_at: null });
      const school = await db().selectFrom('schools').select(['email_source']).where('id', '=', invited.school_id).executeTakeFirstOrThrow();
      expect(school.email_source).toBe('admin');
      const audit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'school.email').execute();
      expect(JSON.stringify(audit)).not.toMatch(/nieuw@|gevonden/i);
    });

    it('after opening, excludes an invited school (keeping its invitation) and takes it back', async () => {
      const invited = await db().selectFrom('invitations').select(['id', 'school_id']).where('round_id', '=', roundId).orderBy('id').limit(1).executeTakeFirstOrThrow();
      expect((await call('POST', `/api/rounds/${roundId}/schools/${invited.school_id}/exclude`)).body.state).toBe('excluded');
      expect((await db().selectFrom('invitations').select('excluded_at').where('id', '=', invited.id).executeTakeFirstOrThrow()).excluded_at).not.toBeNull();
      expect((await call('POST', `/api/rounds/${roundId}/schools/${invited.school_id}/include`, {})).body.state).toBe('invited');
      expect((await db().selectFrom('invitations').select('excluded_at').where('id', '=', invited.id).executeTakeFirstOrThrow()).excluded_at).toBeNull();
      // The school excluded before opening is invited when taken back.
      const back = await call('POST', `/api/rounds/${roundId}/schools/${excludedSchoolId}/include`, {});
      expect(back.body).toMatchObject({ state: 'invited', invitationStatus: 'pending' });
    });

    it('never gives an address back to an invitation whose data was erased, nor invites it again', async () => {
      const invited = await db().selectFrom('invitations').select(['id', 'school_id']).where('round_id', '=', roundId).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      await db().transaction().execute((trx) => eraseSchoolData(trx, roundId, invited.school_id!, { system: 'test' }, clock.now()));
      expect((await call('PUT', `/api/schools/${invited.school_id}/email`, { email: 'weer@school.example' })).body.invitationsUpdated).toBe(0);
      expect((await db().selectFrom('invitations').select('email').where('id', '=', invited.id).executeTakeFirstOrThrow()).email).toBeNull();
      expect(await call('POST', `/api/rounds/${roundId}/schools/${invited.school_id}/include`, {})).toMatchObject({ status: 409, body: { error: 'erased' } });
      const state = (await call('GET', `/api/rounds/${roundId}/schools?state=excluded`)).body.find((s: { schoolId: number }) => s.schoolId === invited.school_id);
      expect(state).toMatchObject({ state: 'excluded', reason: 'gegevens op verzoek verwijderd' });
    });

    it('copies the round into the next measurement with its SWVs, situations and letters', async () => {
      const copy = await call('POST', `/api/rounds/${roundId}/copy`, { name: 'Meting 2024', opensAt: '2024-03-11T08:00:00Z' });
      expect(copy.status).toBe(201);
      expect(copy.body).toMatchObject({ status: 'draft', previous_round_id: roundId, name: 'Meting 2024' });
      const source = await call('GET', `/api/rounds/${roundId}`);
      const next = await call('GET', `/api/rounds/${copy.body.id}`);
      expect(next.body.questionnaire_version_id).toBe(source.body.questionnaire_version_id);
      expect(next.body.swvs).toEqual(source.body.swvs);
      expect(new Date(next.body.closes_at).toISOString()).toBe('2024-04-22T22:00:00.000Z');
      const preview = await call('GET', `/api/rounds/${copy.body.id}/preview`);
      expect(preview.body.totals.invited).toBe(0);
      expect(preview.body.excluded).toEqual([]);
    });
  });

  describe('hostile and malformed requests', () => {
    it('refuses a DUO upload that is not multipart, too large, or from a researcher', async () => {
      expect(await call('POST', '/api/imports', { file: 'x' })).toMatchObject({ status: 400, body: { error: 'no_file' } });
      const file = poLocationsFile([aSchool({ locationCode: '93ZZ00' })]);
      expect((await upload('/api/imports?dryRun=true', file, researcher)).status).toBe(403);
      const big = Buffer.alloc(20 * 1024 * 1024 + 10, 0x41);
      expect(await upload('/api/imports?dryRun=true', big)).toMatchObject({ status: 413, body: { error: 'file_too_large' } });
      expect((await upload(`/api/rounds/${roundId}/swvs/import`, Buffer.alloc(300 * 1024, 0x41))).status).toBe(413);
      expect((await upload('/api/imports?dryRun=true&type=onzin', file)).status).toBe(400);
    });

    it('imports through the app: dry run, then the confirmed import with the dry run’s fingerprint', async () => {
      const file = poLocationsFile([
        ...dataset.schools.filter((s) => s.kind === 'po'),
        aSchool({ locationCode: '93ZZ00', name: 'Nieuwe school ’t Kompas' }),
      ]);
      const dry = await upload('/api/imports?dryRun=true', file, admin, '02.-alle-schoolvestigingen-basisonderwijs.csv');
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({ type: 'po-locations', encoding: 'windows-1252', counts: { added: 1, rejected: 0 }, applied: false });
      const real = await upload(`/api/imports?dryRun=false&type=po-locations&fingerprint=${dry.body.fingerprint}`, file, admin, '02.-alle-schoolvestigingen-basisonderwijs.csv');
      expect(real.body).toMatchObject({ applied: true, counts: { added: 1 } });
      const again = await upload(`/api/imports?dryRun=false&type=po-locations&fingerprint=${dry.body.fingerprint}`, file);
      expect(again.status).toBe(409);
      const audit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'import.po-locations').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(audit).toMatchObject({ target: '02.-alle-schoolvestigingen-basisonderwijs.csv', details: { added: 1 } });
      expect(audit.user_id).not.toBeNull();
      const named = await db().selectFrom('schools').select('name').where('location_code', '=', '93ZZ00').executeTakeFirstOrThrow();
      expect(named.name).toBe('Nieuwe school ’t Kompas');
    });

    it('refuses garbage as an SWV list and lists schools for researchers without changing anything', async () => {
      const garbage = new Uint8Array(20_000).map((_, i) => (i * 131 + 7) % 256);
      expect((await upload(`/api/rounds/${roundId}/swvs/import`, garbage)).status).toBe(409); // the round is open
      const copy = await call('POST', `/api/rounds/${roundId}/copy`, { name: 'Proef' });
      expect((await upload(`/api/rounds/${copy.body.id}/swvs/import`, garbage)).body).toMatchObject({ error: 'not_a_table' });
      expect((await upload(`/api/rounds/${copy.body.id}/swvs/import`, encodeWindows1252('=cmd|calc;po-po;A\r\n'))).status).toBe(400);
      const list = await call('GET', '/api/schools?filter=no-email&limit=5', undefined, researcher);
      expect(list.status).toBe(200);
      expect(list.body.schools.every((s: { email: string | null }) => s.email === null)).toBe(true);
      expect((await call('GET', '/api/schools?q=%25%27%3B--', undefined, researcher)).body.total).toBe(0);
      expect((await call('GET', '/api/schools?limit=100000', undefined, researcher)).status).toBe(400);
    });
  });
});
