import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { questionnairesApi as api } from '../../contract/api/questionnaires';
import type { AreaDeps } from '../area';

// survey-core is loaded on first use, not when the server starts.
const registry = () => import('./registry');

/**
 * Read-only view of the questionnaire files, for choosing one when setting up a round and for
 * previewing it. Snapshots are made by the rounds area through snapshotVersion().
 */
export const questionnaireRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app) => {
  app.get('/api/questionnaires', { config: { access: 'researcher' }, schema: api['GET /api/questionnaires'] }, async () => {
    const { listQuestionnaires } = await registry();
    return listQuestionnaires().map((q) => ({
      id: q.id,
      key: q.meta?.key ?? null,
      version: q.meta?.version ?? null,
      title: q.title,
      sha256: q.sha256,
      problems: q.issues.length,
    }));
  });

  app.get('/api/questionnaires/:id', { config: { access: 'researcher' }, schema: api['GET /api/questionnaires/:id'] }, async (request) => {
    const { getQuestionnaire } = await registry();
    const q = getQuestionnaire(request.params.id);
    return { id: q.id, title: q.title, sha256: q.sha256, meta: q.meta, content: q.content, issues: q.issues };
  });
};
