import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { roundsApi, type RoundRecord } from '../../contract/api/rounds';
import type { AreaDeps } from '../area';
import type { Round } from '../db/types';
import { currentUser } from '../auth/plugin';
import type { Actor } from '../audit';
import { badRequest, notFound } from '../errors';
import { formatDateTime } from '../time';
import { excludeSchool, includeSchool } from './school-choices';
import { listQuestionnaires } from '../questionnaires';
import { readUpload, registerUploads } from '../schools/upload';
import { previewRound, roundSchools } from '../invitations/eligibility';
import { closeRound } from './close';
import { inviteReachable, openRound } from './open';
import { fanOutMailing, scheduleInvitationsForSchool, scheduleInvitationWave, scheduleRoundMailings } from '../mailings/waves';
import { copyRound, createRound, createStudy, DEFAULT_REMINDER_POLICY, DEFAULT_ROUND_DAYS, updateRound, type RoundCopied } from './rounds';
import { assignSwv, importAssignments, MAX_ASSIGNMENT_FILE_BYTES, NO_SITUATION_LABEL, roundNeedsSituation, SITUATION_LABELS, SITUATIONS, unassignSwv } from './swv-assignment';

const toDate = (value: string | null | undefined) => (value === undefined ? undefined : value === null ? null : new Date(value));
const iso = (date: Date | null) => date?.toISOString() ?? null;

/** A round row as the API sends it (dates as ISO strings, as JSON would write them). */
function roundRecord(round: Round): RoundRecord {
  return {
    ...round,
    opens_at: iso(round.opens_at),
    closes_at: iso(round.closes_at),
    retention_until: iso(round.retention_until),
    purged_at: iso(round.purged_at),
    created_at: round.created_at.toISOString(),
    updated_at: round.updated_at.toISOString(),
  };
}

/**
 * Studies and rounds (metingen): setup, SWV assignment, the preview of who will be invited,
 * opening, per-school corrections and copying into the next measurement.
 */
export const roundsRoutes: FastifyPluginAsyncTypebox<AreaDeps & { roundCopied?: RoundCopied }> = async (app, { db, clock, config, roundCopied }) => {
  await registerUploads(app);
  const actorOf = (request: Parameters<typeof currentUser>[0]): Actor => {
    const user = currentUser(request);
    return { id: user.id, email: user.email };
  };

  app.get('/api/studies', { config: { access: 'researcher' }, schema: roundsApi['GET /api/studies'] }, async () =>
    db.selectFrom('studies').select(['id', 'name', 'slug', 'description', 'sender_name as senderName']).orderBy('name').execute(),
  );

  app.post(
    '/api/studies',
    {
      config: { access: 'admin' },
      schema: roundsApi['POST /api/studies'],
    },
    async (request, reply) => {
      const study = await createStudy(db, request.body, clock.now(), actorOf(request));
      return reply.code(201).send({ ...study, created_at: study.created_at.toISOString() });
    },
  );

  app.get('/api/rounds/options', { config: { access: 'researcher' }, schema: roundsApi['GET /api/rounds/options'] }, async () => ({
    questionnaires: [
      ...listQuestionnaires().map((q) => ({ id: q.id, title: q.title, usable: q.issues.length === 0 && q.meta !== null })),
      // Versions saved from the admin app (issue 27), after the built-in files.
      ...(await db.selectFrom('questionnaire_versions').select(['id', 'title', 'version']).where('source', '=', 'upload').orderBy('id').execute()).map((v) => ({
        id: `v${v.id}`,
        title: `${v.title} (versie ${v.version}, toegevoegd)`,
        usable: true,
      })),
    ],
    situations: SITUATIONS.map((code) => ({ code, label: SITUATION_LABELS[code] })),
    noSituationLabel: NO_SITUATION_LABEL,
    defaultRoundDays: DEFAULT_ROUND_DAYS,
    defaultReminderDays: DEFAULT_REMINDER_POLICY.afterDays,
  }));

  app.get('/api/rounds', { config: { access: 'researcher' }, schema: roundsApi['GET /api/rounds'] }, async () => {
    const rows = await db
      .selectFrom('rounds')
      .innerJoin('studies', 'studies.id', 'rounds.study_id')
      .leftJoin('questionnaire_versions as qv', 'qv.id', 'rounds.questionnaire_version_id')
      .select([
        'rounds.id',
        'rounds.name',
        'rounds.status',
        'rounds.opens_at as opensAt',
        'rounds.closes_at as closesAt',
        'rounds.previous_round_id as previousRoundId',
        'studies.id as studyId',
        'studies.name as studyName',
        'qv.title as questionnaireTitle',
      ])
      .select((eb) => [
        eb.selectFrom('round_swvs').select((e) => e.fn.countAll<number>().as('n')).whereRef('round_swvs.round_id', '=', 'rounds.id').as('swvs'),
        eb
          .selectFrom('invitations')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('invitations.round_id', '=', 'rounds.id')
          .where('invitations.excluded_at', 'is', null)
          .as('invitations'),
      ])
      .orderBy('studies.name')
      .orderBy('rounds.created_at', 'desc')
      .execute();
    return rows.map((r) => ({ ...r, opensAt: iso(r.opensAt), closesAt: iso(r.closesAt), swvs: Number(r.swvs ?? 0), invitations: Number(r.invitations ?? 0) }));
  });

  app.post(
    '/api/rounds',
    { config: { access: 'admin' }, schema: roundsApi['POST /api/rounds'] },
    async (request, reply) => {
      const b = request.body;
      const round = await db.transaction().execute((trx) =>
        createRound(
          trx,
          {
            studyId: b.studyId,
            name: b.name,
            questionnaireId: b.questionnaireId,
            opensAt: toDate(b.opensAt),
            closesAt: toDate(b.closesAt),
            reminderPolicy: b.reminderDays ? { afterDays: b.reminderDays } : undefined,
            targetRespondents: b.targetRespondents,
          },
          clock.now(),
          actorOf(request),
        ),
      );
      return reply.code(201).send(roundRecord(round));
    },
  );

  app.get('/api/rounds/:id', { config: { access: 'researcher' }, schema: roundsApi['GET /api/rounds/:id'] }, async (request) => {
    const round = await db
      .selectFrom('rounds')
      .innerJoin('studies', 'studies.id', 'rounds.study_id')
      .leftJoin('questionnaire_versions as qv', 'qv.id', 'rounds.questionnaire_version_id')
      .leftJoin('rounds as previous', 'previous.id', 'rounds.previous_round_id')
      .selectAll('rounds')
      .select(['studies.name as study_name', 'qv.title as questionnaire_title', 'qv.questionnaire_key', 'qv.version as questionnaire_version', 'previous.name as previous_round_name'])
      .where('rounds.id', '=', request.params.id)
      .executeTakeFirst();
    if (!round) throw notFound('Deze meting bestaat niet.');
    const swvs = await db
      .selectFrom('round_swvs')
      .innerJoin('swvs', 'swvs.id', 'round_swvs.swv_id')
      .select(['swvs.id', 'swvs.code', 'swvs.name', 'swvs.sector', 'swvs.active', 'round_swvs.situation', 'round_swvs.region_letter as regionLetter'])
      .where('round_swvs.round_id', '=', round.id)
      .orderBy('round_swvs.region_letter')
      .orderBy('swvs.code')
      .execute();
    // needsSituation: the questionnaire uses the samenwerkingssituatie (else SWVs may have none).
    return { ...roundRecord(round), study_name: round.study_name, questionnaire_title: round.questionnaire_title, questionnaire_key: round.questionnaire_key, questionnaire_version: round.questionnaire_version, previous_round_name: round.previous_round_name, swvs, needsSituation: await roundNeedsSituation(db, round.id) };
  });

  app.patch(
    '/api/rounds/:id',
    {
      config: { access: 'admin' },
      schema: roundsApi['PATCH /api/rounds/:id'],
    },
    async (request) => {
      const b = request.body;
      const round = await db.transaction().execute((trx) =>
        updateRound(
          trx,
          request.params.id,
          {
            ...(b.name !== undefined ? { name: b.name } : {}),
            ...(b.questionnaireId !== undefined ? { questionnaireId: b.questionnaireId } : {}),
            ...(b.opensAt !== undefined ? { opensAt: toDate(b.opensAt) } : {}),
            ...(b.closesAt !== undefined ? { closesAt: toDate(b.closesAt) } : {}),
            ...(b.reminderDays !== undefined ? { reminderPolicy: { afterDays: b.reminderDays } } : {}),
            ...(b.targetRespondents !== undefined ? { targetRespondents: b.targetRespondents } : {}),
          },
          clock.now(),
          actorOf(request),
        ),
      );
      return roundRecord(round);
    },
  );

  app.put(
    '/api/rounds/:id/swvs/:code',
    {
      config: { access: 'admin' },
      schema: roundsApi['PUT /api/rounds/:id/swvs/:code'],
    },
    async (request) =>
      db
        .transaction()
        .execute((trx) => assignSwv(trx, request.params.id, { swvCode: request.params.code, ...request.body }, clock.now(), actorOf(request))),
  );

  app.delete('/api/rounds/:id/swvs/:code', { config: { access: 'admin' }, schema: roundsApi['DELETE /api/rounds/:id/swvs/:code'] }, async (request, reply) => {
    await db.transaction().execute((trx) => unassignSwv(trx, request.params.id, request.params.code, clock.now(), actorOf(request)));
    return reply.code(204).send(null);
  });

  app.post(
    '/api/rounds/:id/swvs/import',
    {
      config: { access: 'admin' },
      bodyLimit: MAX_ASSIGNMENT_FILE_BYTES + 64 * 1024,
      schema: roundsApi['POST /api/rounds/:id/swvs/import'],
    },
    async (request) => {
      const actor = actorOf(request);
      const upload = await readUpload(request, MAX_ASSIGNMENT_FILE_BYTES);
      return db
        .transaction()
        .execute((trx) => importAssignments(trx, request.params.id, upload.bytes, { dryRun: request.query.dryRun ?? true, now: clock.now(), actor }));
    },
  );

  app.get('/api/rounds/:id/preview', { config: { access: 'researcher' }, schema: roundsApi['GET /api/rounds/:id/preview'] }, async (request) =>
    previewRound(db, request.params.id),
  );

  app.get(
    '/api/rounds/:id/schools',
    {
      config: { access: 'researcher' },
      schema: roundsApi['GET /api/rounds/:id/schools'],
    },
    async (request) => {
      const { state, swv } = request.query;
      const schools = await roundSchools(db, request.params.id);
      return schools.filter((s) => (!state || s.state === state) && (!swv || s.swvCode === swv.toUpperCase()));
    },
  );

  app.post(
    '/api/rounds/:id/open',
    {
      config: { access: 'admin' },
      schema: roundsApi['POST /api/rounds/:id/open'],
    },
    async (request) => {
      const actor = actorOf(request);
      const now = clock.now();
      // A chosen moment that has passed while the admin read the plan means "now".
      const asked = request.body?.invitationsAt ? new Date(request.body.invitationsAt) : undefined;
      const chosen = asked && asked.getTime() > now.getTime() ? asked : undefined;
      const opened = await db.transaction().execute(async (trx) => {
        const result = await openRound(trx, request.params.id, now, actor, config.secret);
        if (chosen && chosen.getTime() < result.opensAt.getTime()) {
          throw badRequest('invitations_before_opening', `De uitnodigingen kunnen niet uitgaan vóór de meting opent (${formatDateTime(result.opensAt, { zone: true })}).`);
        }
        if (chosen && chosen.getTime() >= result.closesAt.getTime()) {
          throw badRequest('invitations_after_closing', 'De uitnodigingen moeten uitgaan voordat de meting sluit.');
        }
        // The invitation wave and the reminder policy's waves, in the same transaction.
        const waves = await scheduleRoundMailings(trx, result.roundId, now, 'id' in actor ? actor.id : null, chosen);
        return { result, waves };
      });
      // A wave due now goes into the outbox at once (the worker sends it at the relay's pace):
      // the admin sees every queued mail right after confirming.
      let queued = 0;
      for (const wave of opened.waves) {
        if (wave.kind === 'invitation' && new Date(wave.due_at).getTime() <= now.getTime()) {
          queued += (await db.transaction().execute((trx) => fanOutMailing(trx, wave.id, now, config.mailFrom)))?.queued ?? 0;
        }
      }
      const { result } = opened;
      const invitationWave = opened.waves.find((w) => w.kind === 'invitation');
      return {
        roundId: result.roundId,
        opensAt: result.opensAt.toISOString(),
        closesAt: result.closesAt.toISOString(),
        invited: result.invitationIds.length,
        unreachable: result.unreachable,
        excluded: result.excluded,
        invitationsAt: invitationWave ? new Date(invitationWave.due_at).toISOString() : null,
        queued,
      };
    },
  );

  app.post('/api/rounds/:id/close', { config: { access: 'admin' }, schema: roundsApi['POST /api/rounds/:id/close'] }, async (request) => {
    const closed = await db.transaction().execute((trx) => closeRound(trx, request.params.id, clock.now(), actorOf(request)));
    return { roundId: closed.round.id, closesAt: iso(closed.round.closes_at), cancelledWaves: closed.cancelledWaves, cancelledMessages: closed.cancelledMessages };
  });

  app.post(
    '/api/rounds/:id/invite',
    {
      config: { access: 'admin' },
      schema: roundsApi['POST /api/rounds/:id/invite'],
    },
    async (request) => {
      const actor = actorOf(request);
      const ids = await db.transaction().execute(async (trx) => {
        const created = await inviteReachable(trx, request.params.id, clock.now(), actor, config.secret, request.body.schoolIds);
        if (created.length) await scheduleInvitationWave(trx, request.params.id, clock.now(), 'id' in actor ? actor.id : null);
        return created;
      });
      return { invited: ids.length };
    },
  );

  app.post(
    '/api/rounds/:id/copy',
    {
      config: { access: 'admin' },
      schema: roundsApi['POST /api/rounds/:id/copy'],
    },
    async (request, reply) => {
      const b = request.body;
      const round = await db
        .transaction()
        .execute((trx) =>
          copyRound(trx, request.params.id, { name: b.name, opensAt: toDate(b.opensAt), closesAt: toDate(b.closesAt), questionnaireId: b.questionnaireId }, clock.now(), actorOf(request), roundCopied),
        );
      return reply.code(201).send(roundRecord(round));
    },
  );

  app.post('/api/rounds/:id/schools/:schoolId/exclude', { config: { access: 'admin' }, schema: roundsApi['POST /api/rounds/:id/schools/:schoolId/exclude'] }, async (request) =>
    db.transaction().execute((trx) => excludeSchool(trx, request.params.id, request.params.schoolId, clock.now(), actorOf(request))),
  );

  app.post(
    '/api/rounds/:id/schools/:schoolId/include',
    { config: { access: 'admin' }, schema: roundsApi['POST /api/rounds/:id/schools/:schoolId/include'] },
    async (request) => {
      const actor = actorOf(request);
      return db.transaction().execute(async (trx) => {
        const state = await includeSchool(trx, request.params.id, request.params.schoolId, request.body.swvId ?? null, clock.now(), actor, config.secret);
        await scheduleInvitationsForSchool(trx, request.params.schoolId, clock.now(), 'id' in actor ? actor.id : null, request.params.id);
        return state;
      });
    },
  );
};
