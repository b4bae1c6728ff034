import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock';
import { sha256 } from '../../server/crypto';
import { inboundOptions } from '../../server/inbound/tasks';
import { eraseSchoolData } from '../../server/privacy/erase';
import { parseImapUrl, pollMailbox } from '../../server/inbound/imap';
import { processInbound, readInbound } from '../../server/inbound/process';
import { startInboundSmtp, type InboundSmtpServer } from '../../server/inbound/smtp';
import { fanOutDueMailings, scheduleRoundMailings } from '../../server/mailings/waves';
import { parseVerpAddress, verpAddress } from '../../server/mailings/verp';
import { dashboardSnapshot } from '../../server/tracking/dashboard';
import { loginAs, makeTestApp, testConfig } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { dovecotUnavailable, startDovecot, type DovecotInstance } from '../helpers/dovecot';
import { makeTestWorker } from '../helpers/mail';
import { postfixUnavailable, startPostfix, type PostfixInstance } from '../helpers/postfix';
import { freePort } from '../helpers/process';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { aRoundWithSchools } from '../fixtures/mail-rounds';

/**
 * Mail that comes back, through real parts: Postfix (its own instance on loopback) accepts our
 * mail, is refused further on with a 550 and writes a real RFC 3464 DSN to the message's VERP
 * envelope sender, which reaches the app's SMTP receiver; Dovecot (its own instance) holds a
 * mailbox that two workers poll at once.
 */

const DAY = 86_400_000;
const CORPUS = path.join(__dirname, '../fixtures/inbound');
const MAIL_FROM = 'Meetronde test <noreply@meetronde.test>';

const postfixMissing = postfixUnavailable();
const dovecotMissing = dovecotUnavailable();
if (postfixMissing) console.warn(`\n!!! SKIPPING the Postfix bounce tests: ${postfixMissing}\n`);
if (dovecotMissing) console.warn(`\n!!! SKIPPING the Dovecot IMAP tests: ${dovecotMissing}\n`);

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeEachDatabase('mail that comes back', (getDatabase) => {
  describe.skipIf(!!postfixMissing)('through a real Postfix that writes DSNs', () => {
    let school: SmtpSink;
    let postfix: PostfixInstance;
    let receiver: InboundSmtpServer;
    const clock = new ManualClock(new Date('2026-03-02T08:00:00Z'));

    beforeAll(async () => {
      school = await startSmtpSink({ onRecipient: (address) => (/^pf-gone/.test(address) ? 550 : null) });
      const inboundPort = await freePort();
      postfix = await startPostfix({ 'meetronde.test': inboundPort, '*': school.port });
      const config = testConfig({ mailFrom: MAIL_FROM });
      receiver = await startInboundSmtp({ db: getDatabase().db, clock }, { port: inboundPort, host: '127.0.0.1', mailFrom: MAIL_FROM, options: inboundOptions(config) });
    }, 60_000);
    afterAll(async () => {
      await receiver?.close();
      await postfix?.stop();
      await school?.close();
    });

    it('marks a school unreachable when the relay accepted its mail and a DSN came back later; reminders skip it, the dashboard counts it, a corrected address gets the invitation again', { timeout: 120_000 }, async () => {
      const db = getDatabase().db;
      const round = await aRoundWithSchools(db, { count: 6, prefix: 'pf-ok', round: { closesAt: new Date(clock.now().getTime() + 40 * DAY) } });
      // Two schools whose mailboxes no longer exist.
      for (const inv of round.invitations.slice(0, 2)) {
        const email = inv.email!.replace('pf-ok', 'pf-gone');
        await db.updateTable('invitations').set({ email }).where('id', '=', inv.id).execute();
        await db.updateTable('schools').set({ email }).where('email', '=', inv.email!).execute();
        inv.email = email;
      }
      const { worker } = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: `smtp://127.0.0.1:${postfix.port}`, mailFrom: MAIL_FROM } });
      await scheduleRoundMailings(db, round.roundId, clock.now());
      await worker.drain();

      // Postfix accepted all six: the app saw no refusal at all.
      const rows = await db.selectFrom('outbox_messages').select(['id', 'status', 'invitation_id']).where('invitation_id', 'in', round.invitations.map((i) => i.id)).execute();
      expect(rows.map((r) => r.status)).toEqual(Array(6).fill('sent'));
      await waitFor('the four deliveries', async () => school.received.filter((m) => m.to.startsWith('pf-ok')).length >= 4);
      // Every message left with its own signed envelope sender (VERP), which Postfix kept.
      for (const m of school.received.filter((r) => r.to.startsWith('pf-ok'))) {
        const id = parseVerpAddress(m.envelopeFrom ?? '', testConfig().secret);
        expect(rows.find((r) => r.id === id)?.invitation_id).toBe(round.invitations.find((i) => i.email === m.to)!.id);
      }

      // Postfix's DSNs for the two refused schools reach the SMTP receiver.
      const inbound = await waitFor(
        'two DSNs from Postfix',
        async () => {
          const got = await db.selectFrom('inbound_messages').selectAll().where('invitation_id', 'in', round.invitations.slice(0, 2).map((i) => i.id)).execute();
          return got.length === 2 ? got : null;
        },
        60_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${postfix.log()}`);
      });
      for (const m of inbound) {
        expect(m.kind).toBe('bounce');
        expect(m.permanent).toBe(true);
        expect(m.status_code).toMatch(/^5\./);
        expect(m.effect).toBe('unreachable');
      }
      const invitations = await db.selectFrom('invitations').select(['id', 'bounced_at', 'invited_at']).where('round_id', '=', round.roundId).orderBy('id').execute();
      expect(invitations.filter((i) => i.bounced_at).map((i) => i.id)).toEqual(round.invitations.slice(0, 2).map((i) => i.id));
      const bouncedRows = await db.selectFrom('outbox_messages').select('status').where('invitation_id', 'in', round.invitations.slice(0, 2).map((i) => i.id)).execute();
      expect(bouncedRows.map((r) => r.status)).toEqual(['bounced', 'bounced']);

      // Tracking: invited 6, bounced 2, reached 4.
      const dashboard = (await dashboardSnapshot(db, round.roundId, clock.now()))!;
      expect(dashboard.funnel).toMatchObject({ invited: 6, bounced: 2, reached: 4, notYetSent: 0 });

      // The school list (the admin's per-round message list) shows it.
      const { app } = await makeTestApp(getDatabase(), { clock, config: { mailFrom: MAIL_FROM } });
      const admin = (await loginAs(db, 'admin', clock.now())).headers;
      const list = await app.inject({ method: 'GET', url: `/api/mail/rounds/${round.roundId}/invitations?problem=bounced`, headers: admin });
      expect(list.statusCode).toBe(200);
      expect(JSON.stringify(list.json())).toContain(round.invitations[0]!.schoolName);

      // The reminder 14 days later skips them.
      const before = school.received.length;
      clock.advance(15 * DAY);
      await fanOutDueMailings(db, clock.now(), MAIL_FROM);
      await worker.drain();
      await waitFor('four reminders', async () => school.received.length - before >= 4);
      await new Promise((r) => setTimeout(r, 1500));
      const reminders = school.received.slice(before);
      expect(reminders.map((m) => m.to).sort()).toEqual(round.invitations.slice(2).map((i) => i.email).sort());

      // The admin corrects one address: the invitation goes out again, to the new address.
      const schoolRow = await db.selectFrom('schools').select('id').where('email', '=', round.invitations[0]!.email!).executeTakeFirstOrThrow();
      const adminNow = (await loginAs(db, 'admin', clock.now())).headers;
      const corrected = await app.inject({ method: 'PUT', url: `/api/schools/${schoolRow.id}/email`, headers: adminNow, payload: { email: 'pf-ok-new@scholen.test' } });
      expect(corrected.statusCode).toBe(200);
      const after = await db.selectFrom('invitations').select(['bounced_at', 'invited_at', 'email']).where('id', '=', round.invitations[0]!.id).executeTakeFirstOrThrow();
      expect(after).toMatchObject({ bounced_at: null, invited_at: null, email: 'pf-ok-new@scholen.test' });
      await fanOutDueMailings(db, clock.now(), MAIL_FROM);
      await worker.drain();
      await waitFor('the invitation at the corrected address', async () => school.to('pf-ok-new@scholen.test').length === 1);
      expect(school.to('pf-ok-new@scholen.test')[0]!.subject).toMatch(/^Uitnodiging/);
      const resent = await db.selectFrom('outbox_messages as o').innerJoin('mailings as m', 'm.id', 'o.mailing_id').select(['m.kind', 'o.status']).where('o.invitation_id', '=', round.invitations[0]!.id).where('o.to_address', '=', 'pf-ok-new@scholen.test').execute();
      expect(resent).toEqual([{ kind: 'invitation', status: 'sent' }]);
      await app.close();
      await worker.stop();
    });
  });

  describe.skipIf(!!dovecotMissing)('from a real IMAP mailbox (Dovecot)', () => {
    let dovecot: DovecotInstance;
    const clock = new ManualClock(new Date('2026-07-13T08:00:00Z'));

    beforeAll(async () => {
      dovecot = await startDovecot();
    }, 30_000);
    afterAll(async () => {
      await dovecot?.stop();
    });

    const append = async (raws: string[]) => {
      const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
      await client.connect();
      for (const raw of raws) await client.append('INBOX', raw.replace(/\r?\n/g, '\r\n'));
      await client.logout();
    };
    const unseen = async () => {
      const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
      await client.connect();
      const lock = await client.getMailboxLock('INBOX');
      const uids = (await client.search({ seen: false }, { uid: true })) || [];
      lock.release();
      await client.logout();
      return uids;
    };

    it('processes every message once while two workers poll the mailbox at the same time, with each class\'s effect', { timeout: 120_000 }, async () => {
      const db = getDatabase().db;
      const secret = testConfig().secret;
      const round = await aRoundWithSchools(db, { count: 5, prefix: 'imap', round: { closesAt: new Date(clock.now().getTime() + 40 * DAY) } });
      const config = { mailFrom: MAIL_FROM, inbound: { imapUrl: dovecot.url, imapPollMs: 60_000, smtpPort: 0, smtpHost: '127.0.0.1', softBounceLimit: 2, forwardRepliesTo: 'onderzoekers@meetronde.test' } };
      const sender = makeTestWorker(getDatabase(), { clock, config: { mailFrom: MAIL_FROM } });
      await scheduleRoundMailings(db, round.roundId, clock.now());
      await sender.worker.drain();
      await sender.worker.stop();
      const rows = await db.selectFrom('outbox_messages').select(['id', 'invitation_id', 'idempotency_key']).where('invitation_id', 'in', round.invitations.map((i) => i.id)).orderBy('invitation_id').execute();
      type Row = (typeof rows)[number];
      const [hard, soft, ooo, reply, spam] = rows as [Row, Row, Row, Row, Row];
      const mid = (row: Row) => `mr.${row.id}.${sha256(row.idempotency_key).slice(0, 12)}@meetronde.test`;
      const corpus = (file: string) => readFileSync(path.join(CORPUS, file), 'utf8');
      const withVerp = (raw: string, row: (typeof rows)[number]) => raw.replace(/noreply\+b\d+\.[0-9a-f]{16}@meetronde\.test/g, verpAddress(MAIL_FROM, secret, row.id));
      const emailOf = (row: Row) => round.invitations.find((i) => i.id === row.invitation_id)!.email!;

      const messages = [
        // A permanent bounce that names its message only through the VERP address.
        withVerp(corpus('gmail-dsn-no-such-user.eml'), hard!).replace(/<mr\.104\.[^>]+>/g, '<unrelated@elsewhere>'),
        // Two delay warnings (4.x.x) for another school: with BOUNCE_SOFT_LIMIT 2 it becomes unreachable.
        withVerp(corpus('postfix-delayed-warning.eml'), soft!).replace('Subject:', 'Message-ID: <delay-1@mx1.onderwijsgroep.nl>\nSubject:'),
        withVerp(corpus('postfix-delayed-warning.eml'), soft!).replace('Subject:', 'Message-ID: <delay-2@mx1.onderwijsgroep.nl>\nSubject:'),
        // A Dutch out-of-office that quotes our Message-ID.
        corpus('exchange-automatisch-antwoord.eml').replace(/mr\.113\.3f2a9c1b7d4e@meetronde\.test/g, mid(ooo!)),
        // A school's reply: "wij doen niet mee".
        corpus('human-reply-wij-doen-niet-mee.eml').replace(/mr\.120\.3f2a9c1b7d4e@meetronde\.test/g, mid(reply!)).replace('directie@obs-delinde.nl', emailOf(reply!)),
        // A spam complaint.
        withVerp(corpus('arf-abuse-report.eml'), spam!),
        // A reply without a Message-ID, matched by its sender's address.
        `From: ${emailOf(spam!)}\nTo: noreply@meetronde.test\nSubject: vraagje\n\nGeen Message-ID hier.\n`,
      ];
      await append(messages);
      expect((await unseen()).length).toBe(messages.length);

      // A poller that fetched one message and died before recording it: the message stays unseen.
      const crashed = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
      await crashed.connect();
      const lock = await crashed.getMailboxLock('INBOX');
      const first = (((await crashed.search({ seen: false }, { uid: true })) || []) as number[])[0]!;
      expect((await crashed.fetchOne(String(first), { source: true }, { uid: true })) || null).not.toBeNull();
      lock.release();
      crashed.close();
      expect((await unseen()).length).toBe(messages.length);

      // And one whose processing committed but whose \Seen flag never got set.
      const options = inboundOptions(testConfig(config));
      const read = await readInbound(Buffer.from(messages[3]!.replace(/\r?\n/g, '\r\n')), { channel: 'imap' }, options);
      const committed = await db.transaction().execute((trx) => processInbound(trx, read, { channel: 'imap' }, options, clock.now()));
      expect(committed.duplicate).toBe(false);

      // Two instances poll at once.
      const a = makeTestWorker(getDatabase(), { clock, config, id: 'instance-a' });
      const b = makeTestWorker(getDatabase(), { clock, config, id: 'instance-b' });
      expect(a.worker.taskNames).toContain('inbound-imap');
      await Promise.all([a.worker.runAll(), b.worker.runAll()]);
      await Promise.all([a.worker.runAll(), b.worker.runAll()]);
      expect(await unseen()).toEqual([]);

      const recorded = await db.selectFrom('inbound_messages').selectAll().where('round_id', '=', round.roundId).orderBy('id').execute();
      expect(recorded.length).toBe(messages.length);
      const byInvitation = (row: Row) => recorded.filter((r) => r.invitation_id === row.invitation_id);
      expect(byInvitation(hard).map((r) => [r.kind, r.permanent, r.status_code, r.effect])).toEqual([['bounce', true, '5.1.1', 'unreachable']]);
      expect(byInvitation(soft).map((r) => [r.kind, r.permanent, r.effect])).toEqual([
        ['bounce', false, 'soft-bounce'],
        ['bounce', false, 'unreachable'],
      ]);
      expect(byInvitation(ooo).map((r) => [r.kind, r.effect])).toEqual([['auto-reply', 'noted']]);
      expect(byInvitation(reply).map((r) => [r.kind, r.effect])).toEqual([['reply', 'listed']]);
      expect(byInvitation(spam).map((r) => r.kind).sort()).toEqual(['complaint', 'reply']);

      const inv = await db.selectFrom('invitations').select(['id', 'bounced_at', 'soft_bounces', 'opted_out_at']).where('round_id', '=', round.roundId).orderBy('id').execute();
      const state = (row: Row) => inv.find((i) => i.id === row.invitation_id)!;
      expect(state(hard).bounced_at).not.toBeNull();
      expect(state(soft)).toMatchObject({ soft_bounces: 2 });
      expect(state(soft).bounced_at).not.toBeNull();
      expect(state(ooo).bounced_at).toBeNull();
      expect(state(reply).bounced_at).toBeNull();
      expect(state(spam).opted_out_at).not.toBeNull();

      // The reply went to the researchers once.
      const forwards = await sql<{ n: number }>`select count(*)::int as n from outbox_messages where idempotency_key like 'inbound-forward:%' and to_address = 'onderzoekers@meetronde.test'`.execute(db);
      expect(forwards.rows[0]!.n).toBe(2);

      // The admin's "Berichten" page lists the reply beside its school and round.
      const { app } = await makeTestApp(getDatabase(), { clock, config });
      const admin = (await loginAs(db, 'admin', clock.now())).headers;
      const page = await app.inject({ method: 'GET', url: `/api/inbound/messages?kind=reply&roundId=${round.roundId}`, headers: admin });
      expect(page.statusCode).toBe(200);
      const listed = page.json() as { messages: Array<{ text: string; school: { name: string } | null; round: { id: number } | null; invitationId: number }> };
      const theirs = listed.messages.find((m) => m.invitationId === reply!.invitation_id)!;
      expect(theirs.text).toContain('Wij doen dit jaar niet mee');
      expect(theirs.school?.name).toBe(round.invitations.find((i) => i.id === reply!.invitation_id)!.schoolName);
      expect(theirs.round?.id).toBe(round.roundId);
      const researcher = (await loginAs(db, 'researcher', clock.now())).headers;
      expect((await app.inject({ method: 'GET', url: '/api/inbound/messages', headers: researcher })).statusCode).toBe(403);
      await app.close();

      // Erasing the school's data (GDPR) takes what it mailed back, and the forwarded copy, along.
      const replySchool = await db.selectFrom('invitations').select('school_id').where('id', '=', reply.invitation_id!).executeTakeFirstOrThrow();
      const forwardedId = recorded.find((r) => r.invitation_id === reply.invitation_id)!.forwarded_outbox_id!;
      await db.transaction().execute((trx) => eraseSchoolData(trx, round.roundId, replySchool.school_id!, { system: 'test' }, clock.now()));
      expect(await db.selectFrom('inbound_messages').select('id').where('invitation_id', '=', reply.invitation_id).execute()).toEqual([]);
      expect(await db.selectFrom('outbox_messages').select('id').where('id', '=', forwardedId).execute()).toEqual([]);
      await a.worker.stop();
      await b.worker.stop();
      expect(parseImapUrl(dovecot.url)).toMatchObject({ host: '127.0.0.1', port: dovecot.port, mailbox: 'INBOX', secure: false });
    });
  });
});
