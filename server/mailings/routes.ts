import { lockRoundWide } from '../db/locks';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { mailingsApi } from '../../contract/api/mailings';
import type { AreaDeps } from '../area';
import { audit } from '../audit';
import { currentUser } from '../auth/plugin';
import type { MailingKind } from '../db/types';
import { badRequest, conflict, notFound } from '../errors';
import { findOptOut, optOut } from './optout';
import { acceptAnyOptOutBody, OPT_OUT_RATE_LIMIT, optOutDonePage, optOutInvalidPage, optOutQuestionPage } from './optout-page';
import {
  assertRound,
  estimateMailing,
  listInvitationMail,
  listMailings,
  listMailRounds,
  listOutbox,
  listPlannedWaves,
  messageLog,
  openingPlan,
  outboxMessage,
  previewTemplate,
} from './queries';
import { retryFailedMessage } from './outbox';
import { parseTarget } from './targets';
import type { MailingTarget } from '../../contract/api/mailings';
import { formatDateTime } from '../time';
import { relayLimits } from './tasks';
import { assertValidTemplate, loadTemplate, PLACEHOLDERS, resetTemplate, saveTemplate } from './templates';
import { cancelMailing, createMailing, moveMailing } from './waves';

type TargetInput = Static<typeof mailingsApi['POST /api/mail/rounds/:roundId/estimate']['body']>['target'];

function toTarget(t: TargetInput): MailingTarget {
  const target: MailingTarget = { status: t.status as MailingTarget['status'] };
  if (t.swvIds?.length) target.swvIds = t.swvIds;
  if (t.situations?.length) target.situations = t.situations as MailingTarget['situations'];
  if (t.sectors?.length) target.sectors = t.sectors as MailingTarget['sectors'];
  // Trimmed, as the rule compares trimmed values (DUO's spelling otherwise).
  const provinces = [...new Set((t.provinces ?? []).map((v) => v.trim()))];
  const denominations = [...new Set((t.denominations ?? []).map((v) => v.trim()))];
  if (provinces.length) target.provinces = provinces;
  if (denominations.length) target.denominations = denominations;
  return target;
}

/** Two waves of one kind to one target within a day of each other are the same wave twice. */
const DUPLICATE_WINDOW_MS = 86_400_000;

/** A target in one spelling: lists sorted, keys in a fixed order. */
function sameTargetKey(t: MailingTarget): string {
  const sorted = <T,>(list: T[] | undefined) => (list?.length ? [...list].map(String).sort() : []);
  return JSON.stringify([t.status, sorted(t.swvIds), sorted(t.situations), sorted(t.sectors), sorted(t.provinces), sorted(t.denominations), t.afterDays ?? null]);
}

function parseDue(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 2000 || date.getUTCFullYear() > 2200) {
    throw badRequest('invalid_date', 'Dit tijdstip is niet geldig.');
  }
  return date;
}

/**
 * Admin routes of the mail area, under /api/mail/, and the public opt-out page under
 * /api/optout/<token> (logs redact that path; /u/ belongs to account invitations).
 */
export const mailRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, clock, config }) => {
  const capture = !config.smtpUrl;
  const limits = relayLimits(config);
  const who = { secret: config.secret, publicUrl: config.publicUrl, mailFrom: config.mailFrom };
  const admin = { access: 'admin' as const };

  app.get('/api/mail/settings', { config: admin, schema: mailingsApi['GET /api/mail/settings'] }, async () => ({ capture, limits, from: config.mailFrom, placeholders: PLACEHOLDERS }));

  app.get('/api/mail/rounds', { config: admin, schema: mailingsApi['GET /api/mail/rounds'] }, async () => ({ rounds: await listMailRounds(db) }));

  app.get('/api/mail/rounds/:roundId/mailings', { config: admin, schema: mailingsApi['GET /api/mail/rounds/:roundId/mailings'] }, async (request) => {
    const round = await assertRound(db, request.params.roundId);
    return {
      round: {
        id: round.id,
        name: round.name,
        studyName: round.study_name,
        status: round.status,
        opensAt: round.opens_at ? new Date(round.opens_at).toISOString() : null,
        closesAt: round.closes_at ? new Date(round.closes_at).toISOString() : null,
      },
      mailings: await listMailings(db, round.id),
      swvs: await db
        .selectFrom('round_swvs as rs')
        .innerJoin('swvs as w', 'w.id', 'rs.swv_id')
        .select(['w.id', 'w.code', 'w.name', 'rs.situation'])
        .where('rs.round_id', '=', round.id)
        .orderBy('w.code')
        .execute(),
    };
  });

  app.post(
    '/api/mail/rounds/:roundId/estimate',
    { config: admin, schema: mailingsApi['POST /api/mail/rounds/:roundId/estimate'] },
    async (request) => {
      const { kind, target, dueAt } = request.body;
      return estimateMailing(db, request.params.roundId, kind, toTarget(target), parseDue(dueAt), clock.now(), limits);
    },
  );

  app.post(
    '/api/mail/rounds/:roundId/opening-plan',
    { config: admin, schema: mailingsApi['POST /api/mail/rounds/:roundId/opening-plan'] },
    async (request) => {
      const { sendAt } = request.body;
      return openingPlan(db, request.params.roundId, sendAt ? parseDue(sendAt) : null, clock.now(), limits, capture);
    },
  );

  app.post(
    '/api/mail/rounds/:roundId/mailings',
    { config: admin, schema: mailingsApi['POST /api/mail/rounds/:roundId/mailings'] },
    async (request, reply) => {
      const user = currentUser(request);
      const round = await assertRound(db, request.params.roundId);
      if (round.status === 'closed') throw conflict('round_closed', 'Deze meting is gesloten; er kan geen golf meer bij.');
      const { kind, target, dueAt } = request.body;
      const now = clock.now();
      const due = parseDue(dueAt);
      const mailing = await db.transaction().execute(async (trx) => {
        // A double click must not plan the same wave twice.
        await lockRoundWide(trx, 'waveCreation', round.id);
        // Nor may a second wave of the same kind to the same schools go within a day of the first:
        // schools would get the same mail twice.
        const wanted = sameTargetKey(toTarget(target));
        const others = await trx
          .selectFrom('mailings')
          .select(['id', 'target', 'due_at', 'status'])
          .where('round_id', '=', round.id)
          .where('kind', '=', kind)
          .where('status', '!=', 'cancelled')
          .where('due_at', '>', new Date(due.getTime() - DUPLICATE_WINDOW_MS))
          .where('due_at', '<', new Date(due.getTime() + DUPLICATE_WINDOW_MS))
          .execute();
        const same = others.find((m) => sameTargetKey(parseTarget(m.target, kind)) === wanted);
        if (same) {
          const when = formatDateTime(new Date(same.due_at), { zone: true });
          throw conflict(
            'mailing_exists',
            `Er is al een gelijke golf (${kind === 'invitation' ? 'uitnodiging' : 'herinnering'} voor dezelfde scholen) op ${when}. ` +
              'Scholen zouden dezelfde e-mail dan twee keer krijgen. Verplaats of annuleer die golf, of kies een andere doelgroep of een tijdstip minstens een dag ervandaan.',
          );
        }
        const created = await createMailing(trx, { roundId: round.id, kind, target: toTarget(target), dueAt: due, createdBy: user.id, now });
        await audit(trx, user, now, 'mailing.create', `mailing:${created.id}`, { roundId: round.id, kind, target: toTarget(target), dueAt: due.toISOString() });
        return created;
      });
      reply.code(201);
      return { id: mailing.id };
    },
  );

  app.patch(
    '/api/mail/mailings/:mailingId',
    { config: admin, schema: mailingsApi['PATCH /api/mail/mailings/:mailingId'] },
    async (request) => {
      const user = currentUser(request);
      const now = clock.now();
      const { dueAt, afterDays } = request.body;
      if (dueAt === undefined && afterDays === undefined) throw badRequest('nothing_to_change', 'Geef een nieuw tijdstip of aantal dagen op.');
      const moved = await db.transaction().execute((trx) => moveMailing(trx, request.params.mailingId, { dueAt: dueAt === undefined ? undefined : parseDue(dueAt), afterDays }, now));
      await audit(db, user, now, 'mailing.move', `mailing:${moved.id}`, { dueAt: new Date(moved.due_at).toISOString(), afterDays: afterDays ?? null });
      return { id: moved.id, dueAt: new Date(moved.due_at).toISOString() };
    },
  );

  app.post(
    '/api/mail/mailings/:mailingId/cancel',
    { config: admin, schema: mailingsApi['POST /api/mail/mailings/:mailingId/cancel'] },
    async (request) => {
      const user = currentUser(request);
      const now = clock.now();
      const { mailing, cancelledMessages } = await db.transaction().execute((trx) => cancelMailing(trx, request.params.mailingId, now));
      await audit(db, user, now, 'mailing.cancel', `mailing:${mailing.id}`, { roundId: mailing.round_id, cancelledMessages });
      return { id: mailing.id, cancelledMessages };
    },
  );

  app.get('/api/mail/rounds/:roundId/templates', { config: admin, schema: mailingsApi['GET /api/mail/rounds/:roundId/templates'] }, async (request) => {
    const round = await assertRound(db, request.params.roundId);
    return {
      invitation: await loadTemplate(db, round.id, 'invitation'),
      reminder: await loadTemplate(db, round.id, 'reminder'),
      placeholders: PLACEHOLDERS,
    };
  });

  app.put(
    '/api/mail/rounds/:roundId/templates/:kind',
    { config: admin, schema: mailingsApi['PUT /api/mail/rounds/:roundId/templates/:kind'] },
    async (request) => {
      const user = currentUser(request);
      const round = await assertRound(db, request.params.roundId);
      const kind = request.params.kind as MailingKind;
      const now = clock.now();
      await saveTemplate(db, round.id, kind, request.body, user.id, now);
      await audit(db, user, now, 'mail_template.save', `round:${round.id}`, { kind });
      return loadTemplate(db, round.id, kind);
    },
  );

  app.delete('/api/mail/rounds/:roundId/templates/:kind', { config: admin, schema: mailingsApi['DELETE /api/mail/rounds/:roundId/templates/:kind'] }, async (request) => {
    const user = currentUser(request);
    const round = await assertRound(db, request.params.roundId);
    const kind = request.params.kind as MailingKind;
    await resetTemplate(db, round.id, kind);
    await audit(db, user, clock.now(), 'mail_template.reset', `round:${round.id}`, { kind });
    return loadTemplate(db, round.id, kind);
  });

  app.post(
    '/api/mail/rounds/:roundId/templates/:kind/preview',
    { config: admin, schema: mailingsApi['POST /api/mail/rounds/:roundId/templates/:kind/preview'] },
    async (request) => {
      const round = await assertRound(db, request.params.roundId);
      const { invitationId, ...template } = request.body;
      assertValidTemplate(template);
      return previewTemplate(db, round.id, template, invitationId, config.publicUrl, config.mailFrom);
    },
  );

  app.get(
    '/api/mail/rounds/:roundId/invitations',
    { config: admin, schema: mailingsApi['GET /api/mail/rounds/:roundId/invitations'] },
    async (request) => {
      const round = await assertRound(db, request.params.roundId);
      const { search, problem, offset = 0, limit = 50 } = request.query;
      return listInvitationMail(db, round.id, { search: search?.trim() || undefined, problem, offset, limit });
    },
  );

  app.get(
    '/api/mail/invitations/:invitationId/log',
    { config: admin, schema: mailingsApi['GET /api/mail/invitations/:invitationId/log'] },
    async (request) => messageLog(db, request.params.invitationId),
  );

  app.get(
    '/api/mail/outbox',
    { config: admin, schema: mailingsApi['GET /api/mail/outbox'] },
    async (request) => {
      const { status, offset = 0, limit = 50 } = request.query;
      const now = clock.now();
      return {
        capture,
        limits,
        ...(await listOutbox(db, { status: status as never, offset, limit, now, limits })),
        // Waves still to come, so the outbox shows all mail that is planned, not only queued rows.
        planned: offset === 0 && (!status || status === 'pending') ? await listPlannedWaves(db, now) : [],
      };
    },
  );

  app.get('/api/mail/outbox/:messageId', { config: admin, schema: mailingsApi['GET /api/mail/outbox/:messageId'] }, async (request) =>
    outboxMessage(db, request.params.messageId, who, capture, currentUser(request).id),
  );

  app.post('/api/mail/outbox/:messageId/retry', { config: admin, schema: mailingsApi['POST /api/mail/outbox/:messageId/retry'] }, async (request) => {
    const user = currentUser(request);
    const now = clock.now();
    if (!(await retryFailedMessage(db, request.params.messageId, now))) {
      const exists = await db.selectFrom('outbox_messages').select('id').where('id', '=', request.params.messageId).executeTakeFirst();
      if (!exists) throw notFound('Dit bericht bestaat niet.');
      throw conflict('not_failed', 'Alleen een mislukt bericht kan opnieuw worden verstuurd.');
    }
    await audit(db, user, now, 'outbox.retry', `outbox:${request.params.messageId}`);
    return { id: request.params.messageId };
  });

  // The opt-out page. GET only shows it (link scanners follow links); POST opts out, also as the
  // RFC 8058 one-click request a mail client sends without any interaction.
  await app.register(async (plain) => {
    acceptAnyOptOutBody(plain);
    const optout = plain.withTypeProvider<TypeBoxTypeProvider>();
    const rateLimit = OPT_OUT_RATE_LIMIT;

    optout.get('/api/optout/:token', { config: { access: 'public', rateLimit }, schema: mailingsApi['GET /api/optout/:token'] }, async (request, reply) =>
      optOutQuestionPage(reply, await findOptOut(db, config.secret, request.params.token), `/api/optout/${request.params.token}`),
    );

    optout.post('/api/optout/:token', { config: { access: 'public', rateLimit }, schema: mailingsApi['POST /api/optout/:token'] }, async (request, reply) => {
      const found = await findOptOut(db, config.secret, request.params.token);
      if (!found) return optOutInvalidPage(reply);
      await db.transaction().execute((trx) => optOut(trx, found.invitationId, clock.now()));
      return optOutDonePage(reply, found);
    });
  });
};
