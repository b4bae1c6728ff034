import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { usersApi } from '../../contract/api/users';
import type { AreaDeps } from '../area';
import { badRequest } from '../errors';
import { hashPassword, passwordProblem } from './password';
import { currentUser } from './plugin';
import { setSessionCookieOn } from './routes';
import { createSession } from './sessions';
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
    async (request) => inviteUser(db, request.body, currentUser(request), clock.now(), config.secret),
  );

  app.post(
    '/api/users/:id/invite',
    { config: { access: 'admin' }, schema: usersApi['POST /api/users/:id/invite'] },
    async (request) => resendInvite(db, request.params.id, currentUser(request), clock.now(), config.secret),
  );

  app.patch(
    '/api/users/:id',
    {
      config: { access: 'admin' },
      schema: usersApi['PATCH /api/users/:id'],
    },
    async (request) => updateUser(db, request.params.id, request.body, currentUser(request), clock.now()),
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
      const user = await acceptInvite(db, request.params.token, await hashPassword(password), now);
      const session = await createSession(db, user.id, now);
      setSessionCookieOn(reply, session.cookieValue, config.publicUrl.startsWith('https://') || request.protocol === 'https');
      return { ...user, csrfToken: session.csrfToken };
    },
  );
};
