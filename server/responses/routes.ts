import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { questionnairesApi } from '../../contract/api/questionnaires';
import { responsesApi as api, type SurveyPayload } from '../../contract/api/responses';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AreaDeps } from '../area';
import { notFound } from '../errors';
import { RESPONDENT_BODY_LIMIT } from '../limits';
import { getQuestionnaire, variablesFor } from '../questionnaires';
import { notify } from '../db/database';
import { ROUND_CHANNEL } from '../tracking/counts';
import { NotifyLater } from '../tracking/notify-later';
import { checkAnswers } from './answers';
import {
  changeConsent,
  fastAutosave,
  warmVersions,
  knownVersion,
  loadContext,
  markOpened,
  saveResponse,
  stateOf,
  storedResponse,
  type RespondentContext,
  type SaveOutcome,
  type StoredResponse,
  type SurveyState,
} from './survey-state';

/**
 * The respondent API (docs/respondent-api.md): what the page at /s/<token> reads and writes.
 * Public routes, the token in the path (server/logging.ts redacts /api/s/…), rate limited per link
 * and, on failed lookups only, per client address (RESPONDENT_RATE_LIMIT per minute each).
 */

/** One answer for every link that does not (or no longer) lead to a questionnaire. */
export const CLOSED_BODY = Object.freeze({
  state: 'closed',
  message: 'Deze vragenlijst is niet (meer) beschikbaar. Controleer of u de volledige link uit de e-mail gebruikt, of neem contact op met de onderzoekers.',
});

const MESSAGES = {
  notOpen: 'De vragenlijst is nog niet geopend.',
  consentRequired: 'Geef eerst antwoord op de vraag of u wilt meedoen.',
  completed: 'U heeft deze vragenlijst al afgerond. Uw antwoorden kunnen niet meer worden gewijzigd.',
  stale: 'Uw antwoorden zijn intussen ook ergens anders opgeslagen. De nieuwste versie is geladen; controleer uw laatste antwoorden.',
  invalidAnswers: 'Een of meer antwoorden kunnen niet worden opgeslagen.',
  incomplete: 'Nog niet alle vragen zijn (goed) beantwoord.',
  consentAnswer: 'Kies of u wel of niet wilt meedoen.',
  pageOutOfRange: 'De pagina bestaat niet in deze vragenlijst.',
} as const;

/** Autosave checks are shapes and texts only, not the routing, so they do not read the variables. */
const EMPTY_VARIABLES = variablesFor({ situation: null, sector: null, schoolName: '' });

/** Failed lookups per address in fixed windows; forgets addresses whose window is over. */
class FailureCounter {
  private readonly counts = new Map<string, { count: number; resetAt: number }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}
  over(address: string, now: number): boolean {
    const entry = this.counts.get(address);
    return entry !== undefined && entry.resetAt > now && entry.count >= this.max;
  }
  add(address: string, now: number): void {
    const entry = this.counts.get(address);
    if (entry && entry.resetAt > now) entry.count++;
    else {
      if (this.counts.size >= 10_000) for (const [key, e] of this.counts) if (e.resetAt <= now) this.counts.delete(key);
      if (this.counts.size >= 10_000) this.counts.delete(this.counts.keys().next().value!);
      this.counts.set(address, { count: 1, resetAt: now + this.windowMs });
    }
  }
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

/**
 * The `Survey` of the contract, for every state but closed and not_open; `changeBody` is the same
 * without the questionnaire (the answer to consent and completion, see SurveyChange).
 */
function surveyBody(context: RespondentContext, state: SurveyState, response: StoredResponse | null) {
  return { ...changeBody(context, state, response), questionnaire: context.questionnaire!.content };
}

function changeBody(context: RespondentContext, state: SurveyState, response: StoredResponse | null) {
  const version = context.questionnaire!;
  const shown = state === 'open' || state === 'completed' ? response : null;
  return {
    state: state as SurveyPayload['state'],
    study: { name: context.studyName },
    round: { name: context.roundName, closesAt: iso(context.closesAt) },
    school: { name: context.schoolName },
    variables: context.variables,
    consent: version.meta.consent,
    data: shown?.data ?? {},
    currentPage: shown?.currentPage ?? 0,
    revision: shown?.revision ?? 0,
    completedAt: iso(shown?.completedAt),
  };
}

export const responsesRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, clock, config }) => {
  // Completions notify the live dashboards after their commit, coalesced per round (issue 21).
  const dashboards = new NotifyLater(
    (roundId) => notify(db, ROUND_CHANNEL, String(roundId)),
    (error) => app.log.warn({ err: error }, 'round notification failed'),
  );
  app.addHook('onClose', async () => dashboards.flush());
  // Limits (issue 21): a whole school behind one address (600 pupils of 20 classes starting in the
  // same minute) must never be refused, and guessing links must stay throttled. So an address is
  // limited on its failed lookups only (unknown or closed links: the same 404), and each link on
  // its own requests, both RESPONDENT_RATE_LIMIT per minute. An address over its failures gets
  // 429 for every link until the minute is over, so a guesser learns nothing from the answers.
  const limit = config.respondentRateLimit;
  const perLink = limit > 0 ? app.rateLimit({ max: limit, timeWindow: '1 minute', keyGenerator: (request) => `link:${(request.params as { token?: string }).token ?? ''}` }) : null;
  const failures = new FailureCounter(limit, 60_000);
  const tooMany = () => Object.assign(new Error('Too many failed lookups'), { statusCode: 429 });
  const guessing = async (request: FastifyRequest) => {
    if (failures.over(request.ip, Date.now())) throw tooMany();
  };
  const onRequest = limit > 0 ? [guessing, perLink!] : [];
  const respondent = { access: 'public' as const };

  // Derive the open rounds' questionnaires before the first request (a school's first class at once).
  app.addHook('onReady', async () => {
    try {
      await warmVersions(db);
    } catch (error) {
      // Only a head start: the first request of each version derives it as before.
      app.log.warn({ err: error }, 'could not prepare the questionnaires of open rounds');
    }
  });

  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/api/s/')) return;
    reply.header('cache-control', 'no-store');
    if (limit > 0 && reply.statusCode === 404) failures.add(request.ip, Date.now());
  });

  /** The context of a token whose questionnaire is open for changes, or null after replying. */
  async function writable(token: string, reply: FastifyReply, now: Date, options: { answers?: boolean } = {}) {
    const context = await loadContext(db, token, options);
    const state = stateOf(context, now);
    if (state === 'closed' || !context) {
      reply.code(404).send(CLOSED_BODY);
      return null;
    }
    if (state === 'not_open') {
      reply.code(403).send({ error: 'not_open', message: MESSAGES.notOpen });
      return null;
    }
    return { context, state };
  }

  function sendOutcome(reply: FastifyReply, outcome: Exclude<SaveOutcome, { ok: true }>) {
    if (outcome.reason === 'no_consent') return reply.code(403).send({ error: 'consent_required', message: MESSAGES.consentRequired });
    if (outcome.reason === 'completed') return reply.code(409).send({ error: 'completed', message: MESSAGES.completed });
    const { data, currentPage, revision } = outcome.current;
    return reply.code(409).send({ error: 'stale', message: MESSAGES.stale, data, currentPage, revision });
  }

  app.get('/api/s/:token', { config: respondent, onRequest, schema: api['GET /api/s/:token'] }, async (request, reply) => {
    const now = clock.now();
    const context = await loadContext(db, request.params.token);
    const state = stateOf(context, now);
    if (state === 'closed' || !context) return reply.code(404).send(CLOSED_BODY);
    if (state === 'not_open') return { state, study: { name: context.studyName }, opensAt: iso(context.opensAt) };
    await markOpened(db, context, now);
    return surveyBody(context, state, context.response);
  });

  app.post(
    '/api/s/:token/consent',
    { config: respondent, onRequest, bodyLimit: RESPONDENT_BODY_LIMIT, schema: api['POST /api/s/:token/consent'] },
    async (request, reply) => {
      const now = clock.now();
      const found = await writable(request.params.token, reply, now);
      if (!found) return reply;
      const { context } = found;
      const meta = context.questionnaire!.meta;
      const { answer } = request.body;
      if (answer !== meta.consent.yes && answer !== meta.consent.no) {
        return reply.code(400).send({ error: 'invalid_consent', message: MESSAGES.consentAnswer });
      }
      // One round trip (respondent_consent, migration 0026); it gives back the response as it is
      // afterwards, so the answer needs no second lookup.
      const outcome = await changeConsent(db, context.invitationId, answer === meta.consent.yes, meta, now);
      if (!outcome.ok && outcome.reason === 'missing') return reply.code(404).send(CLOSED_BODY);
      if (!outcome.ok) return reply.code(409).send({ error: 'completed', message: MESSAGES.completed });
      return changeBody(context, outcome.response ? 'open' : 'refused', outcome.response);
    },
  );

  app.put(
    '/api/s/:token/answers',
    { config: respondent, onRequest, bodyLimit: RESPONDENT_BODY_LIMIT, schema: api['PUT /api/s/:token/answers'] },
    async (request, reply) => {
      const now = clock.now();
      // A link seen lately: check the answers against its version and save in one round trip;
      // anything that does not fit (or a save that did not land) takes the full path below.
      const known = knownVersion(request.params.token);
      if (known && request.body.currentPage < known.info.pageCount) {
        const checked = checkAnswers(known.info, EMPTY_VARIABLES, request.body.data, 'autosave');
        const input = checked.ok ? { data: checked.data, currentPage: request.body.currentPage, revision: request.body.revision } : null;
        const revision = input ? await fastAutosave(db, known.hash, known.versionId, input, now) : null;
        if (revision !== null) return { revision, savedAt: now.toISOString() };
      }
      const found = await writable(request.params.token, reply, now, { answers: false });
      if (!found) return reply;
      const { context, state } = found;
      if (state === 'completed') return reply.code(409).send({ error: 'completed', message: MESSAGES.completed });
      if (state !== 'open') return reply.code(403).send({ error: 'consent_required', message: MESSAGES.consentRequired });
      const version = context.questionnaire!;
      const { data, currentPage, revision } = request.body;
      if (currentPage >= version.pageCount) {
        return reply.code(400).send({ error: 'invalid_answers', message: MESSAGES.pageOutOfRange, errors: [{ question: null, message: MESSAGES.pageOutOfRange }] });
      }
      const checked = checkAnswers(version, context.variables, data, 'autosave');
      if (!checked.ok) return reply.code(400).send({ error: 'invalid_answers', message: MESSAGES.invalidAnswers, errors: checked.errors });
      const outcome = await saveResponse(db, context.invitationId, { data: checked.data, currentPage, revision }, now);
      if (!outcome.ok) return sendOutcome(reply, outcome);
      return { revision: outcome.revision, savedAt: outcome.savedAt.toISOString() };
    },
  );

  app.post(
    '/api/s/:token/complete',
    { config: respondent, onRequest, bodyLimit: RESPONDENT_BODY_LIMIT, schema: api['POST /api/s/:token/complete'] },
    async (request, reply) => {
      const now = clock.now();
      // The stored answers are read only for a repeated completion, which answers with them.
      const found = await writable(request.params.token, reply, now, { answers: false });
      if (!found) return reply;
      const { context, state } = found;
      // Idempotent: a retry after a lost answer gets the completed survey, with what was stored.
      if (state === 'completed') return changeBody(context, state, await storedResponse(db, context.invitationId));
      if (state !== 'open') return reply.code(403).send({ error: 'consent_required', message: MESSAGES.consentRequired });
      const version = context.questionnaire!;
      const { data, currentPage, revision } = request.body;
      if (currentPage >= version.pageCount) {
        return reply.code(400).send({ error: 'invalid_answers', message: MESSAGES.pageOutOfRange, errors: [{ question: null, message: MESSAGES.pageOutOfRange }] });
      }
      // Malformed answers are a 400 as in autosave; only missing or wrong answers are a 422.
      const checked = checkAnswers(version, context.variables, data, 'complete');
      if (!checked.ok && checked.malformed) return reply.code(400).send({ error: 'invalid_answers', message: MESSAGES.invalidAnswers, errors: checked.errors });
      if (!checked.ok) return reply.code(422).send({ error: 'invalid_answers', message: MESSAGES.incomplete, errors: checked.errors });
      // One statement (completionStatement): the response and the invitation change together.
      const outcome = await saveResponse(db, context.invitationId, { data: checked.data, currentPage, revision }, now, { branch: checked.branch });
      if (!outcome.ok) {
        if (outcome.reason === 'completed') return changeBody(context, 'completed', outcome.current);
        return sendOutcome(reply, outcome);
      }
      dashboards.changed(context.roundId);
      // What was just stored, as a lookup would read it back.
      const stored: StoredResponse = { data: checked.data, currentPage, revision: outcome.revision, branch: checked.branch, completedAt: now };
      return changeBody(context, 'completed', stored);
    },
  );

  // ----- Preview for researchers: the questionnaire as a school in a situation sees it -----

  app.get(
    '/api/preview/:questionnaireId',
    { config: { access: 'researcher' }, schema: questionnairesApi['GET /api/preview/:questionnaireId'] },
    async (request) => {
      const file = getQuestionnaire(request.params.questionnaireId);
      if (!file.content) throw notFound('Deze vragenlijst kan niet worden getoond: het bestand is geen geldige vragenlijst.');
      const { situation, sector } = request.query;
      return {
        questionnaire: file.content,
        variables: variablesFor({ situation: situation || null, sector: sector || null, schoolName: 'Voorbeeldschool' }),
      };
    },
  );
};
