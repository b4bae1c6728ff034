import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { personsApi } from '../../contract/api/persons';
import type { AreaDeps } from '../area';
import { currentUser } from '../auth/plugin';
import { clientDist } from '../client-assets';
import { badRequest, DomainError, notFound } from '../errors';
import { RESPONDENT_BODY_LIMIT, UPLOAD_BODY_LIMIT } from '../limits';
import { readUpload, registerUploads } from '../schools/upload';
import { importExternalScores } from './external-scores';
import { openProfessional, professionalView } from './professional-page';
import { inviteProfessionals } from './invited-mail';
import { checkInvitedAnswers, findOptOut, invitedConsent, invitedSurvey, optOut, saveInvitedAnswers, type InvitedContext } from './invited';
import { copyPreviousProfessionals, importProfessionals, professionalTally } from './professionals';
import { acceptAnyOptOutBody, OPT_OUT_RATE_LIMIT, optOutDonePage, optOutInvalidPage, optOutQuestionPage } from '../mailings/optout-page';
import { classLink, parentLink, parentSurveyLink } from '../invitations/person-links';
import { actorTextsOf } from '../questionnaires';
import { asksParents, openParent, openParentSurvey, parentAnswers, saveParentAnswers, startParent } from './parents';
import { findPupil, openClass, openPupil, parentDecision, pupilAnswers, pupilAssent, savePupilAnswers, startPupil } from './pupils';
import { keyListXlsx, codeSheetHtml, parentLetterHtml } from './sheets';
import { classWithCodes, configurePersonRound, coordinatorClasses, openCoordinator, personRoundSettings, recordInfoSent, register, type CoordinatorContext } from './sites';
import { keyListLines, pastedLines, reissueCodes } from './panels';
import { previousRoundOf } from './previous';
import { openTeacher, teacherView } from './teachers';
import { matchReport, personTracking } from './tracking';
import { planPersonExport } from './export';
import { audit } from '../audit';
import { checkExportFits, exportStream, FORMAT_INFO } from '../exports/formats';
import { safeFileName } from '../exports/routes';

/** Pupils' answers: a generous bound for one questionnaire's JSON. */
const ANSWERS_BODY_LIMIT = RESPONDENT_BODY_LIMIT;

export const personsRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, clock, config }) => {
  const api = personsApi;
  const publicUrl = config.publicUrl;
  const secret = config.secret;

  // Public links: a generous ceiling per address (a school's NAT address carries whole classes),
  // and a ceiling per link (class link, pupil session), so one class never limits another.
  const perAddress = app.rateLimit({ max: Math.max(config.respondentRateLimit, 1) * 5, timeWindow: '1 minute' });
  const perLink = app.rateLimit({
    max: Math.max(config.respondentRateLimit, 1),
    timeWindow: '1 minute',
    keyGenerator: (request: FastifyRequest) => `persons:${(request.params as { token?: string }).token ?? request.ip}`,
  });
  const open = { access: 'public' as const };
  const onRequest = config.respondentRateLimit > 0 ? [perAddress, perLink] : [];
  /** A link's answers: PUT saves them as they stand, POST .../complete hands them in (checked complete). */
  type SaveAnswers = (token: string, data: Record<string, unknown>, revision: number, complete: boolean) => Promise<{ revision: number }>;
  const answerLimits = { config: open, onRequest, bodyLimit: ANSWERS_BODY_LIMIT };
  const answerRoutes = (link: 'q' | 'p' | 'pr', save: SaveAnswers) => {
    app.put(`/api/persons/${link}/:token/answers`, { ...answerLimits, schema: api[`PUT /api/persons/${link}/:token/answers`] }, async (request) =>
      save(request.params.token, request.body.data, request.body.revision, false),
    );
    app.post(`/api/persons/${link}/:token/complete`, { ...answerLimits, schema: api[`POST /api/persons/${link}/:token/complete`] }, async (request) =>
      save(request.params.token, request.body.data, request.body.revision, true),
    );
  };

  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/persons/')) reply.header('cache-control', 'no-store');
  });

  // --- Admin -------------------------------------------------------------------------------
  app.get('/api/persons/rounds/:id/settings', { config: { access: 'researcher' }, schema: api['GET /api/persons/rounds/:id/settings'] }, async (request) =>
    personRoundSettings(db, request.params.id),
  );
  app.put('/api/persons/rounds/:id/settings', { config: { access: 'researcher' }, schema: api['PUT /api/persons/rounds/:id/settings'] }, async (request) => {
    const user = currentUser(request);
    return db.transaction().execute((trx) => configurePersonRound(trx, request.params.id, request.body, user.id, clock.now(), { id: user.id, email: user.email }));
  });
  app.get('/api/persons/rounds/:id/tracking', { config: { access: 'researcher' }, schema: api['GET /api/persons/rounds/:id/tracking'] }, async (request) =>
    personTracking(db, request.params.id),
  );

  // External scores by pupil code (external-scores.ts): multipart only here, in its own context.
  await app.register(async (child) => {
    const uploads = child.withTypeProvider<TypeBoxTypeProvider>();
    await registerUploads(uploads);
    uploads.post(
      '/api/persons/rounds/:id/external-scores',
      { config: { access: 'researcher' }, bodyLimit: UPLOAD_BODY_LIMIT, schema: api['POST /api/persons/rounds/:id/external-scores'] },
      async (request) => {
        const user = currentUser(request);
        const upload = await readUpload(request);
        return db.transaction().execute((trx) =>
          importExternalScores(trx, secret, request.params.id, upload.bytes, {
            dryRun: request.query.dryRun ?? true,
            textVariables: (request.query.text ?? '').split(',').map((v) => v.trim()).filter(Boolean),
            now: clock.now(),
            actor: { id: user.id, email: user.email },
            fileName: upload.fileName,
          }),
        );
      },
    );
    // Professionals from a list (professionals.ts): addresses are personal data, so admins only.
    uploads.post(
      '/api/persons/rounds/:id/professionals',
      { config: { access: 'admin' }, bodyLimit: UPLOAD_BODY_LIMIT, schema: api['POST /api/persons/rounds/:id/professionals'] },
      async (request) => {
        const user = currentUser(request);
        const upload = await readUpload(request);
        return db.transaction().execute((trx) =>
          importProfessionals(trx, secret, request.params.id, upload.bytes, {
            dryRun: request.query.dryRun ?? true,
            now: clock.now(),
            actor: { id: user.id, email: user.email },
            fileName: upload.fileName,
          }),
        );
      },
    );
  });
  app.post('/api/persons/rounds/:id/professionals/copy-previous', { config: { access: 'admin' }, schema: api['POST /api/persons/rounds/:id/professionals/copy-previous'] }, async (request) => {
    const user = currentUser(request);
    return db.transaction().execute((trx) =>
      copyPreviousProfessionals(trx, request.params.id, { dryRun: request.query.dryRun ?? true, now: clock.now(), actor: { id: user.id, email: user.email } }),
    );
  });
  app.post('/api/persons/rounds/:id/professionals/invite', { config: { access: 'admin' }, schema: api['POST /api/persons/rounds/:id/professionals/invite'] }, async (request) => {
    const user = currentUser(request);
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const queued = await inviteProfessionals(trx, request.params.id, now, config.mailFrom);
      await audit(trx, { id: user.id, email: user.email }, now, 'persons.professionals_invite', `round:${request.params.id}`, { queued });
      return { queued };
    });
  });
  app.get('/api/persons/rounds/:id/match-report', { config: { access: 'researcher' }, schema: api['GET /api/persons/rounds/:id/match-report'] }, async (request) =>
    matchReport(db, request.params.id),
  );
  app.get('/api/persons/rounds/:id/professionals', { config: { access: 'researcher' }, schema: api['GET /api/persons/rounds/:id/professionals'] }, async (request) =>
    professionalTally(db, request.params.id),
  );

  app.get('/api/persons/rounds/:id/export', { config: { access: 'researcher' }, schema: api['GET /api/persons/rounds/:id/export'] }, async (request, reply) => {
    const user = currentUser(request);
    const { shape, format } = request.query;
    const plan = await planPersonExport(db, secret, request.params.id, shape);
    checkExportFits(plan, format);
    await audit(db, user, clock.now(), 'export.person_responses', `round:${request.params.id}`, { shape, format, rows: plan.caseCount });
    const info = FORMAT_INFO[format];
    const name = safeFileName('meetronde', plan.roundName, shape === 'wide' ? 'breed' : 'lang', format === 'csv-nl' ? 'excel-nl' : '');
    reply.header('content-type', info.contentType).header('content-disposition', `attachment; filename="${name}.${info.extension}"`).header('cache-control', 'no-store');
    return reply.send(exportStream(plan, format, `${plan.roundName} (${shape === 'wide' ? 'breed' : 'lang'})`));
  });

  // --- Coordinator link ----------------------------------------------------------------------
  async function coordinatorView(ctx: CoordinatorContext) {
    const { classes, teachers } = await coordinatorClasses(db, ctx.siteId);
    const site = await db.selectFrom('person_sites').select('participation').where('id', '=', ctx.siteId).executeTakeFirstOrThrow();
    const round = await db.selectFrom('person_rounds').select('roles').where('round_id', '=', ctx.roundId).executeTakeFirst();
    const parents = asksParents(round?.roles);
    return {
      schoolName: ctx.schoolName,
      studyName: ctx.studyName,
      roundName: ctx.roundName,
      closesAt: ctx.closesAt ? ctx.closesAt.toISOString() : null,
      consentMode: ctx.consentMode,
      followUp: (await previousRoundOf(db, ctx.roundId)) !== null,
      participation: site.participation,
      classes: classes.map((c) => ({
        id: c.id,
        label: c.label,
        grade: c.grade,
        pupils: c.pupils,
        classLink: classLink(publicUrl, secret, c.id, c.link_nonce),
        parentLink: parentLink(publicUrl, secret, c.id, c.link_nonce),
        // Parents as respondents (issue 20): the link the school passes on to the class's parents.
        parentSurveyLink: parents ? parentSurveyLink(publicUrl, secret, c.id, c.link_nonce) : null,
      })),
      teachers,
    };
  }

  app.get('/api/persons/c/:token', { config: open, onRequest, schema: api['GET /api/persons/c/:token'] }, async (request) =>
    coordinatorView(await openCoordinator(db, secret, request.params.token, clock.now())),
  );
  app.put('/api/persons/c/:token/registration', { config: open, onRequest, schema: api['PUT /api/persons/c/:token/registration'] }, async (request) => {
    const now = clock.now();
    const ctx = await openCoordinator(db, secret, request.params.token, now);
    await db.transaction().execute((trx) => register(trx, secret, ctx, request.body, now, config.mailFrom));
    return coordinatorView(ctx);
  });

  async function sheetInput(token: string, classId: number) {
    const ctx = await openCoordinator(db, secret, token, clock.now());
    const { cls, codes } = await classWithCodes(db, secret, ctx.siteId, classId);
    return { ctx, cls, codes };
  }
  const download = (reply: FastifyReply, name: string) => reply.header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]+/g, '-')}"`);

  app.get('/api/persons/c/:token/classes/:classId/codes', { config: open, onRequest, schema: api['GET /api/persons/c/:token/classes/:classId/codes'] }, async (request, reply) => {
    const { ctx, cls, codes } = await sheetInput(request.params.token, request.params.classId);
    const html = codeSheetHtml({
      schoolName: ctx.schoolName,
      studyName: ctx.studyName,
      roundName: ctx.roundName,
      classLabel: cls.label,
      grade: cls.grade,
      classLink: classLink(publicUrl, secret, cls.id, cls.link_nonce),
      codes,
    });
    return reply.type('text/html; charset=utf-8').send(html);
  });
  app.get('/api/persons/c/:token/classes/:classId/key-list', { config: open, onRequest, schema: api['GET /api/persons/c/:token/classes/:classId/key-list'] }, async (request, reply) => {
    const { ctx, cls, codes } = await sheetInput(request.params.token, request.params.classId);
    const buffer = await keyListXlsx({ schoolName: ctx.schoolName, studyName: ctx.studyName, roundName: ctx.roundName, classLabel: cls.label, grade: cls.grade, codes });
    download(reply, `sleutellijst-${cls.label}.xlsx`);
    return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(buffer);
  });
  app.get('/api/persons/c/:token/classes/:classId/letter', { config: open, onRequest, schema: api['GET /api/persons/c/:token/classes/:classId/letter'] }, async (request, reply) => {
    const { ctx, cls } = await sheetInput(request.params.token, request.params.classId);
    const html = parentLetterHtml({
      schoolName: ctx.schoolName,
      studyName: ctx.studyName,
      roundName: ctx.roundName,
      classLabel: cls.label,
      parentLink: parentLink(publicUrl, secret, cls.id, cls.link_nonce),
      consentMode: ctx.consentMode,
    });
    return reply.type('text/html; charset=utf-8').send(html);
  });
  app.post('/api/persons/c/:token/classes/:classId/letter-sent', { config: open, onRequest, schema: api['POST /api/persons/c/:token/classes/:classId/letter-sent'] }, async (request) => {
    const now = clock.now();
    const ctx = await openCoordinator(db, secret, request.params.token, now);
    await recordInfoSent(db, ctx, request.params.classId, now);
    return { ok: true };
  });

  app.post(
    '/api/persons/c/:token/classes/:classId/reissue',
    { config: open, onRequest, bodyLimit: 2 * 1024 * 1024, schema: api['POST /api/persons/c/:token/classes/:classId/reissue'] },
    async (request) => {
      const now = clock.now();
      const ctx = await openCoordinator(db, secret, request.params.token, now);
      const { codes, keyList } = request.body;
      if ((codes === undefined || codes.trim() === '') === (keyList === undefined || keyList.trim() === ''))
        throw badRequest('no_codes', 'Plak de codes of kies de sleutellijst van de vorige meting (één van beide).');
      const lines = keyList ? await keyListLines(Buffer.from(keyList, 'base64')) : pastedLines(codes!);
      return db.transaction().execute((trx) => reissueCodes(trx, secret, ctx, request.params.classId, lines, now));
    },
  );

  // --- Parents -------------------------------------------------------------------------------
  const classInfo = (c: Awaited<ReturnType<typeof openClass>>) => ({
    schoolName: c.schoolName,
    studyName: c.studyName,
    roundName: c.roundName,
    classLabel: c.label,
    consentMode: c.consentMode,
  });
  app.get('/api/persons/o/:token', { config: open, onRequest, schema: api['GET /api/persons/o/:token'] }, async (request) =>
    classInfo(await openClass(db, secret, 'parent-link', request.params.token)),
  );
  app.post('/api/persons/o/:token', { config: open, onRequest, schema: api['POST /api/persons/o/:token'] }, async (request) => {
    const ctx = await openClass(db, secret, 'parent-link', request.params.token);
    const now = clock.now();
    // Outside the transaction: a wrong code's failure count must stay.
    const pupil = await findPupil(db, secret, ctx, request.body.code, now);
    return db.transaction().execute((trx) => parentDecision(trx, ctx, pupil, request.body.decision, now));
  });

  // --- Parents as respondents (issue 20) ------------------------------------------------------
  app.get('/api/persons/ov/:token', { config: open, onRequest, schema: api['GET /api/persons/ov/:token'] }, async (request) =>
    classInfo(await openParentSurvey(db, secret, request.params.token)),
  );
  app.post('/api/persons/ov/:token/start', { config: open, onRequest, schema: api['POST /api/persons/ov/:token/start'] }, async (request) => {
    const ctx = await openParentSurvey(db, secret, request.params.token);
    return db.transaction().execute((trx) => startParent(trx, secret, ctx, clock.now()));
  });
  app.get('/api/persons/q/:token', { config: open, onRequest, schema: api['GET /api/persons/q/:token'] }, async (request) => {
    const ctx = await openParent(db, secret, request.params.token);
    const answers = await parentAnswers(db, ctx.personId);
    const done = ctx.status === 'completed' || ctx.status === 'refused';
    return {
      state: done ? ('completed' as const) : ('open' as const),
      questionnaire: done ? null : ctx.content,
      variables: { ...ctx.variables, ...actorTextsOf(ctx.content, ctx.variables.actor) },
      data: done ? {} : ((answers?.data as Record<string, unknown> | undefined) ?? {}),
      revision: answers?.revision ?? 0,
    };
  });
  answerRoutes('q', async (token, data, revision, complete) => {
    const ctx = await openParent(db, secret, token);
    return db.transaction().execute((trx) => saveParentAnswers(trx, ctx, data, revision, complete, clock.now()));
  });

  // --- Pupils --------------------------------------------------------------------------------
  app.get('/api/persons/l/:token', { config: open, onRequest, schema: api['GET /api/persons/l/:token'] }, async (request) =>
    classInfo(await openClass(db, secret, 'class-link', request.params.token)),
  );
  app.post('/api/persons/l/:token/start', { config: open, onRequest, schema: api['POST /api/persons/l/:token/start'] }, async (request) => {
    const ctx = await openClass(db, secret, 'class-link', request.params.token);
    return startPupil(db, secret, ctx, request.body.code, clock.now());
  });
  app.get('/api/persons/p/:token', { config: open, onRequest, schema: api['GET /api/persons/p/:token'] }, async (request) => {
    const ctx = await openPupil(db, secret, request.params.token);
    if (ctx.questionnaireVersionId === null) throw notFound('Deze vragenlijst is er (nog) niet.');
    const version = await db.selectFrom('questionnaire_versions').select('content').where('id', '=', ctx.questionnaireVersionId).executeTakeFirstOrThrow();
    const answers = await pupilAnswers(db, ctx.personId);
    const state = ctx.status === 'completed' ? 'completed' : ctx.status === 'started' ? 'open' : 'assent';
    return { state, questionnaire: state === 'open' ? version.content : null, data: state === 'open' ? (answers?.data ?? {}) : {}, revision: answers?.revision ?? 0 } as const;
  });
  app.post('/api/persons/p/:token/assent', { config: open, onRequest, schema: api['POST /api/persons/p/:token/assent'] }, async (request) => {
    const ctx = await openPupil(db, secret, request.params.token);
    if (ctx.status === 'completed') throw new DomainError(409, 'completed', 'Je hebt de vragenlijst al ingeleverd. Dank je wel!');
    await db.transaction().execute((trx) => pupilAssent(trx, ctx, request.body.assent, clock.now()));
    return { state: request.body.assent ? 'open' : 'refused' };
  });
  answerRoutes('p', async (token, data, revision, complete) => {
    const ctx = await openPupil(db, secret, token);
    return db.transaction().execute((trx) => savePupilAnswers(trx, ctx, data, revision, complete, clock.now()));
  });

  // --- Persons invited by e-mail (invited.ts): teachers (/t/<token>) and professionals (/pr/<token>) ---
  const consent = async (ctx: InvitedContext, yes: boolean) => ({ state: await db.transaction().execute((trx) => invitedConsent(trx, ctx, yes, clock.now())) });
  /** Checked outside the transaction (the full check runs the questionnaire), stored inside it. */
  const saveInvited = async (ctx: InvitedContext, classId: number | null, data: Record<string, unknown>, revision: number, complete: boolean) => {
    const checked = await checkInvitedAnswers(db, ctx, classId, data, complete);
    return db.transaction().execute((trx) => saveInvitedAnswers(trx, ctx, checked, revision, clock.now()));
  };

  app.get('/api/persons/t/:token', { config: open, onRequest, schema: api['GET /api/persons/t/:token'] }, async (request) =>
    teacherView(db, await openTeacher(db, secret, request.params.token)),
  );
  app.post('/api/persons/t/:token/consent', { config: open, onRequest, schema: api['POST /api/persons/t/:token/consent'] }, async (request) =>
    consent(await openTeacher(db, secret, request.params.token), request.body.consent),
  );
  app.get('/api/persons/t/:token/classes/:classId', { config: open, onRequest, schema: api['GET /api/persons/t/:token/classes/:classId'] }, async (request) =>
    invitedSurvey(db, await openTeacher(db, secret, request.params.token), request.params.classId),
  );
  /** A teacher's answers on one class: PUT saves them as they stand, POST .../complete hands them in. */
  const saveTeacher = (complete: boolean) => async (request: { params: { token: string; classId: number }; body: { data: Record<string, unknown>; revision: number } }) =>
    saveInvited(await openTeacher(db, secret, request.params.token), request.params.classId, request.body.data, request.body.revision, complete);
  app.put('/api/persons/t/:token/classes/:classId/answers', { ...answerLimits, schema: api['PUT /api/persons/t/:token/classes/:classId/answers'] }, saveTeacher(false));
  app.post('/api/persons/t/:token/classes/:classId/complete', { ...answerLimits, schema: api['POST /api/persons/t/:token/classes/:classId/complete'] }, saveTeacher(true));

  app.get('/api/persons/pr/:token', { config: open, onRequest, schema: api['GET /api/persons/pr/:token'] }, async (request) =>
    professionalView(await openProfessional(db, secret, request.params.token)),
  );
  app.post('/api/persons/pr/:token/consent', { config: open, onRequest, schema: api['POST /api/persons/pr/:token/consent'] }, async (request) =>
    consent(await openProfessional(db, secret, request.params.token), request.body.consent),
  );
  app.get('/api/persons/pr/:token/survey', { config: open, onRequest, schema: api['GET /api/persons/pr/:token/survey'] }, async (request) =>
    invitedSurvey(db, await openProfessional(db, secret, request.params.token), null),
  );
  answerRoutes('pr', async (token, data, revision, complete) => {
    const saved = await saveInvited(await openProfessional(db, secret, token), null, data, revision, complete);
    return { revision: saved.revision };
  });

  // The teacher's (and professional's) opt-out link. GET only shows the page (link scanners follow links); POST opts
  // out, also as the RFC 8058 one-click request a mail client sends with a form body.
  await app.register(async (plain) => {
    acceptAnyOptOutBody(plain);
    const optout = plain.withTypeProvider<TypeBoxTypeProvider>();
    const rateLimit = OPT_OUT_RATE_LIMIT;
    optout.get('/api/persons/a/:token', { config: { access: 'public', rateLimit }, schema: api['GET /api/persons/a/:token'] }, async (request, reply) =>
      optOutQuestionPage(reply, await findOptOut(db, secret, request.params.token), `/api/persons/a/${request.params.token}`),
    );
    optout.post('/api/persons/a/:token', { config: { access: 'public', rateLimit }, schema: api['POST /api/persons/a/:token'] }, async (request, reply) => {
      const found = await findOptOut(db, secret, request.params.token);
      if (!found) return optOutInvalidPage(reply);
      await db.transaction().execute((trx) => optOut(trx, found.personId, clock.now()));
      return optOutDonePage(reply, found);
    });
  });

  // --- Pages (the same static HTML for every token; client/persons/) --------------------------
  const pageFile = path.join(clientDist, 'persons', 'index.html');
  let cached: string | null = null;
  const page = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-cache');
    if (cached === null && existsSync(pageFile)) cached = readFileSync(pageFile, 'utf8');
    if (cached === null) return reply.code(503).type('text/html; charset=utf-8').send('<!doctype html><html lang="nl"><meta charset="utf-8"><title>Meetronde</title><p>De webapplicatie is nog niet gebouwd.</p></html>');
    return reply.type('text/html; charset=utf-8').send(cached);
  };
  app.get('/c/:token', page);
  app.get('/o/:token', page);
  app.get('/l/:token', page);
  app.get('/t/:token', page);
  app.get('/ov/:token', page);
  app.get('/pr/:token', page);
};
