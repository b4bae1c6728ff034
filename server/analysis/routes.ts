import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { analysisApi as api } from '../../contract/api/analysis';
import type { Kysely } from 'kysely';
import type { AreaDeps } from '../area';
import { audit } from '../audit';
import { currentUser } from '../auth/plugin';
import type { DB } from '../db/types';
import { badRequest } from '../errors';
import { getQuestionnaire, getVersion, listQuestionnaires, type QuestionnaireContent } from '../questionnaires';
import { diffQuestionnaires } from '../questionnaires/questionnaire-diff';
import { representativeness } from './representativeness';
import { calculateSampleSize, loadTarget, saveTarget } from './target';
import type { Breakdown, PopulationSource } from '../../contract/api/analysis';

/**
 * A questionnaire to compare: a file in questionnaires/ ("file:image-samenwerking-2023") or the
 * snapshot a round pinned ("version:12").
 */
export async function loadComparable(db: Kysely<DB>, ref: string): Promise<{ label: string; content: QuestionnaireContent }> {
  const [kind, id] = ref.split(':', 2) as [string, string | undefined];
  if (kind === 'file' && id) {
    const file = getQuestionnaire(id);
    if (!file.content) throw badRequest('invalid_questionnaire', 'Deze vragenlijst kan niet worden gelezen.');
    return { label: `${file.title} (${id})`, content: file.content };
  }
  if (kind === 'version' && id && /^\d{1,9}$/.test(id)) {
    const version = await getVersion(db, Number(id));
    const rounds = await db.selectFrom('rounds').select('name').where('questionnaire_version_id', '=', version.id).execute();
    const used = rounds.length ? ` — ${rounds.map((r) => r.name).join(', ')}` : '';
    return { label: `${version.questionnaire_key} ${version.version}${used}`, content: version.content as QuestionnaireContent };
  }
  throw badRequest('invalid_reference', 'Kies twee vragenlijsten om te vergelijken.');
}

export const analysisRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, clock }) => {
  // ----- target from a sample-size calculation (target.ts) -----

  app.post('/api/analysis/sample-size', { config: { access: 'researcher' }, schema: api['POST /api/analysis/sample-size'] }, async (request) => {
    const { population, margin, confidence, spread = 0.5 } = request.body;
    return calculateSampleSize({ population, margin, confidence, spread });
  });

  app.get('/api/analysis/rounds/:id/target', { config: { access: 'researcher' }, schema: api['GET /api/analysis/rounds/:id/target'] }, async (request) =>
    loadTarget(db, request.params.id),
  );

  app.put('/api/analysis/rounds/:id/target', { config: { access: 'admin' }, schema: api['PUT /api/analysis/rounds/:id/target'] }, async (request) => {
    const user = currentUser(request);
    const now = clock.now();
    const body = request.body;
    const input = {
      populationSource: body.populationSource as PopulationSource,
      population: body.population,
      margin: body.margin,
      confidence: body.confidence,
      spread: body.spread ?? 0.5,
      breakdown: (body.breakdown ?? 'none') as Breakdown,
    };
    const calculation = await db.transaction().execute(async (trx) => {
      const saved = await saveTarget(trx, request.params.id, input, user.id, now);
      await audit(trx, { id: user.id, email: user.email }, now, 'round.calculate_target', `round:${request.params.id}`, {
        populationSource: saved.populationSource,
        population: saved.population,
        margin: saved.margin,
        confidence: saved.confidence,
        spread: saved.spread,
        breakdown: saved.breakdown,
        target: saved.required,
      });
      return saved;
    });
    return { roundId: request.params.id, target: calculation.required, calculation };
  });

  // ----- representativeness (representativeness.ts) -----

  app.get('/api/analysis/rounds/:id/representativeness', { config: { access: 'researcher' }, schema: api['GET /api/analysis/rounds/:id/representativeness'] }, async (request) =>
    representativeness(db, request.params.id),
  );

  // ----- questionnaire comparison -----

  app.get('/api/analysis/compare/sources', { config: { access: 'researcher' }, schema: api['GET /api/analysis/compare/sources'] }, async () => {
    const files = listQuestionnaires()
      .filter((f) => f.content)
      .map((f) => ({ ref: `file:${f.id}`, label: `${f.title} (${f.id})` }));
    const rounds = await db
      .selectFrom('rounds as r')
      .innerJoin('studies as s', 's.id', 'r.study_id')
      .innerJoin('questionnaire_versions as v', 'v.id', 'r.questionnaire_version_id')
      .select(['r.name', 's.name as study', 'v.id as versionId', 'v.questionnaire_key', 'v.version'])
      .orderBy('r.id')
      .execute();
    return {
      sources: [
        ...files,
        ...rounds.map((r) => ({ ref: `version:${r.versionId}`, label: `${r.study} — ${r.name} (${r.questionnaire_key} ${r.version})` })),
      ],
    };
  });

  app.get(
    '/api/analysis/compare',
    { config: { access: 'researcher' }, schema: api['GET /api/analysis/compare'] },
    async (request) => {
      const [from, to] = await Promise.all([loadComparable(db, request.query.from), loadComparable(db, request.query.to)]);
      return { from: from.label, to: to.label, diff: diffQuestionnaires(from.content, to.content) };
    },
  );
};
