import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { AreaDeps } from '../area';
import type { DB } from '../db/types';
import { badRequest } from '../errors';
import { getQuestionnaire, getVersion, listQuestionnaires, type QuestionnaireContent } from '../questionnaires';
import { diffQuestionnaires } from './questionnaire-diff';

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

export const analysisRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db }) => {
  app.get('/api/analysis/compare/sources', { config: { access: 'researcher' } }, async () => {
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

  const Ref = Type.String({ minLength: 3, maxLength: 120, pattern: '^(file|version):[A-Za-z0-9._-]+$' });
  app.get(
    '/api/analysis/compare',
    { config: { access: 'researcher' }, schema: { querystring: Type.Object({ from: Ref, to: Ref }) } },
    async (request) => {
      const [from, to] = await Promise.all([loadComparable(db, request.query.from), loadComparable(db, request.query.to)]);
      return { from: from.label, to: to.label, diff: diffQuestionnaires(from.content, to.content) };
    },
  );
};
