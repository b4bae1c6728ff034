import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB, Role } from '../db/types';
import { forbidden, unauthorized } from '../errors';
import { findSession, isSessionLive, SESSION_COOKIE, type SessionUser } from './sessions';

/**
 * Who may call a route. Every route under /api/ must declare it in `config.access`; a route
 * without a declaration fails at registration, so a new endpoint cannot be open by accident.
 * - 'public': anyone (respondent links, login); such routes check their own tokens.
 * - 'researcher': researchers and admins (dashboards, exports).
 * - 'admin': admins only (imports, rounds, mailings, users).
 */
export type Access = 'public' | Role;

/** One registered route and the access it declared (undefined outside /api/). */
export interface RouteAccess {
  method: string;
  url: string;
  access: Access | undefined;
  /** The route's own body limit, when it sets one (server/limits.ts). */
  bodyLimit: number | undefined;
  /** The route's Fastify schema: its entry in contract/api (tests/unit/contract.test.ts checks it). */
  schema: unknown;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    user: SessionUser | null;
  }
  interface FastifyInstance {
    /** Every route registered after the auth plugin, with its declared access (for the route-table test). */
    routeAccess: RouteAccess[];
    /** True while the session is live, on the auth clock (long-lived responses re-check it). */
    isSessionLive(sessionId: string): Promise<boolean>;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function userMay(role: Role, access: Access): boolean {
  if (access === 'public') return true;
  if (role === 'admin') return true;
  return role === access;
}

/** Throws unless the request's user may act with `access`; checks CSRF on state changes. */
export function assertAccess(request: FastifyRequest, access: Access): SessionUser | null {
  if (access === 'public') return request.user;
  const user = request.user;
  if (!user) throw unauthorized();
  if (!userMay(user.role, access)) throw forbidden();
  if (!SAFE_METHODS.has(request.method)) {
    const header = request.headers['x-csrf-token'];
    if (typeof header !== 'string' || header !== user.csrfToken) {
      throw forbidden('Deze aanvraag kon niet worden gecontroleerd. Laad de pagina opnieuw en probeer het nog eens.');
    }
  }
  return user;
}

/** The logged-in user of a route that declared a role (the guard already ran). */
export function currentUser(request: FastifyRequest): SessionUser {
  if (!request.user) throw unauthorized();
  return request.user;
}

export interface AuthPluginOptions {
  db: Kysely<DB>;
  clock: Clock;
}

export const authPlugin = fp<AuthPluginOptions>(
  async (app: FastifyInstance, { db, clock }) => {
    app.decorateRequest('user', null);
    const routeAccess: RouteAccess[] = [];
    app.decorate('routeAccess', routeAccess);
    app.decorate('isSessionLive', (sessionId: string) => isSessionLive(db, sessionId, clock.now()));

    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const access = route.config?.access;
      for (const method of methods) routeAccess.push({ method: String(method), url: route.url, access, bodyLimit: route.bodyLimit, schema: route.schema });
      if (!route.url.startsWith('/api/')) return;
      if (!access) {
        throw new Error(`Route ${String(route.method)} ${route.url} declares no access (config.access)`);
      }
      if (access === 'public') return;
      // The guard runs as the route's first onRequest hook (after the global one that finds the
      // session), so anonymous callers are refused before their body is read or validated.
      const guard = async (request: FastifyRequest) => {
        assertAccess(request, access);
      };
      const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
      route.onRequest = [guard, ...existing];
    });

    app.addHook('onRequest', async (request) => {
      if (!request.url.startsWith('/api/')) return;
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie) request.user = await findSession(db, cookie, clock.now());
    });
  },
  { name: 'meetronde-auth', dependencies: ['@fastify/cookie'] },
);
