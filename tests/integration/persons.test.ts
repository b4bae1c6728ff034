import { sql } from 'kysely';
import { expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { buildOutgoing, claimDue } from '../../server/mailings/outbox';
import { fanOutDueMailings, scheduleInvitationWave } from '../../server/mailings/waves';
import { CODE_ALPHABET, coordinatorLink } from '../../server/invitations/person-links';
import { CODE_THROTTLE } from '../../server/persons/pupils';
import { purgeExpiredRounds } from '../../server/privacy/retention';
import { describeEachDatabase } from '../helpers/db';
import { adminAppForSuite, type AdminSession } from '../helpers/suite-app';
import { aDraftPersonRound, aTeacherQuestionnaire } from '../fixtures/persons';
import { TEST_SECRET } from '../fixtures/mail-rounds';

const NAT = '192.0.2.10';
const pathOf = (link: string) => new URL(link).pathname;
const tokenOf = (link: string) => pathOf(link).split('/').pop()!;

describeEachDatabase('person rounds', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let admin: AdminSession;
  adminAppForSuite(getDatabase, { secret: TEST_SECRET }, (t) => ({ app, clock, admin } = t));

  /** A person round (draft → settings through the API → open), its coordinator tokens by invitation. */
  /** `teacherMail`: the round has a teachers' questionnaire, so registered teachers are mailed. */
  async function aPersonRound(consentMode: 'passive' | 'active', schools = 2, teacherMail = false) {
    const db = getDatabase().db;
    const world = await aDraftPersonRound(db, schools, TEST_SECRET);
    const teachers = teacherMail ? { teacherQuestionnaireId: `v${await aTeacherQuestionnaire(db)}` } : {};
    const set = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${world.roundId}/settings`, headers: admin.headers, payload: { consentMode, roles: ['pupil', 'teacher'], ...teachers } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ unitType: 'person', consentMode, roles: ['pupil', 'teacher'] });
    await db.updateTable('rounds').set({ status: 'open' }).where('id', '=', world.roundId).execute();
    const invitations = await db.selectFrom('invitations').select(['id', 'token_nonce']).where('round_id', '=', world.roundId).orderBy('id').execute();
    const tokens = invitations.map((i) => tokenOf(coordinatorLink('http://x', TEST_SECRET, i.id, i.token_nonce)));
    return { ...world, tokens };
  }

  const register = (token: string, payload: Record<string, unknown>) => app.inject({ method: 'PUT', url: `/api/persons/c/${token}/registration`, payload, remoteAddress: NAT });
  const start = (classToken: string, code: string, ip = NAT) => app.inject({ method: 'POST', url: `/api/persons/l/${classToken}/start`, payload: { code }, remoteAddress: ip });
  const parent = (parentToken: string, code: string, decision: 'objection' | 'consent') =>
    app.inject({ method: 'POST', url: `/api/persons/o/${parentToken}`, payload: { code, decision }, remoteAddress: '198.51.100.7' });

  async function codesOf(token: string, classId: number): Promise<string[]> {
    const sheet = await app.inject({ method: 'GET', url: `/api/persons/c/${token}/classes/${classId}/codes`, remoteAddress: NAT });
    expect(sheet.statusCode).toBe(200);
    return [...sheet.body.matchAll(/data-code="([A-Z0-9]+)"/g)].map((m) => m[1]!);
  }

  async function registered(consentMode: 'passive' | 'active', teacherMail = false) {
    const round = await aPersonRound(consentMode, 2, teacherMail);
    const token = round.tokens[0]!;
    const reply = await register(token, {
      participates: true,
      classes: [
        { label: '6A', grade: 'g6', pupils: 30 },
        { label: '6B', grade: 'g6', pupils: 25 },
      ],
      teachers: [{ email: 'juf.6a@school.test', classes: ['6A'] }],
    });
    expect(reply.statusCode, reply.body).toBe(200);
    const view = reply.json();
    const [a, b] = view.classes;
    return { round, token, view, a, b, codesA: await codesOf(token, a.id), codesB: await codesOf(token, b.id) };
  }

  it('only a draft round becomes a person round; a school round keeps unit type school', async () => {
    const db = getDatabase().db;
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    const before = await app.inject({ method: 'GET', url: `/api/persons/rounds/${world.roundId}/settings`, headers: admin.headers });
    expect(before.json()).toMatchObject({ unitType: 'school', consentMode: null });
    await db.updateTable('rounds').set({ status: 'open' }).where('id', '=', world.roundId).execute();
    const refused = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${world.roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles: ['pupil'] } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/nog niet geopend/);
    const bad = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${world.roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles: ['marsman'] } });
    expect(bad.statusCode).toBe(400);
  });

  it("the invitation wave mails the coordinator link, which opens the school's registration page", async () => {
    const db = getDatabase().db;
    const round = await aPersonRound('passive', 1);
    await scheduleInvitationWave(db, round.roundId, clock.now());
    await fanOutDueMailings(db, clock.now(), 'Test <noreply@meetronde.test>');
    const claimed = (await claimDue(db, { workerId: 'w', limit: 50, now: clock.now(), leaseMs: 30_000 })).filter((m) => m.invitation_id === round.invitations[0]!.id);
    expect(claimed).toHaveLength(1);
    const mail = buildOutgoing(claimed[0]!, { secret: TEST_SECRET, publicUrl: 'http://meetronde.test', mailFrom: 'Test <noreply@meetronde.test>' });
    expect(mail.subject).toMatch(/doet .* mee/);
    const link = /http:\/\/meetronde\.test\/c\/[^\s]+/.exec(mail.text)?.[0];
    expect(link).toBeDefined();
    expect(mail.text).not.toMatch(/\/s\//);
    const view = await app.inject({ method: 'GET', url: `/api/persons/${pathOf(link!).slice(1)}` });
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json()).toMatchObject({ schoolName: round.invitations[0]!.schoolName, participation: 'unknown', classes: [] });
    const inv = await db.selectFrom('invitations').select('status').where('id', '=', round.invitations[0]!.id).executeTakeFirstOrThrow();
    expect(inv.status).toBe('opened');
    // A wrong token is a Dutch 404.
    const wrong = await app.inject({ method: 'GET', url: `/api/persons/c/${round.invitations[0]!.id}-AAAAAAAAAAAAAAAAAAAAAAAA` });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json().message).toMatch(/link werkt niet/);
  });

  it('a registration with bad input lists every problem in Dutch and stores nothing', async () => {
    const db = getDatabase().db;
    const round = await aPersonRound('passive', 1);
    const reply = await register(round.tokens[0]!, {
      participates: true,
      classes: [
        { label: '', grade: 'g6', pupils: 20 },
        { label: '6B', grade: 'groep zes', pupils: 0 },
        { label: '6b', grade: 'g6', pupils: 70 },
      ],
      teachers: [{ email: 'geen-adres', classes: ['7C'] }],
    });
    expect(reply.statusCode).toBe(400);
    const body = reply.json();
    expect(body.message).toMatch(/niet opgeslagen/);
    const problems = body.details.map((d: { problem: string }) => d.problem).join('\n');
    expect(problems).toMatch(/Klas 1: vul de naam van de klas in/);
    expect(problems).toMatch(/Klas 2: kies de groep of het leerjaar/);
    expect(problems).toMatch(/Klas 2: het aantal leerlingen moet een heel getal zijn van 1 tot en met 60/);
    expect(problems).toMatch(/Klas 3: de naam 6b staat er al/);
    expect(problems).toMatch(/Klas 3: het aantal leerlingen/);
    expect(problems).toMatch(/Leerkracht 1: dit is geen geldig e-mailadres/);
    expect(problems).toMatch(/Leerkracht 1: de klas 7C staat niet in de lijst/);
    const site = await db.selectFrom('person_sites').select(['id', 'participation']).where('round_id', '=', round.roundId).executeTakeFirstOrThrow();
    expect(site.participation).toBe('unknown');
    expect(await db.selectFrom('person_classes').select('id').where('site_id', '=', site.id).execute()).toHaveLength(0);
    expect(await db.selectFrom('persons').select('id').where('site_id', '=', site.id).execute()).toHaveLength(0);
  });

  it('issues one unique code per pupil in the unambiguous alphabet, prints sheet, letter and key list, and stores no names', async () => {
    const db = getDatabase().db;
    const { token, view, a, codesA, codesB } = await registered('passive');
    expect(view.participation).toBe('yes');
    expect(view.teachers).toEqual([{ email: 'juf.6a@school.test', classes: ['6A'] }]);
    expect(codesA).toHaveLength(30);
    expect(codesB).toHaveLength(25);
    const all = [...codesA, ...codesB];
    expect(new Set(all).size).toBe(55);
    for (const code of all) {
      expect(code).toMatch(/^[A-Z2-9]{8}$/);
      expect(code).not.toMatch(/[01OIl]/);
      for (const ch of code) expect(CODE_ALPHABET).toContain(ch);
    }
    // The database holds nonces and keyed hashes, never the codes.
    const stored = await db.selectFrom('persons').select(['code_nonce', 'code_hash']).where('class_id', '=', a.id).execute();
    const dump = JSON.stringify(stored);
    for (const code of codesA) expect(dump).not.toContain(code);
    // No column that could hold a name in the person tables.
    const columns = await db
      .selectFrom('information_schema.columns' as never)
      .select(['table_name' as never, 'column_name' as never])
      .where('table_name' as never, 'in', ['persons', 'person_classes', 'person_sites', 'consent_events', 'person_responses', 'person_contacts', 'teacher_classes'] as never)
      .execute();
    expect(columns.length).toBeGreaterThan(20);
    expect((columns as Array<{ column_name: string }>).filter((c) => /name|naam|birth/i.test(c.column_name))).toEqual([]);
    // The sheet: a QR code, no scripts, the class link.
    const sheet = await app.inject({ method: 'GET', url: `/api/persons/c/${token}/classes/${a.id}/codes` });
    expect(sheet.headers['content-type']).toMatch(/text\/html/);
    expect(sheet.body).toContain('<svg');
    expect(sheet.body).not.toMatch(/<script/i);
    expect(sheet.body).toContain(a.classLink);
    // The parent letter names the parent link and the objection route.
    const letter = await app.inject({ method: 'GET', url: `/api/persons/c/${token}/classes/${a.id}/letter` });
    expect(letter.body).toContain(a.parentLink);
    expect(letter.body).toMatch(/bezwaar/);
    // The key list: the same codes, an empty name column.
    const xlsx = await app.inject({ method: 'GET', url: `/api/persons/c/${token}/classes/${a.id}/key-list` });
    expect(xlsx.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const rows = workbook.worksheets[0]!.getSheetValues().slice(2) as unknown[][];
    expect(rows).toHaveLength(30);
    expect(workbook.worksheets[0]!.getRow(1).getCell(3).value).toMatch(/Naam leerling/);
    expect(rows.map((r) => String(r[2]).replace('-', ''))).toEqual(codesA);
    expect(rows.every((r) => r[3] === undefined || r[3] === '')).toBe(true);
  });

  it('passive consent: an objecting parent blocks the pupil, objection after start erases the answers, every event recorded', async () => {
    const db = getDatabase().db;
    const { a, codesA, round } = await registered('passive');
    const classToken = tokenOf(a.classLink);
    const parentToken = tokenOf(a.parentLink);
    // Parent of pupil 1 objects (typed in lower case with a space: still the code).
    const objected = await parent(parentToken, `${codesA[0]!.slice(0, 4).toLowerCase()} ${codesA[0]!.slice(4)}`, 'objection');
    expect(objected.statusCode, objected.body).toBe(200);
    const blocked = await start(classToken, codesA[0]!);
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().message).toMatch(/kun je niet meedoen/);
    // Pupil 2 answers completely.
    const s2 = await start(classToken, codesA[1]!);
    expect(s2.statusCode, s2.body).toBe(200);
    expect(s2.json().state).toBe('assent');
    const session2 = s2.json().session;
    const before = await app.inject({ method: 'GET', url: `/api/persons/p/${session2}` });
    expect(before.json()).toMatchObject({ state: 'assent', questionnaire: null });
    expect((await app.inject({ method: 'POST', url: `/api/persons/p/${session2}/assent`, payload: { assent: true } })).statusCode).toBe(200);
    const view2 = await app.inject({ method: 'GET', url: `/api/persons/p/${session2}` });
    expect(view2.json().state).toBe('open');
    expect(view2.json().questionnaire.title).toBe('Hoe gaat het op school?');
    const saved = await app.inject({ method: 'PUT', url: `/api/persons/p/${session2}/answers`, payload: { data: { plezier: 1 }, revision: 0 } });
    expect(saved.statusCode, saved.body).toBe(200);
    const done = await app.inject({ method: 'POST', url: `/api/persons/p/${session2}/complete`, payload: { data: { plezier: 1, vrienden: 1 }, revision: saved.json().revision } });
    expect(done.statusCode, done.body).toBe(200);
    // Pupil 3 starts and answers, then the parent objects: the answers are gone.
    const s3 = (await start(classToken, codesA[2]!)).json().session;
    await app.inject({ method: 'POST', url: `/api/persons/p/${s3}/assent`, payload: { assent: true } });
    await app.inject({ method: 'PUT', url: `/api/persons/p/${s3}/answers`, payload: { data: { plezier: 3 }, revision: 0 } });
    const p3 = await db.selectFrom('persons').select('id').where('class_id', '=', a.id).where('seq', '=', 3).executeTakeFirstOrThrow();
    expect(await db.selectFrom('person_responses').select('person_id').where('person_id', '=', p3.id).execute()).toHaveLength(1);
    expect((await parent(parentToken, codesA[2]!, 'objection')).statusCode).toBe(200);
    expect(await db.selectFrom('person_responses').select('person_id').where('person_id', '=', p3.id).execute()).toHaveLength(0);
    expect((await app.inject({ method: 'GET', url: `/api/persons/p/${s3}` })).statusCode).toBe(403);
    // Pupil 4 says no on the first screen.
    const s4 = (await start(classToken, codesA[3]!)).json().session;
    await app.inject({ method: 'POST', url: `/api/persons/p/${s4}/assent`, payload: { assent: false } });
    expect((await start(classToken, codesA[3]!)).statusCode).toBe(403);
    const events = await db.selectFrom('consent_events').select(['person_id', 'kind', 'source']).where('round_id', '=', round.roundId).orderBy('id').execute();
    const of = (seq: number) => events.filter((e) => e.person_id === seqId.get(seq)).map((e) => `${e.kind}/${e.source}`);
    const seqId = new Map((await db.selectFrom('persons').select(['id', 'seq']).where('class_id', '=', a.id).execute()).map((p) => [p.seq!, p.id]));
    expect(of(1)).toEqual(['objection/parent_online']);
    expect(of(2)).toEqual(['assent/pupil']);
    expect(of(3)).toEqual(['assent/pupil', 'objection/parent_online', 'erased/system']);
    expect(of(4)).toEqual(['assent_refused/pupil']);
    // Append-only.
    await expect(db.updateTable('consent_events').set({ kind: 'consent' }).where('round_id', '=', round.roundId).execute()).rejects.toThrow(/append-only/);
    // Tracking per class.
    const tracking = await app.inject({ method: 'GET', url: `/api/persons/rounds/${round.roundId}/tracking`, headers: admin.headers });
    expect(tracking.statusCode, tracking.body).toBe(200);
    const school = tracking.json().schools.find((s: { participation: string }) => s.participation === 'yes');
    const classA = school.classes.find((c: { label: string }) => c.label === '6A');
    expect(classA).toMatchObject({ registered: 30, objections: 2, consents: 0, refused: 1, started: 1, completed: 1, rate: 3.3 });
    expect(school).toMatchObject({ registered: 55, completed: 1 });
    expect(tracking.json().roles.find((r: { role: string }) => r.role === 'teacher')).toMatchObject({ registered: 1 });
  });

  it("a pupil's completion is checked against the questionnaire as routed; autosave keeps its limits", async () => {
    const db = getDatabase().db;
    const { a, codesA } = await registered('passive');
    const session = (await start(tokenOf(a.classLink), codesA[5]!)).json().session;
    await app.inject({ method: 'POST', url: `/api/persons/p/${session}/assent`, payload: { assent: true } });
    const complete = (data: Record<string, unknown>, revision: number) => app.inject({ method: 'POST', url: `/api/persons/p/${session}/complete`, payload: { data, revision } });
    // Autosave stores what it gets (checked at completion), even a name that is no question.
    const draft = await app.inject({ method: 'PUT', url: `/api/persons/p/${session}/answers`, payload: { data: { plezier: 1, geen_vraag: 'x' }, revision: 0 } });
    expect(draft.statusCode, draft.body).toBe(200);
    let revision = draft.json().revision;
    const person = await db.selectFrom('persons').select('id').where('class_id', '=', a.id).where('seq', '=', 6).executeTakeFirstOrThrow();
    const refusals: Array<[Record<string, unknown>, number, RegExp, string | null]> = [
      [{ plezier: 1, vrienden: 1, geen_vraag: 'x' }, 400, /bestaat niet/, 'geen_vraag'],
      [{ plezier: [1], vrienden: 1 }, 400, /juiste vorm/, 'plezier'],
      [{ plezier: 7, vrienden: 1 }, 400, /past niet bij de vraag/, 'plezier'],
      // Off the routed path: 'waarom' is only asked after 'Nee'.
      [{ plezier: 1, vrienden: 1, waarom: 'saai' }, 400, /hoort niet bij de vragen die je kreeg/, 'waarom'],
      [{ plezier: 3, vrienden: 1, waarom: 'x'.repeat(6000) }, 400, /te lang/, 'waarom'],
      [{ plezier: 1 }, 422, /vereist|verplicht|beantwoord/i, 'vrienden'],
    ];
    for (const [data, status, message, question] of refusals) {
      const reply = await complete(data, revision);
      expect(reply.statusCode, JSON.stringify(data)).toBe(status);
      const body = reply.json();
      expect(body.message).toMatch(/antwoorden kunnen niet worden opgeslagen|Nog niet alle vragen/);
      expect(body.details.map((d: { question: string }) => d.question)).toContain(question);
      expect(body.details.map((d: { message: string }) => d.message).join(' ')).toMatch(message);
      // Nothing was half-done: still started, the draft as it was.
      const row = await db.selectFrom('person_responses').select(['data', 'revision', 'completed_at']).where('person_id', '=', person.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ revision, completed_at: null });
      expect((await db.selectFrom('persons').select('status').where('id', '=', person.id).executeTakeFirstOrThrow()).status).toBe('started');
    }
    // On the path: 'Nee' with its follow-up, numbers as strings are the same answers.
    const done = await complete({ plezier: '3', vrienden: 2, waarom: 'te vroeg op' }, revision);
    expect(done.statusCode, done.body).toBe(200);
    revision = done.json().revision;
    const stored = await db.selectFrom('person_responses').select('data').where('person_id', '=', person.id).executeTakeFirstOrThrow();
    expect(stored.data).toMatchObject({ plezier: 3, vrienden: 2, waarom: 'te vroeg op' });
    expect((await db.selectFrom('persons').select('status').where('id', '=', person.id).executeTakeFirstOrThrow()).status).toBe('completed');
  });

  it('active consent: a pupil starts only after the parent agreed', async () => {
    const { a, codesA } = await registered('active');
    const classToken = tokenOf(a.classLink);
    const refused = await start(classToken, codesA[0]!);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/nog geen toestemming/);
    expect((await parent(tokenOf(a.parentLink), codesA[0]!, 'consent')).statusCode).toBe(200);
    expect((await start(classToken, codesA[0]!)).statusCode).toBe(200);
    // Consent withdrawn again (objection): blocked again.
    expect((await parent(tokenOf(a.parentLink), codesA[0]!, 'objection')).statusCode).toBe(200);
    expect((await start(classToken, codesA[0]!)).statusCode).toBe(403);
  });

  it('stops class and parent links once the school is excluded, and every link once the round closes', async () => {
    const db = getDatabase().db;
    const { round, token, a, codesA } = await registered('passive');
    const classToken = tokenOf(a.classLink);
    expect((await app.inject({ method: 'GET', url: `/api/persons/l/${classToken}` })).statusCode).toBe(200);
    await db.updateTable('invitations').set({ excluded_at: clock.now() }).where('round_id', '=', round.roundId).execute();
    expect((await start(classToken, codesA[0]!)).statusCode).toBe(404);
    expect((await parent(tokenOf(a.parentLink), codesA[0]!, 'objection')).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/api/persons/c/${token}` })).statusCode).toBe(404);
    await db.updateTable('invitations').set({ excluded_at: null }).where('round_id', '=', round.roundId).execute();
    await db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', round.roundId).execute();
    const closed = await start(classToken, codesA[0]!);
    expect(closed.statusCode).toBe(410);
    expect(closed.json().message).toMatch(/gesloten/);
    expect((await app.inject({ method: 'GET', url: `/api/persons/c/${token}` })).statusCode).toBe(410);
  });

  it('a class of 30 starts from one NAT address unthrottled; wrong codes are throttled per class link, not per address', async () => {
    const { a, b, codesA, codesB } = await registered('passive');
    const classA = tokenOf(a.classLink);
    const classB = tokenOf(b.classLink);
    const replies = await Promise.all(codesA.map((code) => start(classA, code)));
    expect(replies.map((r) => r.statusCode)).toEqual(codesA.map(() => 200));
    // Guessing on class A's link, from the same address.
    for (let i = 0; i < CODE_THROTTLE.maxFailures; i++) {
      const wrong = await start(classA, 'ZZZZ-ZZZZ');
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().message).toMatch(/niet bekend/);
    }
    const blocked = await start(classA, codesA[0]!);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().message).toMatch(/te veel onjuiste codes/);
    // Class B behind the same NAT address is not affected.
    expect((await start(classB, codesB[0]!)).statusCode).toBe(200);
    // After the window, class A works again.
    clock.advance(CODE_THROTTLE.windowMs + 1000);
    expect((await start(classA, codesA[0]!)).statusCode).toBe(200);
    // A code with a 0 or an O is refused with the alphabet explained.
    const typo = await start(classA, 'K0QM-3XWD');
    expect(typo.json().message).toMatch(/zonder 0, O, 1 en I/);
  });

  it('a class whose pupils started cannot shrink below them or be removed; the whole registration is then kept as it was', async () => {
    const db = getDatabase().db;
    const { token, a, codesA } = await registered('passive');
    const s = (await start(tokenOf(a.classLink), codesA[29]!)).json().session;
    await app.inject({ method: 'POST', url: `/api/persons/p/${s}/assent`, payload: { assent: true } });
    const shrink = await register(token, {
      participates: true,
      classes: [
        { label: '6A', grade: 'g6', pupils: 20 },
        { label: '6B', grade: 'g6', pupils: 25 },
        { label: '7A', grade: 'g7', pupils: 10 },
      ],
      teachers: [],
    });
    expect(shrink.statusCode).toBe(400);
    expect(shrink.json().details[0].problem).toMatch(/6A: het aantal leerlingen kan niet lager dan 30/);
    const remove = await register(token, { participates: true, classes: [{ label: '6B', grade: 'g6', pupils: 25 }], teachers: [] });
    expect(remove.statusCode).toBe(400);
    expect(remove.json().details[0].problem).toMatch(/6A kan niet meer worden verwijderd/);
    const view = await app.inject({ method: 'GET', url: `/api/persons/c/${token}` });
    expect(view.json().classes.map((c: { label: string; pupils: number }) => `${c.label}:${c.pupils}`)).toEqual(['6A:30', '6B:25']);
    expect(view.json().teachers).toHaveLength(1);
    expect(await db.selectFrom('persons').select('id').where('class_id', '=', a.id).execute()).toHaveLength(30);
    // Growing works and keeps the existing codes.
    const grow = await register(token, { participates: true, classes: [{ label: '6A', grade: 'g6', pupils: 32 }, { label: '6B', grade: 'g6', pupils: 25 }], teachers: [] });
    expect(grow.statusCode, grow.body).toBe(200);
    const after = await codesOf(token, a.id);
    expect(after.slice(0, 30)).toEqual(codesA);
    expect(after).toHaveLength(32);
  });
  /** Rows of the person tables that belong to one site (a school of the round). */
  async function personRowsOf(siteId: number) {
    const db = getDatabase().db;
    const persons = (await db.selectFrom('persons').select('id').where('site_id', '=', siteId).execute()).map((p) => p.id);
    const classes = (await db.selectFrom('person_classes').select('id').where('site_id', '=', siteId).execute()).map((c) => c.id);
    const byPerson = async (table: 'person_responses' | 'person_contacts' | 'teacher_classes') =>
      persons.length ? (await db.selectFrom(table).select('person_id').where('person_id', 'in', persons).execute()).length : 0;
    return {
      persons: persons.length,
      classes: classes.length,
      responses: await byPerson('person_responses'),
      contacts: await byPerson('person_contacts'),
      teacherClasses: await byPerson('teacher_classes'),
      consentEvents: persons.length + classes.length
        ? (await db.selectFrom('consent_events').select('id').where((eb) => eb.or([...(persons.length ? [eb('person_id', 'in', persons)] : []), ...(classes.length ? [eb('class_id', 'in', classes)] : [])])).execute()).length
        : 0,
      codeFailures: classes.length ? (await db.selectFrom('person_code_failures').select('id').where('class_id', 'in', classes).execute()).length : 0,
    };
  }

  /** Both schools registered, a pupil of each with answers, a parent's objection, a wrong code typed. */
  async function twoSchoolsWithAnswers() {
    const db = getDatabase().db;
    const first = await registered('passive', true);
    const second = await register(first.round.tokens[1]!, {
      participates: true,
      classes: [{ label: '7A', grade: 'g7', pupils: 20 }],
      teachers: [{ email: 'meester.7a@school.test', classes: ['7A'] }],
    });
    expect(second.statusCode, second.body).toBe(200);
    const b = second.json().classes[0];
    const codesOther = await codesOf(first.round.tokens[1]!, b.id);
    for (const [cls, code] of [
      [first.a, first.codesA[0]!],
      [b, codesOther[0]!],
    ] as const) {
      const session = (await start(tokenOf(cls.classLink), code)).json().session;
      expect((await app.inject({ method: 'POST', url: `/api/persons/p/${session}/assent`, payload: { assent: true } })).statusCode).toBe(200);
      const saved = await app.inject({ method: 'PUT', url: `/api/persons/p/${session}/answers`, payload: { data: { plezier: 2 }, revision: 0 } });
      expect(saved.statusCode, saved.body).toBe(200);
      expect((await parent(tokenOf(cls.parentLink), code === first.codesA[0] ? first.codesA[1]! : codesOther[1]!, 'objection')).statusCode).toBe(200);
      expect((await start(tokenOf(cls.classLink), 'ZZZZ-ZZZZ')).statusCode).not.toBe(200);
    }
    const sites = await db.selectFrom('person_sites').select(['id', 'invitation_id']).where('round_id', '=', first.round.roundId).orderBy('invitation_id').execute();
    return { ...first, other: { cls: b, codes: codesOther }, sites: sites.map((s) => s.id) };
  }

  it("erasing a school (GDPR) deletes its persons, classes, answers, contacts and consent events, and leaves the other school's", async () => {
    const db = getDatabase().db;
    const world = await twoSchoolsWithAnswers();
    const [erasedSite, otherSite] = world.sites as [number, number];
    const before = await personRowsOf(erasedSite);
    expect(before).toMatchObject({ persons: 56, classes: 2, responses: 1, contacts: 1, teacherClasses: 1 });
    expect(before.consentEvents).toBeGreaterThanOrEqual(2);
    expect(before.codeFailures).toBeGreaterThanOrEqual(1);
    const otherBefore = await personRowsOf(otherSite);
    const teacherMail = async (site: number) =>
      (await db.selectFrom('outbox_messages').select('to_address').where('to_address', 'in', db.selectFrom('person_contacts as pc').innerJoin('persons as p', 'p.id', 'pc.person_id').select('pc.email').where('p.site_id', '=', site)).execute()).length;
    const erasedAddresses = (await db.selectFrom('person_contacts as pc').innerJoin('persons as p', 'p.id', 'pc.person_id').select('pc.email').where('p.site_id', '=', erasedSite).execute()).map((r) => r.email);
    expect(await teacherMail(erasedSite)).toBeGreaterThan(0);
    const otherTeacherMail = await teacherMail(otherSite);
    expect(otherTeacherMail).toBeGreaterThan(0);

    const invitation = await db.selectFrom('invitations').select(['id', 'school_id']).where('id', '=', world.round.invitations[0]!.id).executeTakeFirstOrThrow();
    const erased = await app.inject({ method: 'DELETE', url: `/api/privacy/rounds/${world.round.roundId}/schools/${invitation.school_id}`, headers: admin.headers });
    expect(erased.statusCode, erased.body).toBe(200);

    expect(await personRowsOf(erasedSite)).toEqual({ persons: 0, classes: 0, responses: 0, contacts: 0, teacherClasses: 0, consentEvents: 0, codeFailures: 0 });
    // The site row stays as a marker (no personal data), like the invitation row.
    expect(await db.selectFrom('person_sites').select('id').where('id', '=', erasedSite).execute()).toHaveLength(1);
    expect(await personRowsOf(otherSite)).toEqual(otherBefore);
    // The teachers' mail (queued at registration, not tied to an invitation) goes with them.
    expect(await db.selectFrom('outbox_messages').select('id').where('to_address', 'in', erasedAddresses).execute()).toEqual([]);
    expect(await teacherMail(otherSite)).toBe(otherTeacherMail);
    const entry = await db.selectFrom('audit_log').selectAll().where('action', '=', 'privacy.school_erased').where('target', '=', `invitation:${invitation.id}`).executeTakeFirstOrThrow();
    expect(entry.details).toMatchObject({ persons: 56 });
    // The erased school's class link no longer finds a class.
    expect((await start(tokenOf(world.a.classLink), world.codesA[2]!)).statusCode).toBe(404);
  });

  it('the retention purge removes codes, class links, teacher addresses and wrong-code records, and keeps the answers under the panel id', async () => {
    const db = getDatabase().db;
    const world = await twoSchoolsWithAnswers();
    const roundId = world.round.roundId;
    const answersBefore = await db.selectFrom('person_responses as r').innerJoin('persons as p', 'p.id', 'r.person_id').select(['p.panel_id', 'r.data']).where('p.round_id', '=', roundId).orderBy('p.panel_id').execute();
    expect(answersBefore).toHaveLength(2);
    await db.updateTable('rounds').set({ status: 'closed', retention_until: new Date(clock.now().getTime() - 1000) }).where('id', '=', roundId).execute();

    const purged = await purgeExpiredRounds(db, clock.now());
    expect(purged.map((p) => p.roundId)).toContain(roundId);

    const persons = await db.selectFrom('persons').select(['code_nonce', 'code_hash']).where('round_id', '=', roundId).execute();
    expect(persons.length).toBe(56 + 21);
    expect(persons.every((p) => p.code_nonce === null && p.code_hash === null)).toBe(true);
    const classes = await db.selectFrom('person_classes').select('link_nonce').where('round_id', '=', roundId).execute();
    expect(classes.map((c) => c.link_nonce)).toEqual(['', '', '']);
    for (const site of world.sites) expect(await personRowsOf(site)).toMatchObject({ contacts: 0, codeFailures: 0 });
    // This round's teachers' mail (keys 'teacher:<kind>:<person id>…') is emptied: no address, subject or text.
    const teacherMail = await db
      .selectFrom('outbox_messages')
      .select(['to_address', 'subject', 'body_text'])
      .where('idempotency_key', 'like', 'teacher:%')
      .where(sql<string>`split_part(idempotency_key, ':', 3)`, 'in', db.selectFrom('persons').select(sql<string>`id::text`.as('id')).where('round_id', '=', roundId))
      .execute();
    expect(teacherMail.length).toBeGreaterThan(0);
    expect(teacherMail.every((m) => m.to_address === '' && m.subject === '' && m.body_text === '')).toBe(true);
    const answersAfter = await db.selectFrom('person_responses as r').innerJoin('persons as p', 'p.id', 'r.person_id').select(['p.panel_id', 'r.data']).where('p.round_id', '=', roundId).orderBy('p.panel_id').execute();
    expect(answersAfter).toEqual(answersBefore);
    const entry = await db.selectFrom('audit_log').selectAll().where('action', '=', 'privacy.round_purged').where('target', '=', `round:${roundId}`).executeTakeFirstOrThrow();
    expect(entry.details).toMatchObject({ persons: 77 });
    // No code sheet can be printed again.
    expect((await app.inject({ method: 'GET', url: `/api/persons/c/${world.token}/classes/${world.a.id}/codes`, remoteAddress: NAT })).statusCode).not.toBe(200);
  });

  it("copying a person round copies its consent mode and roles and the coordinator's mail, not its schools' people", async () => {
    const db = getDatabase().db;
    const world = await twoSchoolsWithAnswers();
    const copy = await app.inject({ method: 'POST', url: `/api/rounds/${world.round.roundId}/copy`, headers: admin.headers, payload: { name: 'Volgende meting' } });
    expect(copy.statusCode, copy.body).toBe(201);
    const copyId = copy.json().id as number;
    const settings = await app.inject({ method: 'GET', url: `/api/persons/rounds/${copyId}/settings`, headers: admin.headers });
    expect(settings.json()).toMatchObject({ unitType: 'person', consentMode: 'passive', roles: ['pupil', 'teacher'] });
    const templates = await db.selectFrom('mail_templates').select(['kind', 'subject']).where('round_id', '=', copyId).orderBy('kind').execute();
    expect(templates.map((t) => t.kind)).toEqual(['invitation', 'reminder']);
    expect(templates[0]!.subject).toMatch(/doet \{\{school\}\} mee/);
    for (const table of ['person_sites', 'person_classes', 'persons', 'consent_events'] as const) {
      expect(await db.selectFrom(table).select('round_id').where('round_id', '=', copyId).execute()).toHaveLength(0);
    }
    // A school round's copy stays a school round.
    const school = await aDraftPersonRound(db, 1, TEST_SECRET);
    const schoolCopy = await app.inject({ method: 'POST', url: `/api/rounds/${school.roundId}/copy`, headers: admin.headers, payload: { name: 'Kopie' } });
    expect(schoolCopy.statusCode, schoolCopy.body).toBe(201);
    const schoolSettings = await app.inject({ method: 'GET', url: `/api/persons/rounds/${schoolCopy.json().id}/settings`, headers: admin.headers });
    expect(schoolSettings.json()).toMatchObject({ unitType: 'school', consentMode: null });
  });
});
