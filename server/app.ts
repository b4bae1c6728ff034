import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySse from '@fastify/sse';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import helmet from 'helmet';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { AreaDeps } from './area';
import { authPlugin } from './auth/plugin';
import { authRoutes } from './auth/routes';
import { userRoutes } from './users/routes';
import { roundsRoutes } from './rounds/routes';
import { addressFollowers } from './imports';
import { schoolsRoutes } from './schools/routes';
import { registerClient } from './client-assets';
import { systemClock, type Clock } from './clock';
import type { Config, TrustProxy } from './config';
import type { Database } from './db/database';
import { currentMigration } from './db/migrator';
import { DomainError, type ErrorBody } from './errors';
import { analysisRoutes } from './analysis/routes';
import { exportRoutes } from './exports/routes';
import { DEFAULT_BODY_LIMIT } from './limits';
import { loggerOptions, type LogStream } from './logging';
import { inboundRoutes } from './inbound/routes';
import { mailRoutes } from './mailings/routes';
import { privacyRoutes } from './privacy/routes';
import { questionnaireRoutes } from './questionnaires/routes';
import { questionnaireAuthoringRoutes } from './questionnaires/authoring-routes';
import { CLOSED_BODY, responsesRoutes } from './responses/routes';
import type { LoginLimits } from './auth/throttle';
import { trackingRoutes } from './tracking/routes';
import { personsRoutes } from './persons/routes';
import { copyPersonSettings } from './persons/sites';
import { snowballRoutes } from './snowball/routes';

export interface AppDeps {
  database: Database;
  clock?: Clock;
  /**
   * The clock of sessions and login throttling; defaults to `clock`. The demo runs the round on a
   * compressed clock but keeps logins on real time, so a session does not expire in seconds.
   */
  authClock?: Clock;
  /** Serve the client from this folder instead of client/dist (tests). */
  clientDist?: string;
  /** Write log lines here instead of stdout (tests that check what is logged). */
  logStream?: LogStream;
  /** Override the login throttling limits (tests). */
  loginLimits?: Partial<LoginLimits>;
}

export type App = FastifyInstance;

/**
 * Fastify's trustProxy from TRUST_PROXY. A list of addresses/ranges is passed on as it is (only
 * those peers' X-Forwarded-* is believed). A hop count trusts the nearest `hops` hops whatever
 * their address (Fastify refuses plain numbers, rightly: it cannot check the peer), so it is only
 * safe when the app's port is reachable through the proxy alone.
 */
function trustProxyOption(trust: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return trust === 0 ? false : (_address: string, hop: number) => hop < trust;
  return trust;
}

/**
 * Builds the whole HTTP application from config and dependencies, without listening.
 * main.ts, the worker and every test build the same thing.
 */
export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const clock = deps.clock ?? systemClock;
  const { database } = deps;
  const db = database.db;

  const app = Fastify({
    logger: loggerOptions(config.logLevel, deps.logStream),
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: trustProxyOption(config.trustProxy),
    genReqId: () => randomUUID(),
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' }),
    // URLs the router refuses (a parameter too long, bad escapes): Fastify's own answer echoes
    // the path, which may hold a token. A personal link gets the answer of an unknown link.
    frameworkErrors: (error, request, rawReply) => {
      const reply = rawReply as FastifyReply;
      if (request.url.startsWith('/api/s/')) return void reply.code(404).send(CLOSED_BODY);
      void reply.code(error.statusCode && error.statusCode < 500 ? error.statusCode : 400).send({ error: 'bad_request', message: 'Dit adres kan niet worden verwerkt.' });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // External plugins first.
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifySse, { heartbeatInterval: 25_000 });
  // Security headers (Content-Security-Policy and the rest of helmet's set) on every response.
  // helmet's middleware is built once here: @fastify/helmet built it, parsing the CSP directives
  // again, on every request, in two hooks of its own (issue 21: 3 % of the server's CPU per
  // autosave). The middleware sets the same headers on the raw response, as before.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // SurveyJS sets inline styles on its elements.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // Allow the page to be opened from links in e-mail clients that set a referrer policy.
    crossOriginEmbedderPolicy: false,
    hsts: config.publicUrl.startsWith('https://'),
  });
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)));

  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    let status: number;
    let body: ErrorBody;
    if (error instanceof DomainError) {
      status = error.statusCode;
      body = { error: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) };
    } else if ((error as FastifyError).validation) {
      status = 400;
      body = {
        error: 'invalid_input',
        message: 'De gegevens zijn niet volledig of niet geldig.',
        details: (error as FastifyError).validation?.map((v) => ({ field: v.instancePath || v.params?.missingProperty, problem: v.message })),
      };
    } else if ((error as FastifyError).statusCode === 429) {
      status = 429;
      body = { error: 'too_many_requests', message: 'Te veel verzoeken. Wacht even en probeer het opnieuw.' };
    } else if ((error as FastifyError).statusCode === 413) {
      status = 413;
      body = { error: 'too_large', message: 'Het verzoek is te groot.' };
    } else if ((error as FastifyError).statusCode && (error as FastifyError).statusCode! < 500) {
      status = (error as FastifyError).statusCode!;
      body = { error: 'bad_request', message: 'Dit verzoek kan niet worden verwerkt.' };
    } else {
      status = 500;
      request.log.error({ err: error }, 'unhandled error');
      body = { error: 'internal', message: 'Er ging iets mis aan onze kant. Probeer het later opnieuw.' };
    }
    reply.code(status).send(body);
  });

  // Unknown URLs are rate limited, so nobody can scan for valid links.
  app.setNotFoundHandler(
    { preHandler: app.rateLimit({ max: 60, timeWindow: '1 minute' }) },
    // A personal link too long or odd for the router gets the same answer as an unknown one.
    async (request, reply) =>
      request.url.startsWith('/api/s/')
        ? reply.code(404).send(CLOSED_BODY)
        : reply.code(404).send({ error: 'not_found', message: 'Deze pagina bestaat niet.' }),
  );

  // Our own plugins.
  const authClock = deps.authClock ?? clock;
  await app.register(authPlugin, { db, clock: authClock });
  await app.register(authRoutes, { db, clock: authClock, secureCookies: config.publicUrl.startsWith('https://'), secret: config.secret, loginLimits: deps.loginLimits });

  // Area routes: one plugin per area (server/<area>/routes.ts), one line each.
  const areaDeps: AreaDeps = { db, database, clock, config };
  await app.register(userRoutes, areaDeps);
  await app.register(privacyRoutes, areaDeps);
  await app.register(questionnaireRoutes, areaDeps);
  await app.register(questionnaireAuthoringRoutes, areaDeps);
  await app.register(mailRoutes, areaDeps);
  await app.register(inboundRoutes, areaDeps);
  await app.register(exportRoutes, areaDeps);
  await app.register(analysisRoutes, areaDeps);
  await app.register(schoolsRoutes, { ...areaDeps, addresses: addressFollowers });
  await app.register(roundsRoutes, { ...areaDeps, roundCopied: copyPersonSettings });
  await app.register(trackingRoutes, areaDeps);
  await app.register(responsesRoutes, areaDeps);
  await app.register(personsRoutes, areaDeps);
  await app.register(snowballRoutes, areaDeps);

  app.get('/healthz', async () => {
    const migration = await currentMigration(db);
    return { status: 'ok', database: database.kind, migration };
  });

  await registerClient(app, deps.clientDist);
  return app;
}
