import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { trackingApi as api } from '../../contract/api/tracking';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AreaDeps } from '../area';
import { audit } from '../audit';
import { currentUser } from '../auth/plugin';
import { onSessionEnd } from '../auth/sessions';
import { notFound } from '../errors';
import { setRoundTarget } from '../rounds/rounds';
import { swvCsv } from './csv';
import { dashboardSnapshot, listRounds, loadRoundInfo } from './dashboard';
import { LiveHub } from './live';
import { createSwvLink, findSwvLink, isLinkLive, listSwvLinks, revokeSwvLink, swvViewSnapshot, swvViewUrl, touchSwvLink } from './swv-view';

/**
 * Tracking routes: the researchers' dashboard (JSON, CSV, live over SSE), the round's target,
 * and the SWV view links (made and revoked by admins; opened without an account under /api/v/,
 * whose paths the logger redacts).
 */


/** SSE connections end after this long; the browser reconnects, so sessions and links are re-checked. */
const STREAM_LIFETIME_MS = 10 * 60 * 1000;
/** How often a stream of a logged-in user re-checks its session (ended elsewhere, or expired). */
const SESSION_RECHECK_MS = 5000;
/** Tells EventSource how soon to reconnect after a dropped connection. */
const RECONNECT_MS = 2000;

const LINK_GONE = 'Deze link werkt niet (meer). Vraag de onderzoekers om een nieuwe link.';
const ROUND_GONE = 'Deze meting bestaat niet (meer).';

/** SSE payloads are JSON strings already (computed once per change for every client). */
const sseRoute = { kind: 'only' as const, serializer: (data: unknown) => (typeof data === 'string' ? data : JSON.stringify(data)) };

const GONE = JSON.stringify({ gone: true });

export const trackingRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, database, clock, config }) => {
  /** The round's headline; a Dutch 404 when the round does not exist (any more). */
  const existingRound = async (roundId: number) => {
    const info = await loadRoundInfo(db, roundId);
    if (!info) throw notFound(ROUND_GONE);
    return info;
  };
  const hub = new LiveHub((channel, onMessage, onLost) => database.listen(channel, onMessage, onLost), {
    minIntervalMs: 300,
    onError: (err) => app.log.warn({ err }, 'tracking: computing a live update failed'),
  });
  const openStreams = new Set<() => void>();
  // Open SSE connections would keep the server from closing.
  app.addHook('preClose', async () => {
    for (const end of [...openStreams]) end();
  });
  app.addHook('onClose', async () => {
    await hub.close();
  });

  /**
   * Streams a topic to one client: `snapshot` events with the JSON value, first at once and then
   * after every change. A `gone` value ends the stream with a `gone` event.
   */
  async function stream(
    reply: FastifyReply,
    key: string,
    roundIds: number[],
    compute: () => Promise<unknown>,
    session?: { id: number; sessionId: string },
  ): Promise<void> {
    reply.sse.keepAlive();
    let ended = false;
    let unsubscribe: (() => void) | null = null;
    let sequence = 0;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(lifetime);
      clearInterval(recheck);
      stopWatching();
      openStreams.delete(end);
      unsubscribe?.();
      reply.sse.close();
    };
    const lifetime = setTimeout(end, STREAM_LIFETIME_MS);
    lifetime.unref();
    // A logged-in user's stream ends with the session: at once on logout or when the user is
    // disabled in this process, within SESSION_RECHECK_MS when it ended elsewhere or expired.
    const stopWatching = session ? onSessionEnd(session, end) : () => {};
    const recheck = setInterval(() => {
      if (!session || ended) return;
      app.isSessionLive(session.sessionId).then(
        (live) => live || end(),
        () => {},
      );
    }, SESSION_RECHECK_MS);
    recheck.unref();
    openStreams.add(end);
    reply.sse.onClose(end);
    const send = (event: string, data: string) =>
      reply.sse.send({ id: String(++sequence), event, data }).catch(() => end());
    try {
      unsubscribe = await hub.subscribe(key, roundIds, compute, (json) => {
        if (ended) return;
        if (json === GONE) void send('gone', json).then(end);
        else void send('snapshot', json);
      });
    } catch (error) {
      // Nothing sent yet: the error handler can still answer with a plain 500.
      clearTimeout(lifetime);
      clearInterval(recheck);
      stopWatching();
      openStreams.delete(end);
      ended = true;
      throw error;
    }
    if (ended) {
      unsubscribe();
      return;
    }
    reply.sse.sendHeaders();
    reply.raw.write(`retry: ${RECONNECT_MS}\n\n`);
  }

  // ----- researchers' dashboard -----

  app.get('/api/tracking/rounds', { config: { access: 'researcher' }, schema: api['GET /api/tracking/rounds'] }, async () => ({ rounds: await listRounds(db) }));

  app.get(
    '/api/tracking/rounds/:roundId',
    { config: { access: 'researcher' }, schema: api['GET /api/tracking/rounds/:roundId'] },
    async (request) => {
      const snapshot = await dashboardSnapshot(db, request.params.roundId, clock.now());
      if (!snapshot) throw notFound(ROUND_GONE);
      return snapshot;
    },
  );

  app.get(
    '/api/tracking/rounds/:roundId/events',
    { config: { access: 'researcher' }, schema: api['GET /api/tracking/rounds/:roundId/events'], sse: sseRoute },
    async (request, reply) => {
      const { roundId } = request.params;
      const info = await existingRound(roundId);
      const roundIds = info.previousRound ? [roundId, info.previousRound.id] : [roundId];
      await stream(
        reply,
        `dashboard:${roundId}`,
        roundIds,
        async () => (await dashboardSnapshot(db, roundId, clock.now())) ?? { gone: true },
        currentUser(request),
      );
    },
  );

  app.get(
    '/api/tracking/rounds/:roundId/swvs.csv',
    { config: { access: 'researcher' }, schema: api['GET /api/tracking/rounds/:roundId/swvs.csv'] },
    async (request, reply) => {
      const { roundId } = request.params;
      const now = clock.now();
      const snapshot = await dashboardSnapshot(db, roundId, now);
      if (!snapshot) throw notFound(ROUND_GONE);
      const user = currentUser(request);
      await audit(db, { id: user.id, email: user.email }, now, 'tracking.export_swvs', `round:${roundId}`, { rows: snapshot.swvs.length });
      const safeName = snapshot.round.name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'meting';
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="respons-per-swv-${safeName}.csv"`)
        .header('cache-control', 'no-store')
        .send(swvCsv(snapshot.swvs));
    },
  );

  async function setTarget(request: FastifyRequest, roundId: number, target: number | null) {
    const now = clock.now();
    if (!(await setRoundTarget(db, roundId, target, now))) throw notFound(ROUND_GONE);
    const user = currentUser(request);
    await audit(db, { id: user.id, email: user.email }, now, 'round.set_target', `round:${roundId}`, { target });
    return { target };
  }

  app.put(
    '/api/tracking/rounds/:roundId/target',
    { config: { access: 'admin' }, schema: api['PUT /api/tracking/rounds/:roundId/target'] },
    async (request) => setTarget(request, request.params.roundId, request.body.target),
  );

  app.delete(
    '/api/tracking/rounds/:roundId/target',
    { config: { access: 'admin' }, schema: api['DELETE /api/tracking/rounds/:roundId/target'] },
    async (request) => setTarget(request, request.params.roundId, null),
  );

  // ----- SWV view links (admins) -----

  app.get(
    '/api/tracking/rounds/:roundId/swv-links',
    { config: { access: 'admin' }, schema: api['GET /api/tracking/rounds/:roundId/swv-links'] },
    async (request) => {
      const { roundId } = request.params;
      await existingRound(roundId);
      return { links: await listSwvLinks(db, roundId) };
    },
  );

  app.post(
    '/api/tracking/rounds/:roundId/swv-links',
    { config: { access: 'admin' }, schema: api['POST /api/tracking/rounds/:roundId/swv-links'] },
    async (request) => {
      const { roundId } = request.params;
      await existingRound(roundId);
      const user = currentUser(request);
      const now = clock.now();
      const label = request.body.label?.replace(/[\u0000-\u001f\u007f]/g, ' ').trim() || null;
      const link = await createSwvLink(db, { roundId, swvId: request.body.swvId, label, createdBy: user.id, now });
      await audit(db, { id: user.id, email: user.email }, now, 'tracking.swv_link_create', `round:${roundId}`, {
        linkId: link.id,
        swvId: request.body.swvId,
      });
      // The only time the token is shown: the database keeps its hash.
      return { id: link.id, url: swvViewUrl(config.publicUrl, link.token) };
    },
  );

  app.post(
    '/api/tracking/swv-links/:linkId/revoke',
    { config: { access: 'admin' }, schema: api['POST /api/tracking/swv-links/:linkId/revoke'] },
    async (request) => {
      const now = clock.now();
      const link = await revokeSwvLink(db, request.params.linkId, now);
      if (!link) throw notFound('Deze link bestaat niet.');
      const user = currentUser(request);
      await audit(db, { id: user.id, email: user.email }, now, 'tracking.swv_link_revoke', `round:${link.roundId}`, { linkId: link.id });
      return { revoked: true };
    },
  );

  // ----- SWV view (no account; the token is the key) -----

  const tokenRateLimit = { max: 120, timeWindow: '1 minute' };

  app.get(
    '/api/v/:token',
    { config: { access: 'public', rateLimit: tokenRateLimit }, schema: api['GET /api/v/:token'] },
    async (request, reply) => {
      const link = await findSwvLink(db, request.params.token);
      const now = clock.now();
      const snapshot = link ? await swvViewSnapshot(db, link, now) : null;
      if (!link || !snapshot) throw notFound(LINK_GONE);
      await touchSwvLink(db, link.id, now);
      reply.header('cache-control', 'no-store');
      return snapshot;
    },
  );

  app.get(
    '/api/v/:token/events',
    { config: { access: 'public', rateLimit: tokenRateLimit }, schema: api['GET /api/v/:token/events'], sse: sseRoute },
    async (request, reply) => {
      const link = await findSwvLink(db, request.params.token);
      if (!link) throw notFound(LINK_GONE);
      await touchSwvLink(db, link.id, clock.now());
      await stream(reply, `swv-link:${link.id}`, [link.roundId], async () => {
        if (!(await isLinkLive(db, link.id))) return { gone: true };
        return (await swvViewSnapshot(db, link, clock.now())) ?? { gone: true };
      });
    },
  );
};
