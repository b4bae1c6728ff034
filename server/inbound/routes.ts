import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { inboundApi as api, INBOUND_KINDS as KINDS } from '../../contract/api/inbound';
import { sql } from 'kysely';
import type { AreaDeps } from '../area';
import { audit } from '../audit';
import { currentUser } from '../auth/plugin';
import { notFound } from '../errors';

/**
 * The admin's "Berichten": mail that came back. Replies written by people, with the school and
 * round they belong to; auto-replies, bounces and complaints with what they did.
 */

export const inboundRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, clock }) => {
  app.get(
    '/api/inbound/messages',
    { config: { access: 'admin' }, schema: api['GET /api/inbound/messages'] },
    async (request) => {
      const kind = (request.query.kind ?? 'reply') as (typeof KINDS)[number] | 'all';
      let query = db
        .selectFrom('inbound_messages as m')
        .leftJoin('schools as s', 's.id', 'm.school_id')
        .leftJoin('rounds as r', 'r.id', 'm.round_id')
        .leftJoin('invitations as i', 'i.id', 'm.invitation_id');
      if (kind !== 'all') query = query.where('m.kind', '=', kind);
      if (request.query.roundId) query = query.where('m.round_id', '=', request.query.roundId);
      if (request.query.open) query = query.where('m.handled_at', 'is', null);
      const [rows, total] = await Promise.all([
        query
          .select([
            'm.id',
            'm.kind',
            'm.received_at',
            'm.permanent',
            'm.status_code',
            'm.effect',
            'm.reason',
            'm.subject',
            'm.from_address',
            'm.from_name',
            'm.body_text',
            'm.handled_at',
            'm.invitation_id',
            'm.round_id',
            'r.name as round_name',
            's.id as school_id',
            's.name as school_name',
            's.location_code',
            'i.bounced_at',
            'i.soft_bounces',
            sql<boolean>`m.forwarded_outbox_id is not null`.as('forwarded'),
          ])
          .orderBy('m.received_at', 'desc')
          .orderBy('m.id', 'desc')
          .offset(request.query.offset ?? 0)
          .limit(request.query.limit ?? 50)
          .execute(),
        query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        total: Number(total.n),
        messages: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          receivedAt: r.received_at.toISOString(),
          permanent: r.permanent,
          statusCode: r.status_code,
          effect: r.effect,
          reason: r.reason,
          subject: r.subject,
          from: r.from_address,
          fromName: r.from_name,
          text: r.body_text,
          handledAt: r.handled_at?.toISOString() ?? null,
          forwarded: r.forwarded,
          invitationId: r.invitation_id,
          round: r.round_id !== null && r.round_name !== null ? { id: r.round_id, name: r.round_name } : null,
          school: r.school_id !== null && r.school_name !== null ? { id: r.school_id, name: r.school_name, locationCode: r.location_code } : null,
          unreachable: r.bounced_at !== null,
          softBounces: r.soft_bounces ?? 0,
        })),
      };
    },
  );

  app.post(
    '/api/inbound/messages/:id/handled',
    { config: { access: 'admin' }, schema: api['POST /api/inbound/messages/:id/handled'] },
    async (request) => {
      const user = currentUser(request);
      const now = clock.now();
      const row = await db
        .updateTable('inbound_messages')
        .set({ handled_at: request.body.handled ? now : null, handled_by: request.body.handled ? user.id : null })
        .where('id', '=', request.params.id)
        .returning(['id', 'handled_at'])
        .executeTakeFirst();
      if (!row) throw notFound('Dit bericht bestaat niet (meer).');
      await audit(db, user, now, request.body.handled ? 'inbound.handled' : 'inbound.reopened', `inbound:${row.id}`, {});
      return { id: row.id, handledAt: row.handled_at?.toISOString() ?? null };
    },
  );
};
