import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { privacyApi } from '../../contract/api/privacy';
import type { AreaDeps } from '../area';
import { audit } from '../audit';
import { currentUser } from '../auth/plugin';
import { badRequest, conflict, notFound } from '../errors';
import { setRetentionUntil } from '../rounds/rounds';
import { likeLiteral, listAuditLog } from './audit-log';
import { addDays, amsterdamDate, amsterdamDayStart } from '../time';
import { eraseProfessional, eraseSchoolData } from './erase';
import { contactHash } from '../persons/previous';
import { purgeExpiredRounds } from './retention';

/**
 * The protection of research data, for admins: the audit log (read-only: there is deliberately
 * no route that changes or deletes entries), the retention date of a round, the retention purge,
 * and deleting one school's data in a round.
 */
export const privacyRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, clock, config }) => {
  app.get(
    '/api/audit',
    {
      config: { access: 'admin' },
      schema: privacyApi['GET /api/audit'],
    },
    async (request) => {
      const q = request.query;
      const from = q.from ? amsterdamDayStart(q.from, 'De begindatum') : undefined;
      // Validate the date itself before taking the next day (an end date includes its whole day).
      const until = q.to && amsterdamDayStart(q.to, 'De einddatum') ? amsterdamDayStart(addDays(q.to, 1)) : undefined;
      if (from && until && until <= from) throw badRequest('invalid_period', 'De einddatum ligt vóór de begindatum.');
      return listAuditLog(
        db,
        { action: q.action?.trim() || undefined, actor: q.actor?.trim() || undefined, target: q.target?.trim() || undefined, from, until },
        q.page ?? 1,
      );
    },
  );

  app.get('/api/privacy/rounds', { config: { access: 'admin' }, schema: privacyApi['GET /api/privacy/rounds'] }, async () => {
    const rows = await db
      .selectFrom('rounds')
      .innerJoin('studies', 'studies.id', 'rounds.study_id')
      .select(['rounds.id', 'rounds.name', 'studies.name as studyName', 'rounds.status', 'rounds.closes_at', 'rounds.retention_until', 'rounds.purged_at'])
      .select((eb) => [
        eb.selectFrom('invitations').select(sql<number>`count(*)`.as('n')).whereRef('invitations.round_id', '=', 'rounds.id').as('invitations'),
        eb
          .selectFrom('invitations')
          .select(sql<number>`count(*)`.as('n'))
          .whereRef('invitations.round_id', '=', 'rounds.id')
          .where('invitations.erased_at', 'is not', null)
          .as('erased'),
      ])
      .orderBy('rounds.created_at', 'desc')
      .orderBy('rounds.id', 'desc')
      .execute();
    return {
      today: amsterdamDate(clock.now()),
      rounds: rows.map((r) => ({
        id: r.id,
        name: r.name,
        studyName: r.studyName,
        status: r.status,
        closesOn: r.closes_at ? amsterdamDate(r.closes_at) : null,
        retentionUntil: r.retention_until ? amsterdamDate(r.retention_until) : null,
        purgedAt: r.purged_at?.toISOString() ?? null,
        invitations: r.invitations ?? 0,
        erased: r.erased ?? 0,
      })),
    };
  });

  app.put(
    '/api/privacy/rounds/:roundId/retention',
    {
      config: { access: 'admin' },
      schema: privacyApi['PUT /api/privacy/rounds/:roundId/retention'],
    },
    async (request) => {
      const { roundId } = request.params;
      const now = clock.now();
      const round = await db.selectFrom('rounds').select(['id', 'closes_at', 'purged_at']).where('id', '=', roundId).executeTakeFirst();
      if (!round) throw notFound('Deze meting bestaat niet.');
      if (round.purged_at) throw conflict('already_purged', 'De contactgegevens van deze meting zijn al verwijderd.');
      const date = request.body.retentionUntil;
      let until: Date | null = null;
      if (date !== null) {
        until = amsterdamDayStart(date, 'De bewaardatum');
        if (until <= now) throw badRequest('retention_in_past', 'Kies een bewaardatum na vandaag.');
        if (round.closes_at && date <= amsterdamDate(round.closes_at)) {
          throw badRequest('retention_before_close', 'Kies een bewaardatum na de sluitingsdatum van de meting.');
        }
      }
      await db.transaction().execute(async (trx) => {
        await setRetentionUntil(trx, roundId, until, now);
        await audit(trx, currentUser(request), now, 'privacy.retention_set', `round:${roundId}`, { retentionUntil: date });
      });
      return { retentionUntil: date };
    },
  );

  app.post('/api/privacy/purge', { config: { access: 'admin' }, schema: privacyApi['POST /api/privacy/purge'] }, async (request) => {
    const user = currentUser(request);
    return { purged: await purgeExpiredRounds(db, clock.now(), { id: user.id, email: user.email }) };
  });

  app.get(
    '/api/privacy/rounds/:roundId/schools',
    {
      config: { access: 'admin' },
      schema: privacyApi['GET /api/privacy/rounds/:roundId/schools'],
    },
    async (request) => {
      const pattern = `%${likeLiteral(request.query.q.trim())}%`;
      const rows = await db
        .selectFrom('invitations')
        .innerJoin('schools', 'schools.id', 'invitations.school_id')
        .select([
          'invitations.id as invitationId',
          'schools.id as schoolId',
          'schools.name',
          'schools.location_code as locationCode',
          'schools.city',
          'invitations.status',
          'invitations.erased_at',
        ])
        .where('invitations.round_id', '=', request.params.roundId)
        .where((eb) => eb.or([eb('schools.name', 'ilike', pattern), eb('schools.location_code', 'ilike', pattern)]))
        .orderBy('schools.name')
        .limit(25)
        .execute();
      return {
        schools: rows.map(({ erased_at, ...r }) => ({ ...r, erasedAt: erased_at?.toISOString() ?? null })),
      };
    },
  );

  app.post(
    '/api/privacy/rounds/:roundId/professionals/erase',
    { config: { access: 'admin' }, schema: privacyApi['POST /api/privacy/rounds/:roundId/professionals/erase'] },
    async (request) => {
      const user = currentUser(request);
      const hash = contactHash(config.secret, request.body.email);
      return db.transaction().execute((trx) => eraseProfessional(trx, request.params.roundId, hash, { id: user.id, email: user.email }, clock.now()));
    },
  );
  app.delete(
    '/api/privacy/rounds/:roundId/schools/:schoolId',
    { config: { access: 'admin' }, schema: privacyApi['DELETE /api/privacy/rounds/:roundId/schools/:schoolId'] },
    async (request) => {
      const user = currentUser(request);
      return db.transaction().execute((trx) => eraseSchoolData(trx, request.params.roundId, request.params.schoolId, { id: user.id, email: user.email }, clock.now()));
    },
  );
};
