import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock';
import { invitationToken } from '../../server/invitations/tokens';
import { enqueueMail } from '../../server/mailings/outbox';
import { saveTemplate, DEFAULT_TEMPLATES } from '../../server/mailings/templates';
import { createMailing, scheduleInvitationWave, scheduleRoundMailings } from '../../server/mailings/waves';
import type { Worker } from '../../server/worker';
import { describeEachDatabase } from '../helpers/db';
import { makeTestWorker } from '../helpers/mail';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { aRoundWithSchools, TEST_SECRET } from '../fixtures/mail-rounds';

describeEachDatabase('mail waves through the outbox to a real SMTP server', (getDatabase) => {
  let sink: SmtpSink;
  let worker: Worker;
  let clock: ManualClock;

  beforeAll(async () => {
    sink = await startSmtpSink();
    clock = new ManualClock('2026-03-02T08:00:00Z');
    ({ worker } = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url } }));
  });
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
  });

  const mailsFor = (prefix: string) => sink.received.filter((m) => m.to.startsWith(prefix));

  it('sends the invitation wave to every reachable school exactly once, with its own link and the opt-out headers', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { count: 12, prefix: 'wave-a', withoutAddress: [3] });
    const scheduled = await scheduleRoundMailings(db, round.roundId, clock.now());
    expect(scheduled.map((m) => m.kind)).toEqual(['invitation', 'reminder']);

    await worker.drain();
    const mails = mailsFor('wave-a');
    expect(mails).toHaveLength(11);
    expect(new Set(mails.map((m) => m.to)).size).toBe(11);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(11);
    for (const inv of round.invitations.filter((i) => i.email)) {
      const [mail] = sink.to(inv.email!);
      expect(mail, inv.email!).toBeDefined();
      const link = `http://meetronde.test/s/${inv.token}`;
      expect(mail!.subject).toContain(inv.schoolName);
      expect(mail!.text).toContain(link);
      expect(mail!.html).toContain(`href="${link}"`);
      const unsubscribe = mail!.raw.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r\n\s+/g, ' ');
      expect(unsubscribe).toMatch(new RegExp(`^List-Unsubscribe: <http://meetronde\\.test/api/optout/${inv.id}-[A-Za-z0-9_-]{22}>$`));
      expect(mail!.raw.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      expect(mail!.text).toMatch(new RegExp(`http://meetronde\\.test/api/optout/${inv.id}-`));
    }

    // The database keeps no working link: only the nonce and the hash.
    const stored = await db.selectFrom('outbox_messages').select(['body_text', 'body_html']).where('invitation_id', 'in', round.invitations.map((i) => i.id)).execute();
    for (const inv of round.invitations) {
      for (const row of stored) expect(row.body_text + row.body_html).not.toContain(inv.token);
    }

    const invitations = await db.selectFrom('invitations').select(['id', 'status', 'invited_at']).where('round_id', '=', round.roundId).orderBy('id').execute();
    expect(invitations.filter((i) => i.status === 'invited' && i.invited_at)).toHaveLength(11);
    const wave = await db.selectFrom('mailings').select(['status', 'finished_at']).where('id', '=', scheduled[0]!.id).executeTakeFirstOrThrow();
    expect(wave.status).toBe('sent');

    // Running again (or scheduling again) sends nothing more.
    expect(await scheduleRoundMailings(db, round.roundId, clock.now())).toEqual([]);
    await worker.drain();
    expect(mailsFor('wave-a')).toHaveLength(11);
  });

  it('sends the reminder 14 days after the invitation, only to schools that have not completed, refused, opted out or bounced', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { count: 9, prefix: 'wave-b' });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    await worker.drain();
    expect(mailsFor('wave-b')).toHaveLength(9);

    const [completed, refused, optedOut, bounced, excluded, started, opened] = round.invitations.map((i) => i.id);
    const now = clock.now();
    await db.updateTable('invitations').set({ status: 'completed', completed_at: now }).where('id', '=', completed!).execute();
    await db.updateTable('invitations').set({ status: 'refused', refused_at: now }).where('id', '=', refused!).execute();
    await db.updateTable('invitations').set({ opted_out_at: now }).where('id', '=', optedOut!).execute();
    await db.updateTable('invitations').set({ bounced_at: now }).where('id', '=', bounced!).execute();
    await db.updateTable('invitations').set({ excluded_at: now }).where('id', '=', excluded!).execute();
    await db.updateTable('invitations').set({ status: 'started', started_at: now }).where('id', '=', started!).execute();
    await db.updateTable('invitations').set({ status: 'opened', opened_at: now }).where('id', '=', opened!).execute();

    clock.advanceDays(13);
    await worker.drain();
    expect(mailsFor('wave-b')).toHaveLength(9);

    clock.advanceDays(1);
    clock.advance(60_000);
    await worker.drain();
    const reminders = mailsFor('wave-b').slice(9);
    const expected = round.invitations.filter((i) => [started, opened, round.invitations[7]!.id, round.invitations[8]!.id].includes(i.id));
    expect(reminders.map((m) => m.to).sort()).toEqual(expected.map((i) => i.email).sort());
    for (const mail of reminders) expect(mail.subject).toMatch(/^Herinnering/);

    // Another week later: no second reminder from the same policy.
    clock.advanceDays(7);
    await worker.drain();
    expect(mailsFor('wave-b')).toHaveLength(13);
  });

  it('gives a school invited later its reminder 14 days after its own invitation', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { count: 2, prefix: 'wave-c', withoutAddress: [1] });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    await worker.drain();
    expect(mailsFor('wave-c')).toHaveLength(1);

    // Five days later the second school gets an address and an invitation wave of its own.
    clock.advanceDays(5);
    const late = round.invitations[1]!;
    await db.updateTable('invitations').set({ email: 'wave-c-late@scholen.test' }).where('id', '=', late.id).execute();
    const wave = await scheduleInvitationWave(db, round.roundId, clock.now());
    expect((await scheduleInvitationWave(db, round.roundId, clock.now())).id).toBe(wave.id);
    await worker.drain();
    expect(sink.to('wave-c-late@scholen.test')).toHaveLength(1);

    clock.advanceDays(9);
    clock.advance(60_000);
    await worker.drain();
    expect(sink.to(round.invitations[0]!.email!)).toHaveLength(2);
    expect(sink.to('wave-c-late@scholen.test')).toHaveLength(1);

    clock.advanceDays(5);
    await worker.drain();
    expect(sink.to('wave-c-late@scholen.test')).toHaveLength(2);
    expect(sink.to(round.invitations[0]!.email!)).toHaveLength(2);
  });

  it('sends a one-off reminder only to schools that have had their invitation mail, never before it', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { count: 4, prefix: 'remind-first' });
    // Two schools got their invitation; the invitation wave has not reached the other two yet.
    const invited = round.invitations.slice(0, 2).map((i) => i.id);
    await db.updateTable('invitations').set({ status: 'invited', invited_at: clock.now() }).where('id', 'in', invited).execute();
    await createMailing(db, { roundId: round.roundId, kind: 'reminder', target: { status: 'not-completed' }, dueAt: clock.now(), createdBy: null });
    await worker.drain();
    const mails = mailsFor('remind-first');
    expect(mails.map((m) => m.to).sort()).toEqual(round.invitations.slice(0, 2).map((i) => i.email!).sort());
  });

  it('escapes school names in the HTML part and keeps them as written in the text part', async () => {
    const db = getDatabase().db;
    const hostile = `<script>alert("x")</script> 't Kompas & "Mozaïek" {{link}}`;
    const round = await aRoundWithSchools(db, { count: 1, prefix: 'wave-d', schoolName: () => hostile });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    await worker.drain();
    const [mail] = mailsFor('wave-d');
    expect(mail!.html).not.toContain('<script>');
    expect(mail!.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;t Kompas &amp; &quot;Mozaïek&quot; {{link}}');
    expect(mail!.text).toContain(hostile);
    expect(mail!.subject).toContain(hostile);
  });

  it('sends mail that belongs to no wave (an account invitation) through the same outbox, once', async () => {
    const db = getDatabase().db;
    const mail = { key: 'user-invite:test:1', to: 'nieuwe.gebruiker@universiteit.test', subject: 'Uitnodiging voor Meetronde', text: 'Kies een wachtwoord.', html: '<p>Kies een wachtwoord.</p>' };
    expect((await enqueueMail(db, mail, clock.now())).created).toBe(true);
    expect((await enqueueMail(db, mail, clock.now())).created).toBe(false);
    await worker.drain();
    const got = sink.to('nieuwe.gebruiker@universiteit.test');
    expect(got).toHaveLength(1);
    expect(got[0]!.subject).toBe('Uitnodiging voor Meetronde');
    expect(got[0]!.raw.headerLines.map((h) => h.key)).not.toContain('list-unsubscribe');
    const row = await db.selectFrom('outbox_messages').select(['status', 'transport']).where('idempotency_key', '=', mail.key).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'sent', transport: 'smtp' });
  });

  it('uses the round\'s own template when one is saved', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { count: 2, prefix: 'wave-e' });
    await saveTemplate(
      db,
      round.roundId,
      'invitation',
      { ...DEFAULT_TEMPLATES.invitation, subject: 'Eigen onderwerp voor {{school}}', text: 'Hallo {{school}}, ga naar {{link}} (sluit {{sluitingsdatum}}). Afmelden: {{afmelden}}' },
      null,
      clock.now(),
    );
    await scheduleRoundMailings(db, round.roundId, clock.now());
    await worker.drain();
    const mails = mailsFor('wave-e');
    expect(mails).toHaveLength(2);
    const inv = round.invitations[0]!;
    const mail = sink.to(inv.email!)[0]!;
    expect(mail.subject).toBe(`Eigen onderwerp voor ${inv.schoolName}`);
    expect(mail.text.trim()).toMatch(
      new RegExp(`^Hallo ${inv.schoolName}, ga naar http://meetronde\\.test/s/${invitationToken(TEST_SECRET, (await db.selectFrom('invitations').select('token_nonce').where('id', '=', inv.id).executeTakeFirstOrThrow()).token_nonce)} \\(sluit zondag 31 mei 2026\\)\\. Afmelden: http://meetronde\\.test/api/optout/${inv.id}-`),
    );
  });
});
