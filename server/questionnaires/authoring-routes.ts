import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { questionnairesAuthoringApi as api } from '../../contract/api/questionnaires-authoring';
import type { AreaDeps } from '../area';
import { currentUser } from '../auth/plugin';

// survey-core and the checks load on first use, not when the server starts.
const authoring = () => import('./authoring');

/** Bodies carry a questionnaire as text (at most 1 MiB, checked with a Dutch message), so a bit more than the default. */
const QUESTIONNAIRE_BODY_LIMIT = 2 * 1024 * 1024 + 64 * 1024;

/** Questionnaire versions researchers bring themselves (issue 27); see authoring.ts. */
export const questionnaireAuthoringRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, clock }) => {
  app.get('/api/questionnaire-versions', { config: { access: 'researcher' }, schema: api['GET /api/questionnaire-versions'] }, async () => {
    const { listVersions } = await authoring();
    return { versions: await listVersions(db) };
  });

  app.get('/api/questionnaire-versions/variables', { config: { access: 'researcher' }, schema: api['GET /api/questionnaire-versions/variables'] }, async (request) => {
    const { variablesFor } = await import('./variables');
    const { situation, sector, schoolKind } = request.query;
    return { variables: { ...variablesFor({ situation: situation ?? null, sector: sector ?? null, schoolKind: schoolKind ?? null, schoolName: 'Voorbeeldschool' }) } };
  });

  app.get('/api/questionnaire-versions/:ref', { config: { access: 'researcher' }, schema: api['GET /api/questionnaire-versions/:ref'] }, async (request) => {
    const { resolveVersion } = await authoring();
    const v = await resolveVersion(db, request.params.ref);
    return { ref: v.ref, key: v.key, version: v.version, title: v.title, text: JSON.stringify(v.content, null, 2) };
  });

  app.post(
    '/api/questionnaire-versions/check',
    { config: { access: 'researcher' }, bodyLimit: QUESTIONNAIRE_BODY_LIMIT, schema: api['POST /api/questionnaire-versions/check'] },
    async (request) => {
      const { checkCandidate, startRoutingCheck } = await authoring();
      const check = await checkCandidate(db, request.body.text);
      // The routing walk needs a questionnaire that is safe and lints clean up to the version checks.
      const routable = check.content !== null && check.meta !== null && check.problems.every((p) => p.rule === 'version' || p.rule === 'versions');
      const job = routable ? startRoutingCheck(check.content!, currentUser(request).id) : null;
      return {
        ok: check.ok,
        problems: check.problems,
        key: check.key,
        version: check.version,
        title: check.title,
        sha256: check.sha256,
        diff: check.diff,
        diffNote: check.diffNote,
        routingCheck: job && { id: job.id, status: job.status, done: job.done, total: job.total, message: job.message, failure: job.failure },
        branch: check.meta?.branch ? { question: check.meta.branch.question, values: check.meta.branch.values } : null,
        consent: check.meta ? { question: check.meta.consent.question, yes: check.meta.consent.yes } : null,
        usesSituation: check.meta ? check.meta.variables.some((v) => v === 'situatie' || v === 'partner' || v === 'thema') : false,
      };
    },
  );

  app.get('/api/questionnaire-versions/checks/:id', { config: { access: 'researcher' }, schema: api['GET /api/questionnaire-versions/checks/:id'] }, async (request) => {
    const { getRoutingJob } = await authoring();
    const job = getRoutingJob(request.params.id, currentUser(request).id);
    return { id: job.id, status: job.status, done: job.done, total: job.total, message: job.message, failure: job.failure };
  });

  app.post(
    '/api/questionnaire-versions',
    { config: { access: 'researcher' }, bodyLimit: QUESTIONNAIRE_BODY_LIMIT, schema: api['POST /api/questionnaire-versions'] },
    async (request, reply) => {
      const { checkForSaving, storeCandidate, storedRef } = await authoring();
      const user = currentUser(request);
      const candidate = await checkForSaving(db, { text: request.body.text, routingCheck: request.body.routingCheck, basedOn: request.body.basedOn ?? null }, user);
      const row = await db.transaction().execute((trx) => storeCandidate(trx, candidate, { id: user.id, email: user.email }, clock.now()));
      return reply.code(201).send({ ref: storedRef(row.id), key: row.questionnaire_key, version: row.version, sha256: row.sha256 });
    },
  );

  app.get('/api/questionnaire-versions/:ref/print', { config: { access: 'researcher' }, schema: api['GET /api/questionnaire-versions/:ref/print'] }, async (request, reply) => {
    const { resolveVersion } = await authoring();
    const { printModel } = await import('./print');
    const v = await resolveVersion(db, request.params.ref);
    reply.header('cache-control', 'no-store');
    return printModel(v.content, { situation: request.query.situation ?? null });
  });
};
