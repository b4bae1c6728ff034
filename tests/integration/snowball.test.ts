import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import type { Worker } from '../../server/worker';
import { getQuestionnaire, variablesFor, type QuestionnaireContent } from '../../server/questionnaires';
import { purgeExpiredRounds } from '../../server/privacy/retention';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { makeTestWorker } from '../helpers/mail';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { answerEverything } from '../fixtures/questionnaire-answers';
import { aRespondentLink, aRespondentRound, type RespondentLink } from '../fixtures/respondent-links';
import { NOMINATION_LIMITS, NOMINATION_MESSAGES } from '../../contract/nominations';

/**
 * The snowball round (issue 20) through the real app, worker and an SMTP server on loopback:
 * schools name partners in the 2022 questionnaire's nomination question, duplicates across schools
 * merge, the admin approves, edits and rejects, one invitation per partner goes out through the
 * outbox with the schools that named it, the partner answers, tracking and the export link the
 * answer to both schools; opt-out, erasure of nominee data by the retention purge, and nothing
 * about nominees in the log.
 */
const JEUGDHULP_A = { organisatie: 'Stichting Jeugdhulp Samen B.V.', soort: 'jeugdhulp', contactpersoon: 'Mw. Jansen', email: 'J.Jansen@JeugdhulpSamen.example' };
const JEUGDHULP_B = { organisatie: 'jeugdhulp samen', soort: 'jeugdhulp', email: 'intake@jeugdhulpsamen.example' };
const OPVANG_A = { organisatie: 'Kinderopvang Ukkie', soort: 'kinderopvang', email: 'info@ukkie.example' };
const OPVANG_B = { organisatie: 'BSO Ukkie locatie Noord', soort: 'kinderopvang', email: 'INFO@ukkie.example' };
const SPAM_A = { organisatie: 'Iets Anders', soort: 'anders', email: 'iemand@anders.example' };
const NOMINEE_TEXTS = ['jansen', 'ukkie', 'anders.example', 'jeugdhulpsamen'];

describeEachDatabase('snowball: partners that schools name get one invitation and their answers link back', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let worker: Worker;
  let sink: SmtpSink;
  let admin: Record<string, string>;
  let researcher: Record<string, string>;
  let sourceRoundId: number;
  let partnerRoundId: number;
  let schoolA: RespondentLink;
  let schoolB: RespondentLink;
  let schoolC: RespondentLink;
  const log: string[] = [];
  const school2022 = getQuestionnaire('image-samenwerking-2022').content as QuestionnaireContent;
  const partnerQuestionnaire = getQuestionnaire('image-partners-2022').content as QuestionnaireContent;

  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers = admin) => {
    const res = await app.inject({ method, url, headers, ...(body !== undefined ? { payload: body as object } : {}) });
    return { status: res.statusCode, body: res.headers['content-type']?.toString().includes('json') ? res.json() : res.body };
  };
  const schoolAnswers = (link: RespondentLink, partners: unknown) =>
    answerEverything(school2022, variablesFor({ situation: 'ow-jh', sector: 'po', schoolName: link.schoolName }), {
      Q_consent: 'ja',
      Q_mate: 'wel',
      A_partners_genoemd: partners,
    });
  const complete = async (token: string, data: Record<string, unknown>, currentPage = 9) => {
    await app.inject({ method: 'POST', url: `/api/s/${token}/consent`, payload: { answer: 'ja' } });
    return app.inject({ method: 'POST', url: `/api/s/${token}/complete`, payload: { data, currentPage, revision: 1 } });
  };
  const review = async () => (await call('GET', `/api/snowball/rounds/${sourceRoundId}`)).body;
  const partnerByEmail = async (email: string) => (await review()).partners.find((p: { email: string | null }) => p.email === email);

  beforeAll(async () => {
    clock = new ManualClock('2026-03-01T08:00:00Z');
    sink = await startSmtpSink();
    ({ app } = await makeTestApp(getDatabase(), {
      clock,
      config: { smtpUrl: sink.url, respondentRateLimit: 0, logLevel: 'debug' },
      deps: { logStream: { write: (line: string) => void log.push(line) } },
    }));
    ({ worker } = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url } }));
    admin = (await loginAs(getDatabase().db, 'admin', clock.now())).headers;
    researcher = (await loginAs(getDatabase().db, 'researcher', clock.now())).headers;
    const db = getDatabase().db;
    sourceRoundId = (await aRespondentRound(db, { questionnaire: 'image-samenwerking-2022', studyName: 'IMAGE', name: '2022' })).roundId;
    schoolA = await aRespondentLink(db, sourceRoundId, { situation: 'ow-jh', schoolName: 'OBS De Regenboog' });
    schoolB = await aRespondentLink(db, sourceRoundId, { situation: 'ow-jh', schoolName: 'CBS Het Kompas' });
    schoolC = await aRespondentLink(db, sourceRoundId, { situation: 'po-ko', schoolName: 'De Vlindertuin' });
  });
  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await sink?.close();
  });

  it('refuses malformed, hostile and oversized nominations at completion with a Dutch message, storing nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [[{ organisatie: '', soort: 'jeugdhulp', email: 'a@b.example' }], NOMINATION_MESSAGES.organisation],
      [[{ organisatie: 'Jeugdhulp X', soort: 'jeugdhulp', email: 'geen-adres' }], NOMINATION_MESSAGES.email],
      [[{ organisatie: 'Jeugdhulp X', soort: 'politie', email: 'a@b.example' }], NOMINATION_MESSAGES.type],
      [[{ organisatie: 'x'.repeat(NOMINATION_LIMITS.organisation + 1), soort: 'jeugdhulp', email: 'a@b.example' }], NOMINATION_MESSAGES.organisationLong],
      [Array.from({ length: NOMINATION_LIMITS.rows + 1 }, (_, i) => ({ organisatie: `Org ${i}`, soort: 'anders', email: `o${i}@x.example` })), NOMINATION_MESSAGES.tooMany],
      [Array.from({ length: 500 }, () => ({ organisatie: 'Org', soort: 'anders', email: 'o@x.example' })), 'Het antwoord heeft niet de juiste vorm.'],
      [[{ organisatie: 'Org\u0000', soort: 'anders', email: 'o@x.example' }], ''],
      [[{ organisatie: 'Org', soort: 'anders', email: 'o@x.example', script: '<script>' }], ''],
      [{ organisatie: 'Org' }, ''],
      ['Org', ''],
    ];
    for (const [partners, message] of cases) {
      const res = await complete(schoolA.token, schoolAnswers(schoolA, partners));
      expect(res.statusCode, JSON.stringify(partners).slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      const errors = res.json().errors as Array<{ question: string; message: string }>;
      expect(errors.length).toBeGreaterThan(0);
      if (message) expect(errors.map((e) => e.message)).toContain(message);
    }
    const db = getDatabase().db;
    const response = await db.selectFrom('responses').select('completed_at').where('invitation_id', '=', schoolA.invitationId).executeTakeFirst();
    expect(response?.completed_at ?? null).toBeNull();
    expect((await review()).partners).toEqual([]);
  });

  it('merges what two schools named: the same address, or the same organisation under another spelling', async () => {
    expect((await complete(schoolA.token, schoolAnswers(schoolA, [JEUGDHULP_A, OPVANG_A, SPAM_A, { organisatie: '', soort: '', email: '' }]))).statusCode).toBe(200);
    expect((await complete(schoolB.token, schoolAnswers(schoolB, [JEUGDHULP_B, OPVANG_B]))).statusCode).toBe(200);
    expect((await complete(schoolC.token, schoolAnswers(schoolC, []))).statusCode).toBe(200);

    const body = await review();
    expect(body.partnerRound).toBeNull();
    expect(body.partners).toHaveLength(3);
    const jeugdhulp = body.partners.find((p: { partnerType: string }) => p.partnerType === 'jeugdhulp');
    expect(jeugdhulp).toMatchObject({ organisation: JEUGDHULP_A.organisatie, email: 'J.Jansen@jeugdhulpsamen.example', contactName: 'Mw. Jansen', state: 'pending', invitation: null });
    expect(jeugdhulp.nominatedBy.map((n: { schoolName: string }) => n.schoolName).sort()).toEqual(['CBS Het Kompas', 'OBS De Regenboog']);
    expect(jeugdhulp.nominatedBy.map((n: { email: string }) => n.email)).toContain('intake@jeugdhulpsamen.example');
    const opvang = body.partners.find((p: { partnerType: string }) => p.partnerType === 'kinderopvang');
    expect(opvang.nominatedBy).toHaveLength(2);
    // Loading the page again reads nothing twice.
    expect((await review()).partners.map((p: { nominatedBy: unknown[] }) => p.nominatedBy.length).sort()).toEqual([1, 2, 2]);
  });

  it('lets an admin edit, approve and reject (Dutch errors, nothing changed on one); researchers cannot see the contacts', async () => {
    const jeugdhulp = await partnerByEmail('J.Jansen@jeugdhulpsamen.example');
    const spam = await partnerByEmail('iemand@anders.example');
    expect((await call('GET', `/api/snowball/rounds/${sourceRoundId}`, undefined, researcher)).status).toBe(403);
    expect((await app.inject({ method: 'GET', url: `/api/snowball/rounds/${sourceRoundId}` })).statusCode).toBe(401);
    expect((await call('POST', `/api/snowball/partners/${jeugdhulp.id}/decision`, { state: 'approved' }, researcher)).status).toBe(403);

    const bad = await call('PUT', `/api/snowball/partners/${jeugdhulp.id}`, { organisation: 'Jeugdhulp Samen', partnerType: 'jeugdhulp', contactName: null, email: 'niet goed' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe(NOMINATION_MESSAGES.email);
    const hostile = await call('PUT', `/api/snowball/partners/${jeugdhulp.id}`, { organisation: 'x'.repeat(1000), partnerType: 'jeugdhulp', contactName: null, email: 'intake@jeugdhulpsamen.example' });
    expect(hostile.status).toBe(400);
    expect((await partnerByEmail('J.Jansen@jeugdhulpsamen.example')).organisation).toBe(JEUGDHULP_A.organisatie);

    const edited = await call('PUT', `/api/snowball/partners/${jeugdhulp.id}`, { organisation: 'Jeugdhulp Samen', partnerType: 'jeugdhulp', contactName: 'Intake', email: ' intake@JeugdhulpSamen.example ' });
    expect(edited.status).toBe(200);
    expect((await call('POST', `/api/snowball/partners/${jeugdhulp.id}/decision`, { state: 'approved' })).status).toBe(200);
    expect((await call('POST', `/api/snowball/partners/${spam.id}/decision`, { state: 'rejected' })).status).toBe(200);
    expect((await call('POST', `/api/snowball/partners/${spam.id}/decision`, { state: 'maybe' })).status).toBe(400);
    const after = await review();
    expect(after.partners.map((p: { state: string }) => p.state).sort()).toEqual(['approved', 'pending', 'rejected']);
    expect(after.partners.find((p: { id: number }) => p.id === jeugdhulp.id)).toMatchObject({ organisation: 'Jeugdhulp Samen', email: 'intake@jeugdhulpsamen.example', contactName: 'Intake' });
  });

  it('invites each approved partner once through the outbox; the first mail says which schools named it and offers opt-out', async () => {
    expect((await call('POST', `/api/snowball/rounds/${sourceRoundId}/invite`)).status).toBe(400);
    const started = await call('POST', `/api/snowball/rounds/${sourceRoundId}/partner-round`, {});
    expect(started.status).toBe(200);
    partnerRoundId = started.body.roundId;
    expect((await call('POST', `/api/snowball/rounds/${sourceRoundId}/partner-round`, {})).status).toBe(409);
    expect((await call('POST', `/api/snowball/rounds/${sourceRoundId}/invite`)).body).toEqual({ invited: 1 });
    expect((await call('POST', `/api/snowball/rounds/${sourceRoundId}/invite`)).body).toEqual({ invited: 0 });

    const db = getDatabase().db;
    const rows = await db
      .selectFrom('outbox_messages as o')
      .innerJoin('invitations as i', 'i.id', 'o.invitation_id')
      .select(['o.body_text', 'o.to_address', 'i.school_id'])
      .where('i.round_id', '=', partnerRoundId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.school_id).toBeNull();
    // The stored row holds no working link: markers are resolved when the mail is sent.
    expect(rows[0]!.body_text).not.toContain('/s/');

    await worker.drain();
    const mails = sink.to('intake@jeugdhulpsamen.example');
    expect(mails).toHaveLength(1);
    expect(sink.received.filter((m) => m.to !== 'intake@jeugdhulpsamen.example')).toHaveLength(0);
    const mail = mails[0]!;
    expect(mail.subject).toContain('Jeugdhulp Samen');
    expect(mail.text).toContain('CBS Het Kompas, OBS De Regenboog noemde uw organisatie');
    expect(mail.text).toContain('niet uit een openbare lijst');
    // mailparser folds the List-* headers into one 'list' entry.
    expect(JSON.stringify(mail.headers.get('list'))).toMatch(/\/api\/optout\//);
    const link = /\/s\/([A-Za-z0-9_-]{24})/.exec(mail.text)![1]!;

    const data = answerEverything(partnerQuestionnaire, {}, { Q_consent: 'ja', P_samenwerking: 'wel' });
    const answered = await complete(link, data, 3);
    expect(answered.statusCode, answered.body.slice(0, 300)).toBe(200);

    const tracking = (await call('GET', `/api/snowball/rounds/${sourceRoundId}/tracking`, undefined, researcher)).body;
    expect(tracking.total).toEqual({ nominated: 3, approved: 1, rejected: 1, invited: 1, responded: 1, schools: 2 });
    expect(tracking.groups).toHaveLength(2);
    for (const group of tracking.groups) expect(group).toMatchObject({ situation: 'ow-jh', nominated: group.schools === 1 ? group.nominated : 0, invited: 1, responded: 1 });

    const csv = await call('GET', `/api/snowball/rounds/${sourceRoundId}/partners.csv`, undefined, researcher);
    expect(csv.status).toBe(200);
    const lines = String(csv.body).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^partner_respondent;partner_soort;genoemd_door_respondenten;genoemd_door_aantal;status;/);
    expect(lines).toHaveLength(2);
    const numbers = await db
      .selectFrom('invitations')
      .select('respondent_number')
      .where('id', 'in', [schoolA.invitationId, schoolB.invitationId])
      .orderBy('respondent_number')
      .execute();
    const cells = lines[1]!.split(';');
    expect(cells[1]).toBe('jeugdhulp');
    expect(cells[2]).toBe(numbers.map((n) => n.respondent_number).join(','));
    expect(cells[3]).toBe('2');
    expect(String(csv.body)).not.toContain('jeugdhulpsamen');
  });

  it('stops all mail to a partner that opts out with one click', async () => {
    const opvang = await partnerByEmail('info@ukkie.example');
    expect((await call('POST', `/api/snowball/partners/${opvang.id}/decision`, { state: 'approved' })).status).toBe(200);
    expect((await call('POST', `/api/snowball/rounds/${sourceRoundId}/invite`)).body).toEqual({ invited: 1 });
    await worker.drain();
    const mail = sink.to('info@ukkie.example')[0]!;
    expect(mail.text).toContain('CBS Het Kompas, OBS De Regenboog noemde uw organisatie');
    const optOut = /(\/api\/optout\/[A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
    // RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", no cookie, no CSRF token.
    const post = await app.inject({ method: 'POST', url: optOut, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('U bent afgemeld');
    const after = await partnerByEmail('info@ukkie.example');
    expect(after.invitation.optedOut).toBe(true);
    // An already invited partner cannot be rejected afterwards; the opt-out is what stops mail.
    expect((await call('POST', `/api/snowball/partners/${opvang.id}/decision`, { state: 'rejected' })).status).toBe(409);
    // The reminder wave 14 days later reaches neither the opted-out partner nor the one that answered.
    const before = sink.received.length;
    clock.advance(15 * 86_400_000);
    await worker.drain();
    expect(sink.received.length).toBe(before);
  });

  it('purges nominees with the round retention, the partner round with it, and never logged them', async () => {
    const db = getDatabase().db;
    admin = (await loginAs(db, 'admin', clock.now())).headers;
    await db.updateTable('rounds').set({ retention_until: new Date(clock.now().getTime() - 1000) }).where('id', '=', sourceRoundId).execute();
    const purged = await purgeExpiredRounds(db, clock.now());
    expect(purged.map((p) => p.roundId).sort()).toEqual([sourceRoundId, partnerRoundId].sort());
    const partners = await db.selectFrom('partners').select(['organisation', 'email', 'contact_name', 'purged_at']).where('source_round_id', '=', sourceRoundId).execute();
    expect(partners).toHaveLength(3);
    for (const p of partners) expect(p).toMatchObject({ organisation: null, email: null, contact_name: null });
    const nominations = await db.selectFrom('partner_nominations').select(['organisation', 'email', 'contact_name']).where('source_round_id', '=', sourceRoundId).execute();
    expect(nominations).toHaveLength(5);
    for (const n of nominations) expect(n).toEqual({ organisation: null, email: null, contact_name: null });
    const invitations = await db.selectFrom('invitations').select(['email', 'school_name']).where('round_id', '=', partnerRoundId).execute();
    for (const i of invitations) expect(i).toEqual({ email: null, school_name: null });
    const mail = await db
      .selectFrom('outbox_messages as o')
      .innerJoin('invitations as i', 'i.id', 'o.invitation_id')
      .select(['o.to_address', 'o.body_text'])
      .where('i.round_id', '=', partnerRoundId)
      .execute();
    for (const m of mail) expect(m).toEqual({ to_address: '', body_text: '' });
    // The review still shows who named whom, without contact data.
    const body = await review();
    expect(body.partners, JSON.stringify(body).slice(0, 300)).toBeDefined();
    expect(body.partners.every((p: { purged: boolean; email: string | null }) => p.purged && p.email === null)).toBe(true);

    const logged = log.join('\n').toLowerCase();
    expect(log.length).toBeGreaterThan(0);
    for (const text of NOMINEE_TEXTS) expect(logged).not.toContain(text);
  });
});

describe('snowball: the nomination question in the 2022 questionnaire', () => {
  it('sits on the collaboration page and is marked as reconstructed', () => {
    const content = getQuestionnaire('image-samenwerking-2022').content as { pages: Array<{ name: string; elements: Array<{ name: string; type: string }> }>; meetronde: { reconstruction: Record<string, unknown> } };
    const page = content.pages.find((p) => p.elements.some((e) => e.type === 'nominations'))!;
    expect(page.name).toBe('samenwerking');
    expect(String(content.meetronde.reconstruction.nomination)).toMatch(/RECONSTRUCTED/);
    const partner = getQuestionnaire('image-partners-2022').content as { meetronde: { reconstruction: { note: string } } };
    expect(partner.meetronde.reconstruction.note).toMatch(/RECONSTRUCTED/);
  });
});
