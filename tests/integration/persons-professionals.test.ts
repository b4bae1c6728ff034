import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import type { DB } from '../../server/db/types';
import { contactHash } from '../../server/persons/previous';
import { linkToken } from '../../server/invitations/person-links';
import { loginAs } from '../helpers/app';
import { makeTestWorker } from '../helpers/mail';
import { startSmtpSink } from '../helpers/smtp-sink';
import { queueProfessionalReminders } from '../../server/persons/tasks';
import { aDraftFollowUpRound } from '../fixtures/persons';
import { describeEachDatabase } from '../helpers/db';
import { adminAppForSuite, type AdminSession } from '../helpers/suite-app';
import { aDraftPersonRound, anOpenPersonRound, TEACHER_QUESTIONNAIRE } from '../fixtures/persons';
import { TEST_SECRET } from '../fixtures/mail-rounds';

const WHO = { secret: TEST_SECRET, publicUrl: 'http://meetronde.test', mailFrom: 'Test <noreply@meetronde.test>' };

/** The professionals' questionnaire: the round's own (consent question first, answered by the page's first screen). */
export const PROFESSIONAL_QUESTIONNAIRE = {
  ...TEACHER_QUESTIONNAIRE,
  meetronde: { ...TEACHER_QUESTIONNAIRE.meetronde, key: 'professionals-test' },
  title: 'Vragenlijst voor professionals',
};

/** A multipart body with one file, as the admin page's upload sends it. */
function multipart(bytes: Buffer, fileName: string) {
  const boundary = '----meetronde-test-boundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, bytes, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A person round that asks professionals, with the professionals' questionnaire; opened unless `draft`. */
export async function aProfessionalRound(app: App, db: Kysely<DB>, headers: Record<string, string>, o: { draft?: boolean } = {}) {
  const world = await aDraftPersonRound(db, 1, TEST_SECRET);
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const version = await db
    .insertInto('questionnaire_versions')
    .values({ questionnaire_key: `prof-${stamp}`, version: '1', title: 'Professionals', content: JSON.stringify(PROFESSIONAL_QUESTIONNAIRE), sha256: `sha-prof-${stamp}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.updateTable('rounds').set({ questionnaire_version_id: version.id }).where('id', '=', world.roundId).execute();
  const settings = { consentMode: 'passive', roles: ['professional'] };
  if (o.draft) {
    const set = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${world.roundId}/settings`, headers, payload: settings });
    expect(set.statusCode, set.body).toBe(200);
  } else await anOpenPersonRound(app, db, world.roundId, headers, settings);
  const swv = await db.selectFrom('swvs').select(['id', 'code']).where('id', '=', world.swvs[0]!.id).executeTakeFirstOrThrow();
  return { ...world, swvCode: swv.code, versionId: version.id };
}

export async function uploadProfessionals(app: App, roundId: number, headers: Record<string, string>, text: string | Buffer, dryRun: boolean, name = 'professionals.csv') {
  const body = multipart(typeof text === 'string' ? Buffer.from(text) : text, name);
  return app.inject({
    method: 'POST',
    url: `/api/persons/rounds/${roundId}/professionals?dryRun=${dryRun}`,
    headers: { ...headers, 'content-type': body.contentType },
    payload: body.payload,
  });
}

describeEachDatabase('person rounds: professionals', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let admin: AdminSession;
  adminAppForSuite(getDatabase, { secret: TEST_SECRET, publicUrl: WHO.publicUrl, mailFrom: WHO.mailFrom }, (t) => ({ app, clock, admin } = t));

  const professionalsOf = (roundId: number) =>
    getDatabase()
      .db.selectFrom('persons as p')
      .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
      .select(['p.id', 'p.site_id', 'p.swv_id', 'p.function', 'p.panel_id', 'p.contact_hash', 'p.previous_person_id', 'pc.email'])
      .where('p.round_id', '=', roundId)
      .where('p.role', '=', 'professional')
      .orderBy('pc.email')
      .execute();

  it('imports a list of professionals: dry run first, then all lines in one go, without a school; again adds nobody twice', async () => {
    const db = getDatabase().db;
    admin = await loginAs(db, 'admin', clock.now());
    const round = await aProfessionalRound(app, db, admin.headers);
    const csv = `E-mail;SWV;Functie\nA.Begeleider@Zorg.test ;${round.swvCode};ambulant begeleider\northo@zorg.test;;orthopedagoog\nib@school.test;${round.swvCode.toLowerCase()};\n`;
    const dry = await uploadProfessionals(app, round.roundId, admin.headers, csv, true);
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, applied: false, lines: 3, added: 3, continued: 0, existing: 0, problems: [] });
    expect(await professionalsOf(round.roundId)).toHaveLength(0);

    const applied = await uploadProfessionals(app, round.roundId, admin.headers, csv, false);
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json()).toMatchObject({ applied: true, added: 3 });
    const rows = await professionalsOf(round.roundId);
    expect(rows.map((r) => [r.email, r.site_id, r.swv_id, r.function])).toEqual([
      ['a.begeleider@zorg.test', null, round.swvs[0]!.id, 'ambulant begeleider'],
      ['ib@school.test', null, round.swvs[0]!.id, null],
      ['ortho@zorg.test', null, null, 'orthopedagoog'],
    ]);
    // The keyed hash of the address (matching across measurements), never a second plain copy.
    expect(rows[0]!.contact_hash).toBe(contactHash(TEST_SECRET, 'a.begeleider@zorg.test'));
    expect(new Set(rows.map((r) => r.panel_id)).size).toBe(3);

    // The same list again (plus one): only the new address is added.
    const again = await uploadProfessionals(app, round.roundId, admin.headers, `${csv}nieuw@zorg.test;;\n`, false);
    expect(again.json()).toMatchObject({ applied: true, added: 1, existing: 3 });
    expect(await professionalsOf(round.roundId)).toHaveLength(4);

    const tally = await app.inject({ method: 'GET', url: `/api/persons/rounds/${round.roundId}/professionals`, headers: admin.headers });
    expect(tally.json()).toMatchObject({ registered: 4, invited: 0, completed: 0, continued: 0 });
    const tracking = await app.inject({ method: 'GET', url: `/api/persons/rounds/${round.roundId}/tracking`, headers: admin.headers });
    expect(tracking.statusCode, tracking.body).toBe(200);
    expect(tracking.json().professionals).toMatchObject({ registered: 4 });
    expect(tracking.json().roles).toContainEqual(expect.objectContaining({ role: 'professional', registered: 4, completed: 0 }));

    // Audit: counts, never addresses.
    const entries = await db.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'persons.professionals_import').execute();
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(entries)).not.toContain('@');
  });

  it('refuses a bad list whole: every problem by line in Dutch (bad, missing and duplicated addresses, unknown SWV, formulas), nothing stored, no address echoed', async () => {
    const db = getDatabase().db;
    admin = await loginAs(db, 'admin', clock.now());
    const round = await aProfessionalRound(app, db, admin.headers);
    const csv = [
      'email,swv,functie',
      'goed@zorg.test,,orthopedagoog',
      'geen-adres,,',
      ',,ib-er',
      'GOED@zorg.test,,',
      `x@zorg.test,ONBEKEND1,`,
      'y@zorg.test,,=HYPERLINK("http://evil.test")',
      `z@zorg.test,,${'a'.repeat(101)}`,
      '=cmd@zorg.test,,',
    ].join('\n');
    const dry = await uploadProfessionals(app, round.roundId, admin.headers, csv, true);
    expect(dry.statusCode, dry.body).toBe(200);
    const problems = (dry.json().problems as Array<{ line: number; problem: string }>).map((p) => p.problem);
    expect(problems).toEqual([
      'Regel 3: dit is geen geldig e-mailadres.',
      'Regel 4: het e-mailadres ontbreekt.',
      'Regel 5: hetzelfde e-mailadres als regel 2.',
      'Regel 6: het samenwerkingsverband "ONBEKEND1" is niet bekend (gebruik de SWV-code, bijvoorbeeld PO2601).',
      expect.stringMatching(/^Regel 7, functie: de waarde begint met '='/),
      'Regel 8, functie: langer dan 100 tekens.',
      'Regel 9: dit is geen geldig e-mailadres.',
    ]);
    expect(dry.body).not.toMatch(/zorg\.test/);
    const applied = await uploadProfessionals(app, round.roundId, admin.headers, csv, false);
    expect(applied.statusCode).toBe(400);
    expect(applied.json().message).toMatch(/Er is niets ingelezen/);
    expect(await professionalsOf(round.roundId)).toHaveLength(0);

    // A header without an e-mail column; a file that is no table; a researcher may not import addresses.
    const header = await uploadProfessionals(app, round.roundId, admin.headers, 'naam;functie\nJan;ib\n', true);
    expect(header.statusCode).toBe(400);
    expect(JSON.stringify(header.json())).toMatch(/geen kolom \\"e-mail\\"/);
    const binary = await uploadProfessionals(app, round.roundId, admin.headers, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]), true, 'lijst.xlsx');
    expect(binary.statusCode).toBe(400);
    const researcher = await loginAs(db, 'researcher', clock.now());
    const refused = await uploadProfessionals(app, round.roundId, researcher.headers, 'email\na@b.test\n', true);
    expect(refused.statusCode).toBe(403);
  });

  it('the professional link: the yes first (nothing stored before it), then the round questionnaire with autosave, revision and the full check on completion', async () => {
    const db = getDatabase().db;
    admin = await loginAs(db, 'admin', clock.now());
    const round = await aProfessionalRound(app, db, admin.headers);
    await uploadProfessionals(app, round.roundId, admin.headers, `email;swv;functie\northo@zorg.test;${round.swvCode};orthopedagoog\n`, false);
    const [person] = await professionalsOf(round.roundId);
    const nonce = (await db.selectFrom('persons').select('code_nonce').where('id', '=', person!.id).executeTakeFirstOrThrow()).code_nonce!;
    const token = linkToken(TEST_SECRET, 'professional-link', person!.id, nonce);
    const url = `/api/persons/pr/${token}`;
    const view = await app.inject({ method: 'GET', url });
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json()).toMatchObject({ state: 'consent', hasQuestionnaire: true, roundName: expect.any(String), swvName: expect.any(String) });
    expect(view.body).not.toContain('ortho@');
    // Before the yes: no questionnaire, nothing stored.
    expect((await app.inject({ method: 'GET', url: `${url}/survey` })).statusCode).toBe(409);
    const early = await app.inject({ method: 'PUT', url: `${url}/answers`, payload: { data: { klimaat: 3 }, revision: 0 } });
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toMatch(/Geef eerst aan of u meedoet/);
    expect(await db.selectFrom('person_responses').select('person_id').where('person_id', '=', person!.id).execute()).toHaveLength(0);
    // No, then yes after all.
    expect((await app.inject({ method: 'POST', url: `${url}/consent`, payload: { consent: false } })).json()).toEqual({ state: 'refused' });
    expect((await app.inject({ method: 'POST', url: `${url}/consent`, payload: { consent: true } })).json()).toEqual({ state: 'open' });
    const survey = await app.inject({ method: 'GET', url: `${url}/survey` });
    expect(survey.json()).toMatchObject({ state: 'open', consentQuestion: 'Q_consent', consentYes: 'ja', revision: 0, data: {} });
    // Autosave: answers the page could never send are refused; the revision guards other devices.
    const hostile = await app.inject({ method: 'PUT', url: `${url}/answers`, payload: { data: { bestaatniet: 1 }, revision: 0 } });
    expect(hostile.statusCode).toBe(400);
    const saved = await app.inject({ method: 'PUT', url: `${url}/answers`, payload: { data: { klimaat: 4 }, revision: 0 } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toEqual({ revision: 1 });
    const stale = await app.inject({ method: 'PUT', url: `${url}/answers`, payload: { data: { klimaat: 5 }, revision: 0 } });
    expect(stale.statusCode).toBe(409);
    const incomplete = await app.inject({ method: 'POST', url: `${url}/complete`, payload: { data: { uren: 3 }, revision: 1 } });
    expect(incomplete.statusCode).toBe(422);
    const done = await app.inject({ method: 'POST', url: `${url}/complete`, payload: { data: { klimaat: 4, uren: 3 }, revision: 1 } });
    expect(done.statusCode, done.body).toBe(200);
    expect((await app.inject({ method: 'GET', url })).json()).toMatchObject({ state: 'completed' });
    expect((await app.inject({ method: 'PUT', url: `${url}/answers`, payload: { data: { klimaat: 1 }, revision: 2 } })).statusCode).toBe(409);
    const tally = await app.inject({ method: 'GET', url: `/api/persons/rounds/${round.roundId}/professionals`, headers: admin.headers });
    expect(tally.json()).toMatchObject({ registered: 1, started: 1, completed: 1 });
    // A wrong or foreign token is a Dutch 404; a closed round a 410.
    const wrong = await app.inject({ method: 'GET', url: `/api/persons/pr/${person!.id}-AAAAAAAAAAAAAAAAAAAAAA` });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json().message).toMatch(/link werkt niet/);
    expect((await app.inject({ method: 'GET', url: `/api/persons/t/${token}` })).statusCode).toBe(404);
    await db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', round.roundId).execute();
    expect((await app.inject({ method: 'GET', url })).statusCode).toBe(410);
  });

  it('invitations go through the outbox to a real SMTP server with the professional link filled in at send time; a 5xx marks the address; opt-out and completion stop the reminders', async () => {
    const db = getDatabase().db;
    admin = await loginAs(db, 'admin', clock.now());
    const round = await aProfessionalRound(app, db, admin.headers);
    await db.updateTable('rounds').set({ reminder_policy: JSON.stringify({ afterDays: [7] }) }).where('id', '=', round.roundId).execute();
    await uploadProfessionals(app, round.roundId, admin.headers, 'email\nja@zorg.test\nweg@zorg.test\nstop@zorg.test\nklaar@zorg.test\n', false);
    const sink = await startSmtpSink({ onRecipient: (address) => (address === 'weg@zorg.test' ? 550 : null) });
    try {
      const { worker } = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url, secret: TEST_SECRET, publicUrl: WHO.publicUrl, mailFrom: WHO.mailFrom } });
      const invite = await app.inject({ method: 'POST', url: `/api/persons/rounds/${round.roundId}/professionals/invite`, headers: admin.headers });
      expect(invite.statusCode, invite.body).toBe(200);
      expect(invite.json()).toEqual({ queued: 4 });
      // Stored rows hold markers, never a working link.
      const stored = await db.selectFrom('outbox_messages').select(['idempotency_key', 'body_text', 'body_html']).where('idempotency_key', 'like', 'professional:invitation:%').execute();
      expect(stored).toHaveLength(4);
      expect(JSON.stringify(stored)).not.toMatch(/\/pr\/[0-9]|\/api\/persons\/a\/[0-9]/);
      // Again: nobody twice.
      expect((await app.inject({ method: 'POST', url: `/api/persons/rounds/${round.roundId}/professionals/invite`, headers: admin.headers })).json()).toEqual({ queued: 0 });
      await worker.drain();
      await sink.waitForCount(3);
      const mail = sink.to('ja@zorg.test')[0]!;
      expect(mail.subject).toMatch(/Uitnodiging: vragenlijst voor professionals/);
      const link = /http:\/\/meetronde\.test\/pr\/([0-9]+-[A-Za-z0-9_-]{22})/.exec(mail.text);
      expect(link, mail.text).not.toBeNull();
      expect(mail.raw.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toMatch(/\/api\/persons\/a\/[0-9]+-/);
      // The link from the mail opens the page.
      const view = await app.inject({ method: 'GET', url: `/api/persons/pr/${link![1]}` });
      expect(view.statusCode, view.body).toBe(200);
      expect(view.json()).toMatchObject({ state: 'consent' });
      // The refused address is marked bounced.
      const bounced = await db.selectFrom('person_contacts').select('email').where('bounced_at', 'is not', null).where('person_id', 'in', (await professionalsOf(round.roundId)).map((p) => p.id)).execute();
      expect(bounced.map((b) => b.email)).toEqual(['weg@zorg.test']);
      // stop@ opts out with the link from the mail; klaar@ completes.
      const optOut = String(sink.to('stop@zorg.test')[0]!.text.match(/http:\/\/meetronde\.test\/api\/persons\/a\/[^\s>]+/)![0]);
      expect((await app.inject({ method: 'POST', url: new URL(optOut).pathname, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(200);
      const klaar = /\/pr\/([0-9]+-[A-Za-z0-9_-]{22})/.exec(sink.to('klaar@zorg.test')[0]!.text)![1]!;
      await app.inject({ method: 'POST', url: `/api/persons/pr/${klaar}/consent`, payload: { consent: true } });
      expect((await app.inject({ method: 'POST', url: `/api/persons/pr/${klaar}/complete`, payload: { data: { klimaat: 2 }, revision: 0 } })).statusCode).toBe(200);
      // A week later: one reminder, to ja@ only.
      clock.advance(8 * 86_400_000);
      await queueProfessionalReminders(db, clock.now(), WHO.mailFrom);
      const reminders = await db.selectFrom('outbox_messages').select('to_address').where('idempotency_key', 'like', 'professional:reminder:%').execute();
      expect(reminders.map((r) => r.to_address)).toEqual(['ja@zorg.test']);
      admin = await loginAs(db, 'admin', clock.now());
      const tally = await app.inject({ method: 'GET', url: `/api/persons/rounds/${round.roundId}/professionals`, headers: admin.headers });
      expect(tally.json()).toMatchObject({ registered: 4, invited: 4, completed: 1, optedOut: 1, bounced: 1 });
    } finally {
      await sink.close();
    }
  });

  it('the second measurement: 900 professionals in 2022, the same list copied two years later plus newcomers; 239 answer both times → tracking, match report and the wide export say 239', async () => {
    const db = getDatabase().db;
    admin = await loginAs(db, 'admin', clock.now());
    const t1 = await aProfessionalRound(app, db, admin.headers);
    const N1 = 900;
    const csv = ['email;swv;functie', ...Array.from({ length: N1 }, (_, i) => `prof${i}@zorg.test;${i % 3 === 0 ? t1.swvCode : ''};${i % 2 ? 'orthopedagoog' : 'ambulant begeleider'}`)].join('\n');
    expect((await uploadProfessionals(app, t1.roundId, admin.headers, csv, false)).json()).toMatchObject({ applied: true, added: N1 });
    const p1 = await professionalsOf(t1.roundId);
    // Completion as the page does it, in bulk: every T1 professional answered (their answers stored and checked like the page's).
    const completeAll = async (ids: number[]) => {
      const now = clock.now();
      for (let i = 0; i < ids.length; i += 300) {
        const chunk = ids.slice(i, i + 300);
        await db.insertInto('person_responses').values(chunk.map((id) => ({ person_id: id, data: JSON.stringify({ klimaat: (id % 5) + 1 }), revision: 1, created_at: now, updated_at: now, completed_at: now }))).execute();
        await db.updateTable('persons').set({ status: 'completed', started_at: now, completed_at: now }).where('id', 'in', chunk).execute();
      }
    };
    await completeAll(p1.map((p) => p.id));
    await db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', t1.roundId).execute();

    // Two years later: a follow-up round of the same study.
    clock.advance(730 * 86_400_000);
    admin = await loginAs(db, 'admin', clock.now());
    const t2 = await aDraftFollowUpRound(db, t1.roundId, TEST_SECRET);
    const set = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${t2.roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles: ['professional'], previousRoundId: t1.roundId } });
    expect(set.statusCode, set.body).toBe(200);
    await db.updateTable('rounds').set({ questionnaire_version_id: t1.versionId }).where('id', '=', t2.roundId).execute();
    // The previous list copied (dry run first), then 60 newcomers from a list of which 40 were also at T1 (matched by their address).
    expect((await app.inject({ method: 'POST', url: `/api/persons/rounds/${t2.roundId}/professionals/copy-previous?dryRun=true`, headers: admin.headers })).json()).toEqual({ dryRun: true, copied: N1, existing: 0, skipped: 0 });
    const copied = await app.inject({ method: 'POST', url: `/api/persons/rounds/${t2.roundId}/professionals/copy-previous?dryRun=false`, headers: admin.headers });
    expect(copied.json()).toEqual({ dryRun: false, copied: N1, existing: 0, skipped: 0 });
    const newcomers = ['email', ...Array.from({ length: 60 }, (_, i) => `nieuw${i}@zorg.test`), ...Array.from({ length: 40 }, (_, i) => `PROF${i}@zorg.test`)].join('\n');
    expect((await uploadProfessionals(app, t2.roundId, admin.headers, newcomers, false)).json()).toMatchObject({ applied: true, added: 60, existing: 40, continued: 0 });
    const p2 = await professionalsOf(t2.roundId);
    expect(p2).toHaveLength(N1 + 60);
    const panelOf1 = new Map(p1.map((p) => [p.email, p.panel_id]));
    for (const p of p2) {
      if (p.email.startsWith('prof')) expect(p.panel_id).toBe(panelOf1.get(p.email));
      else expect(panelOf1.has(p.email)).toBe(false);
    }
    // 239 of the T1 professionals answer again, and 30 newcomers.
    const again = p2.filter((p) => p.email.startsWith('prof')).slice(0, 239).map((p) => p.id);
    const fresh = p2.filter((p) => p.email.startsWith('nieuw')).slice(0, 30).map((p) => p.id);
    await completeAll([...again, ...fresh]);

    const tracking = await app.inject({ method: 'GET', url: `/api/persons/rounds/${t2.roundId}/tracking`, headers: admin.headers });
    expect(tracking.json().panel).toEqual({ previousRoundId: t1.roundId, previous: N1, current: 269, both: 239 });
    expect(tracking.json().professionals).toMatchObject({ registered: N1 + 60, completed: 269, continued: N1 });
    const report = await app.inject({ method: 'GET', url: `/api/persons/rounds/${t2.roundId}/match-report`, headers: admin.headers });
    expect(report.statusCode, report.body).toBe(200);
    expect(report.json().roles).toEqual([
      { role: 'professional', previous: N1, previousCompleted: N1, continued: N1, current: N1 + 60, completed: 269, both: 239, notContinued: 0, continuedNotCompleted: N1 - 239 },
    ]);
    const wide = await app.inject({ method: 'GET', url: `/api/persons/rounds/${t2.roundId}/export?shape=wide&format=csv`, headers: admin.headers });
    expect(wide.statusCode, wide.body.slice(0, 300)).toBe(200);
    const lines = wide.body.trim().split(/\r?\n/);
    const header = lines[0]!.split(',');
    const inBoth = header.indexOf('in_beide');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(N1 + 30);
    expect(rows.filter((r) => r[inBoth] === '1')).toHaveLength(239);
    expect(wide.body).not.toContain('@');
  });

  it('erasure on request: the professional found by address loses answers, address, mail and person row; the audit keeps a count only', async () => {
    const db = getDatabase().db;
    admin = await loginAs(db, 'admin', clock.now());
    const round = await aProfessionalRound(app, db, admin.headers);
    await uploadProfessionals(app, round.roundId, admin.headers, 'email\nweg.ermee@zorg.test\nblijft@zorg.test\n', false);
    expect((await app.inject({ method: 'POST', url: `/api/persons/rounds/${round.roundId}/professionals/invite`, headers: admin.headers })).json()).toEqual({ queued: 2 });
    const erase = (email: string) => app.inject({ method: 'POST', url: `/api/privacy/rounds/${round.roundId}/professionals/erase`, headers: admin.headers, payload: { email } });
    const done = await erase(' Weg.Ermee@zorg.test ');
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toEqual({ persons: 1 });
    expect((await professionalsOf(round.roundId)).map((p) => p.email)).toEqual(['blijft@zorg.test']);
    const mail = await db.selectFrom('outbox_messages').select('to_address').where('idempotency_key', 'like', 'professional:%').execute();
    expect(mail.filter((m) => m.to_address === 'weg.ermee@zorg.test')).toHaveLength(0);
    expect(mail.filter((m) => m.to_address === 'blijft@zorg.test')).toHaveLength(1);
    expect((await erase('weg.ermee@zorg.test')).statusCode).toBe(404);
    const entries = await db.selectFrom('audit_log').select('details').where('action', '=', 'privacy.erase_professional').execute();
    expect(JSON.stringify(entries)).not.toContain('@');
  });

  it('a round that does not ask professionals refuses a list', async () => {
    const db = getDatabase().db;
    admin = await loginAs(db, 'admin', clock.now());
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    await anOpenPersonRound(app, db, world.roundId, admin.headers, { consentMode: 'passive', roles: ['pupil'] });
    const reply = await uploadProfessionals(app, world.roundId, admin.headers, 'email\na@b.test\n', true);
    expect(reply.statusCode).toBe(400);
    expect(reply.json().message).toMatch(/vraagt geen professionals/);
  });
});
