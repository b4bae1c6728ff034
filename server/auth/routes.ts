import { lockDatabaseWide } from '../db/locks';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { authApi } from '../../contract/api/auth';
import { audit } from '../audit';
import type { Clock } from '../clock';
import type { DB } from '../db/types';
import { badRequest, DomainError, unauthorized } from '../errors';
import { dummyPasswordHash, hashPassword, passwordProblem, verifyPassword } from './password';
import { createSession, deleteSession, SESSION_COOKIE, SESSION_MAX_MS } from './sessions';
import { checkSetupToken, consumeSetupToken, hasActiveAdmin } from './setup';
import {
  DEFAULT_LOGIN_LIMITS,
  DEVICE_COOKIE,
  DEVICE_VALID_MS,
  isKnownDevice,
  nextDeviceCookie,
  normaliseLoginEmail,
  pruneFailures,
  releaseAttempt,
  reserveAttempt,
  THROTTLED_MESSAGE,
  throttleKeys,
  type LoginLimits,
} from './throttle';

export interface AuthRoutesOptions {
  db: Kysely<DB>;
  clock: Clock;
  /** PUBLIC_URL is https: always mark the session cookie Secure. */
  secureCookies: boolean;
  /** Signs the "known device" cookie of the login backoff. */
  secret: string;
  loginLimits?: Partial<LoginLimits>;
}

const INVALID_LOGIN = 'Het e-mailadres of wachtwoord klopt niet.';

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { db, clock, secureCookies, secret, loginLimits }) => {
  const limits: LoginLimits = { ...DEFAULT_LOGIN_LIMITS, ...loginLimits };

  /** Secure when PUBLIC_URL is https, or when the request came over https (directly, or through a trusted proxy). */
  const secureFor = (request: FastifyRequest) => secureCookies || request.protocol === 'https';

  function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string) {
    setSessionCookieOn(reply, value, secureFor(request));
  }

  app.get('/api/auth/me', { config: { access: 'public' }, schema: authApi['GET /api/auth/me'] }, async (request) => {
    const user = request.user;
    if (!user) throw unauthorized();
    return { id: user.id, email: user.email, name: user.name, role: user.role, csrfToken: user.csrfToken };
  });

  app.get(
    '/api/auth/setup',
    { config: { access: 'public' }, schema: authApi['GET /api/auth/setup'] },
    async (request) => {
      const valid = !(await hasActiveAdmin(db)) && (await checkSetupToken(db, request.query.token));
      return { valid };
    },
  );

  app.post(
    '/api/auth/setup',
    {
      config: { access: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: authApi['POST /api/auth/setup'],
    },
    async (request, reply) => {
      const { token, name, email, password } = request.body;
      const weak = await passwordProblem(password);
      if (weak) throw badRequest('weak_password', weak);
      const passwordHash = await hashPassword(password);
      const now = clock.now();
      const user = await db.transaction().execute(async (trx) => {
        // Serialise concurrent setups: the second one finds an admin and is refused.
        await lockDatabaseWide(trx, 'setup');
        if ((await hasActiveAdmin(trx)) || !(await checkSetupToken(trx, token))) {
          throw new DomainError(403, 'setup_closed', 'Deze link is niet (meer) geldig. Start Meetronde opnieuw voor een nieuwe link.');
        }
        const created = await trx
          .insertInto('users')
          .values({ email: email.trim(), name: name.trim(), role: 'admin', password_hash: passwordHash })
          .returning(['id', 'email', 'name', 'role'])
          .executeTakeFirstOrThrow();
        await consumeSetupToken(trx);
        await audit(trx, { id: created.id, email: created.email }, now, 'user.setup_first_admin', `user:${created.id}`);
        return created;
      });
      const session = await createSession(db, user.id, now);
      setSessionCookie(request, reply, session.cookieValue);
      return { ...user, csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: authApi['POST /api/auth/login'],
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const now = clock.now();
      const keys = throttleKeys(email, request.ip);
      // Reserved before the password is checked, so parallel guesses cannot outrun the limits.
      const knownDevice = isKnownDevice(secret, keys, request.cookies[DEVICE_COOKIE], now);
      const reservation = await db.transaction().execute((trx) => reserveAttempt(trx, keys, now, limits, { knownDevice }));
      if (!reservation.ok) {
        request.log.warn('login refused: too many failed attempts');
        reply.header('retry-after', String(Math.max(1, Math.ceil(reservation.retryAfterMs / 1000))));
        throw new DomainError(429, 'login_throttled', THROTTLED_MESSAGE);
      }
      const user = await db
        .selectFrom('users')
        .select(['id', 'email', 'name', 'role', 'password_hash', 'disabled_at'])
        .where(sql<string>`lower(email)`, '=', normaliseLoginEmail(email))
        .executeTakeFirst();
      const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
      if (!user || !ok || !user.password_hash || user.disabled_at) {
        await pruneFailures(db, now, limits);
        throw new DomainError(401, 'invalid_login', INVALID_LOGIN);
      }
      await releaseAttempt(db, keys, reservation.ids, now, limits);
      await db.updateTable('users').set({ last_login_at: now }).where('id', '=', user.id).execute();
      await audit(db, { id: user.id, email: user.email }, now, 'auth.login', `user:${user.id}`, { role: user.role });
      const session = await createSession(db, user.id, now);
      setSessionCookie(request, reply, session.cookieValue);
      reply.setCookie(DEVICE_COOKIE, nextDeviceCookie(secret, keys, request.cookies[DEVICE_COOKIE], now), {
        path: '/api/auth/login',
        httpOnly: true,
        sameSite: 'strict',
        secure: secureFor(request),
        maxAge: Math.floor(DEVICE_VALID_MS / 1000),
      });
      return { id: user.id, email: user.email, name: user.name, role: user.role, csrfToken: session.csrfToken };
    },
  );

  app.post('/api/auth/logout', { config: { access: 'public' }, schema: authApi['POST /api/auth/logout'] }, async (request, reply) => {
    if (request.user) await deleteSession(db, request.user.sessionId);
    reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(secureFor(request)));
    return { ok: true };
  });
};

function sessionCookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure };
}

/** Sets the session cookie: httpOnly, SameSite=Lax, Secure when served over https. */
export function setSessionCookieOn(reply: FastifyReply, value: string, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, value, { ...sessionCookieOptions(secure), maxAge: Math.floor(SESSION_MAX_MS / 1000) });
}
