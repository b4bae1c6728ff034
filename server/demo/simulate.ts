import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { seededRandom } from './data/random';
import { randomAnswers } from './data/random-responses';
import type { DB } from '../db/types';
import { invitationToken } from '../invitations/tokens';
import { readMeta, type QuestionnaireContent, type QuestionnaireVariables } from '../questionnaires';

/**
 * Simulated schools for the demo: each invited school gets a plan (what it will do and when,
 * relative to its invitation or to its reminder), and `step(now)` carries out the plans that are
 * due through the real respondent API, as a browser would. Everything is seeded, so a demo run and
 * its test see the same schools do the same things.
 */

export type Outcome = 'complete' | 'refuse' | 'partial' | 'open' | 'silent';

export interface SchoolPlan {
  invitationId: number;
  outcome: Outcome;
  /** Waits for the reminder before acting (the reminder's effect on the dashboard's chart). */
  afterReminder: boolean;
  /** Days after the invitation (or the reminder) the school acts. */
  delayDays: number;
  /** Index into the questionnaire's branch values (IMAGE: wel, plannen, geen). */
  branchIndex: number;
}

/** Shares of the IMAGE 2023 round: 17% completed; a quarter works together, a sixth has plans. */
export const DEMO_SHARES = { complete: 0.17, afterReminder: 0.35, refuse: 0.03, partial: 0.04, open: 0.08 } as const;
export const DEMO_BRANCH_SHARES = [0.25, 0.15, 0.6] as const;

/** Deterministic plans for the given invitations. */
export function planSchools(invitationIds: number[], seed: number): SchoolPlan[] {
  const rng = seededRandom(seed);
  const exponential = (mean: number, cap: number) => Math.min(cap, -Math.log(1 - rng()) * mean);
  return invitationIds.map((invitationId) => {
    const r = rng();
    let outcome: Outcome = 'silent';
    let edge = DEMO_SHARES.complete;
    if (r < edge) outcome = 'complete';
    else if (r < (edge += DEMO_SHARES.refuse)) outcome = 'refuse';
    else if (r < (edge += DEMO_SHARES.partial)) outcome = 'partial';
    else if (r < (edge += DEMO_SHARES.open)) outcome = 'open';
    const afterReminder = outcome !== 'silent' && rng() < DEMO_SHARES.afterReminder;
    const delayDays = afterReminder ? exponential(2.5, 25) : exponential(2.5, 13);
    const b = rng();
    const branchIndex = b < DEMO_BRANCH_SHARES[0] ? 0 : b < DEMO_BRANCH_SHARES[0] + DEMO_BRANCH_SHARES[1] ? 1 : 2;
    return { invitationId, outcome, afterReminder, delayDays, branchIndex };
  });
}

export interface SimulationFigures {
  opened: number;
  refused: number;
  started: number;
  completed: number;
  /** Requests the API refused unexpectedly (a demo run should have none). */
  failures: number;
}

export interface SimulationOptions {
  roundId: number;
  secret: string;
  invitationIds: number[];
  /** Invitations the simulation leaves alone (the one the newcomer fills in). */
  skip?: number[];
  seed?: number;
  /** Schools acting at the same time within one step. */
  concurrency?: number;
}

interface SurveyPayload {
  state: string;
  questionnaire: QuestionnaireContent;
  variables: Partial<QuestionnaireVariables>;
  revision: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The given answers and the first `count` others, in the order they were answered (a school halfway). */
export function firstAnswers(data: Record<string, unknown>, given: Record<string, unknown>, count: number): Record<string, unknown> {
  const partial: Record<string, unknown> = {};
  let answered = 0;
  for (const [key, value] of Object.entries(data)) {
    if (key in given) partial[key] = value;
    else if (key.endsWith('-Comment')) {
      if (key.slice(0, -'-Comment'.length) in partial) partial[key] = value;
    } else if (answered < count) {
      partial[key] = value;
      answered++;
    }
  }
  return partial;
}

export class DemoSimulation {
  readonly figures: SimulationFigures = { opened: 0, refused: 0, started: 0, completed: 0, failures: 0 };
  readonly #app: FastifyInstance;
  readonly #db: Kysely<DB>;
  readonly #options: SimulationOptions;
  readonly #pending: Map<number, SchoolPlan>;
  readonly #invitedAt = new Map<number, number>();
  readonly #remindedAt = new Map<number, number>();
  readonly #tokens = new Map<number, string>();

  constructor(app: FastifyInstance, db: Kysely<DB>, options: SimulationOptions) {
    this.#app = app;
    this.#db = db;
    this.#options = options;
    const skip = new Set(options.skip ?? []);
    const plans = planSchools(
      options.invitationIds.filter((id) => !skip.has(id)),
      options.seed ?? 2023,
    );
    this.#pending = new Map(plans.filter((p) => p.outcome !== 'silent').map((p) => [p.invitationId, p]));
  }

  /** Plans not yet carried out. */
  get remaining(): number {
    return this.#pending.size;
  }

  /** Carries out every plan that is due at `now`. */
  async step(now: Date): Promise<SimulationFigures> {
    if (this.#pending.size === 0) return this.figures;
    await this.#readMailTimes();
    const due: SchoolPlan[] = [];
    for (const plan of this.#pending.values()) {
      const base = plan.afterReminder ? this.#remindedAt.get(plan.invitationId) : this.#invitedAt.get(plan.invitationId);
      if (base !== undefined && base + plan.delayDays * DAY_MS <= now.getTime()) due.push(plan);
    }
    const concurrency = Math.max(1, this.#options.concurrency ?? 4);
    for (let i = 0; i < due.length; i += concurrency) {
      await Promise.all(due.slice(i, i + concurrency).map((plan) => this.#act(plan)));
    }
    return this.figures;
  }

  async #readMailTimes(): Promise<void> {
    const ids = [...this.#pending.keys()];
    const uninvited = ids.filter((id) => !this.#invitedAt.has(id));
    if (uninvited.length > 0) {
      const rows = await this.#db
        .selectFrom('invitations')
        .select(['id', 'invited_at', 'token_nonce'])
        .where('round_id', '=', this.#options.roundId)
        .where('invited_at', 'is not', null)
        .where('id', 'in', uninvited)
        .execute();
      for (const row of rows) {
        this.#invitedAt.set(row.id, new Date(row.invited_at!).getTime());
        this.#tokens.set(row.id, invitationToken(this.#options.secret, row.token_nonce));
      }
    }
    const waiting = ids.filter((id) => this.#pending.get(id)!.afterReminder && !this.#remindedAt.has(id));
    if (waiting.length > 0) {
      const rows = await this.#db
        .selectFrom('outbox_messages')
        .innerJoin('mailings', 'mailings.id', 'outbox_messages.mailing_id')
        .select(['outbox_messages.invitation_id', 'outbox_messages.sent_at'])
        .where('mailings.round_id', '=', this.#options.roundId)
        .where('mailings.kind', '=', 'reminder')
        .where('outbox_messages.status', '=', 'sent')
        .where('outbox_messages.invitation_id', 'in', waiting)
        .execute();
      for (const row of rows) {
        if (row.invitation_id !== null && row.sent_at) this.#remindedAt.set(row.invitation_id, new Date(row.sent_at).getTime());
      }
    }
  }

  async #act(plan: SchoolPlan): Promise<void> {
    this.#pending.delete(plan.invitationId);
    const token = this.#tokens.get(plan.invitationId);
    if (!token) return;
    // Each school comes from its own address, as real schools do (the API limits per address).
    const remoteAddress = `10.${(plan.invitationId >> 16) & 255}.${(plan.invitationId >> 8) & 255}.${plan.invitationId & 255}`;
    const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
      const response = await this.#app.inject({ method, url, payload: payload as object | undefined, remoteAddress });
      if (response.statusCode !== 200) {
        this.figures.failures++;
        return null;
      }
      return response.json() as SurveyPayload & { revision: number };
    };
    const base = `/api/s/${token}`;
    const survey = await call('GET', base);
    if (!survey) return;
    this.figures.opened++;
    if (plan.outcome === 'open') return;
    const meta = readMeta(survey.questionnaire);
    if (plan.outcome === 'refuse') {
      if (await call('POST', `${base}/consent`, { answer: meta.consent.no })) this.figures.refused++;
      return;
    }
    const consented = await call('POST', `${base}/consent`, { answer: meta.consent.yes });
    if (!consented) return;
    this.figures.started++;
    const given: Record<string, unknown> = { [meta.consent.question]: meta.consent.yes };
    if (meta.branch) given[meta.branch.question] = meta.branch.values[plan.branchIndex] ?? meta.branch.values[0];
    const full = randomAnswers(survey.questionnaire, survey.variables, seededRandom(plan.invitationId), { given });
    const saved = await call('PUT', `${base}/answers`, { data: firstAnswers(full, given, 6), currentPage: 1, revision: consented.revision });
    if (!saved || plan.outcome === 'partial') return;
    const savedFull = await call('PUT', `${base}/answers`, { data: full, currentPage: 2, revision: saved.revision });
    if (!savedFull) return;
    if (await call('POST', `${base}/complete`, { data: full, currentPage: 2, revision: savedFull.revision })) this.figures.completed++;
  }
}
