import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { usersApi } from '../../contract/api/users';
import type { AreaDeps } from '../area';
import { badRequest } from '../errors';
import { hashPassword, passwordProblem } from '../auth/password';
import { currentUser } from '../auth/plugin';
import { setSessionCookieOn } from '../auth/routes';
import { createSession, sessionEnded } from '../auth/sessions';
import { acceptInvite, findInvite, inviteUser, invalidInviteLink, listUsers, resendInvite, updateUser } from './users';

/** Admins manage accounts; invited users choose their password through /u/<token>. */
export const userRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, clock, config }) => {
  app.get(
    '/api/users',
    { config: { access: 'admin' }, schema: usersApi['GET /api/users'] },
    async () => ({ users: await listUsers(db, clock.now()) }),
  );

  app.post(
    '/api/users',
    {
      config: { access: 'admin' },
      schema: usersApi['POST /api/users'],
    },
    async (request) => db.transaction().execute((trx) => inviteUser(trx, request.body, currentUser(request), clock.now(), config.secret)),
  );

  app.post(
    '/api/users/:id/invite',
    { config: { access: 'admin' }, schema: usersApi['POST /api/users/:id/invite'] },
    async (request) => db.transaction().execute((trx) => resendInvite(trx, request.params.id, currentUser(request), clock.now(), config.secret)),
  );

  app.patch(
    '/api/users/:id',
    {
      config: { access: 'admin' },
      schema: usersApi['PATCH /api/users/:id'],
    },
    async (request) => {
      const { user, disabled } = await db.transaction().execute((trx) => updateUser(trx, request.params.id, request.body, currentUser(request), clock.now()));
      // Its live streams end now (after the commit), not when they next re-check.
      if (disabled) sessionEnded({ userId: user.id });
      return user;
    },
  );

  app.get(
    '/api/u/:token',
    {
      config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: usersApi['GET /api/u/:token'],
    },
    async (request) => {
      const invite = await findInvite(db, request.params.token, clock.now());
      if (!invite) throw invalidInviteLink();
      return { name: invite.name, email: invite.email, renewal: invite.password_hash !== null };
    },
  );

  app.post(
    '/api/u/:token',
    {
      config: { access: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: usersApi['POST /api/u/:token'],
    },
    async (request, reply) => {
      const { password } = request.body;
      const now = clock.now();
      // Check the link before spending a password hash on it.
      if (!(await findInvite(db, request.params.token, now))) throw invalidInviteLink();
      const weak = await passwordProblem(password);
      if (weak) throw badRequest('weak_password', weak);
      const passwordHash = await hashPassword(password);
      const user = await db.transaction().execute((trx) => acceptInvite(trx, request.params.token, passwordHash, now));
      // The user's other sessions were ended: so are their live streams.
      sessionEnded({ userId: user.id });
      const session = await createSession(db, user.id, now);
      setSessionCookieOn(reply, session.cookieValue, config.publicUrl.startsWith('https://') || request.protocol === 'https');
      return { ...user, csrfToken: session.csrfToken };
    },
  );
};
