import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { snowballApi } from '../../contract/api/snowball';
import type { AreaDeps } from '../area';
import { audit } from '../audit';
import { currentUser } from '../auth/plugin';
import { partnerExportCsv } from './export';
import { decidePartner, editPartner, syncNominations } from './nominations';
import { DEFAULT_PARTNER_QUESTIONNAIRE, invitePartners, startPartnerRound } from './partner-round';
import { partnerReview, snowballTracking } from './review';

/**
 * The snowball round's admin routes (server/snowball/README.md). The review holds contact data
 * of people we did not get from a public list, so it is for admins only; tracking and the
 * pseudonymised export are for researchers too. Replies are never cached.
 */
export const snowballRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, clock, config }) => {
  const api = snowballApi;
  const admin = { access: 'admin' as const };
  const researcher = { access: 'researcher' as const };

  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/snowball/')) reply.header('cache-control', 'no-store');
  });

  app.get('/api/snowball/rounds/:id', { config: admin, schema: api['GET /api/snowball/rounds/:id'] }, async (request) => {
    // Schools that completed since the last visit: their nominations appear now.
    await db.transaction().execute((trx) => syncNominations(trx, request.params.id, clock.now()));
    return partnerReview(db, request.params.id);
  });

  app.post('/api/snowball/rounds/:id/partner-round', { config: admin, schema: api['POST /api/snowball/rounds/:id/partner-round'] }, async (request) => {
    const user = currentUser(request);
    const now = clock.now();
    const round = await db
      .transaction()
      .execute((trx) => startPartnerRound(trx, request.params.id, request.body.questionnaireId ?? DEFAULT_PARTNER_QUESTIONNAIRE, user.id, now, { id: user.id, email: user.email }));
    return { roundId: round.id };
  });

  app.post('/api/snowball/rounds/:id/invite', { config: admin, schema: api['POST /api/snowball/rounds/:id/invite'] }, async (request) => {
    const user = currentUser(request);
    const now = clock.now();
    const invited = await db
      .transaction()
      .execute((trx) => invitePartners(trx, request.params.id, now, user.id, { id: user.id, email: user.email }, config.secret, config.mailFrom));
    return { invited };
  });

  app.get('/api/snowball/rounds/:id/tracking', { config: researcher, schema: api['GET /api/snowball/rounds/:id/tracking'] }, async (request) => {
    await db.transaction().execute((trx) => syncNominations(trx, request.params.id, clock.now()));
    return snowballTracking(db, request.params.id);
  });

  app.get('/api/snowball/rounds/:id/partners.csv', { config: researcher, schema: api['GET /api/snowball/rounds/:id/partners.csv'] }, async (request, reply) => {
    const user = currentUser(request);
    const now = clock.now();
    const result = await db.transaction().execute(async (trx) => {
      const exported = await partnerExportCsv(trx, request.params.id);
      await audit(trx, { id: user.id, email: user.email }, now, 'export.partners', `round:${request.params.id}`, { rows: exported.rows });
      return exported;
    });
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="partners-meting-${request.params.id}.csv"`)
      .send(result.csv);
  });

  app.put('/api/snowball/partners/:id', { config: admin, schema: api['PUT /api/snowball/partners/:id'] }, async (request) => {
    const user = currentUser(request);
    await db.transaction().execute((trx) => editPartner(trx, request.params.id, request.body, clock.now(), { id: user.id, email: user.email }));
    return { ok: true };
  });

  app.post('/api/snowball/partners/:id/decision', { config: admin, schema: api['POST /api/snowball/partners/:id/decision'] }, async (request) => {
    const user = currentUser(request);
    await db.transaction().execute((trx) => decidePartner(trx, request.params.id, request.body.state, user.id, clock.now(), { id: user.id, email: user.email }));
    return { ok: true };
  });
};
