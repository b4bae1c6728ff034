import type { Answers, QuestionnaireJson } from '../shared/survey/model';

/**
 * The respondent API as docs/respondent-api.md describes it; its shapes come from the contract
 * (types only: no schema code enters the respondent's bundle). The page keeps its own fetch below
 * rather than the admin's `call()`: saves sent while the page closes need `keepalive`, and a 404
 * is an answer here (the link is closed), not an error.
 */
import type { QuestionError, Saved, Stale, SurveyChange, SurveyPayload, SurveyState } from '../../contract/api/responses';

export type { QuestionError, Saved, Stale, SurveyPayload, SurveyState };

export type LoadResult =
  | { kind: 'survey'; survey: SurveyPayload }
  | { kind: 'not_open'; studyName: string; opensAt: string | null }
  | { kind: 'closed' };

/** The server could not be reached, or answered with an error a retry may cure (5xx, 429). */
export class Unreachable extends Error {}

/** Any other refusal: the server's Dutch message. */
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function tokenFromPath(pathname = window.location.pathname): string {
  const match = /^\/s\/([^/?#]+)/.exec(pathname);
  if (!match) return '';
  try {
    return encodeURIComponent(decodeURIComponent(match[1]!));
  } catch {
    return encodeURIComponent(match[1]!);
  }
}

async function call(method: string, url: string, body?: unknown, keepalive = false): Promise<{ status: number; body: Record<string, unknown> }> {
  const json = body === undefined ? undefined : JSON.stringify(body);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: json === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: json,
      credentials: 'same-origin',
      cache: 'no-store',
      // A save sent while the page closes must outlive it; browsers cap keepalive bodies at 64 KiB.
      keepalive: keepalive && (json?.length ?? 0) < 60_000,
    });
  } catch {
    throw new Unreachable('network');
  }
  let parsed: unknown;
  try {
    const text = await response.text();
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = {};
  }
  const result = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  if (response.status >= 500 || response.status === 429) throw new Unreachable(`http ${response.status}`);
  return { status: response.status, body: result };
}

function refused(status: number, body: Record<string, unknown>): Refused {
  const code = typeof body.error === 'string' ? body.error : typeof body.state === 'string' ? body.state : `http_${status}`;
  const message = typeof body.message === 'string' ? body.message : `Er ging iets mis (${status}).`;
  return new Refused(status, code, message, body);
}

/**
 * The questionnaire request, started by the entry before React renders (main.tsx), so it runs
 * while the page is being built; the first load() takes it over. Used once. The server's HTML
 * preloads the same URL (`<link rel="preload" as="fetch" crossorigin>`, server/client-assets.ts),
 * sent with the HTML's first bytes; this fetch (GET, mode cors, credentials same-origin, no
 * keepalive: what the preload is matched on) is answered from it rather than sent again.
 */
let prefetched: { token: string; response: Promise<{ status: number; body: Record<string, unknown> }> } | null = null;

export function prefetchLoad(token: string): void {
  if (!token || prefetched) return;
  const response = call('GET', `/api/s/${token}`);
  // Failures are seen by load(), which awaits this promise; none may go unhandled before it does.
  response.catch(() => {});
  prefetched = { token, response };
}

export class RespondentApi {
  /**
   * The questionnaire of the last load: consent and completion answer without it (SurveyChange),
   * since a round's questionnaire does not change while the page is open.
   */
  private questionnaire: SurveyPayload['questionnaire'] = {};

  constructor(private readonly token: string) {}

  private withQuestionnaire(body: Record<string, unknown>): SurveyPayload {
    const change = body as unknown as SurveyChange & { questionnaire?: SurveyPayload['questionnaire'] };
    return { ...change, questionnaire: change.questionnaire ?? this.questionnaire };
  }

  private url(suffix = ''): string {
    return `/api/s/${this.token}${suffix}`;
  }

  async load(): Promise<LoadResult> {
    if (!this.token) return { kind: 'closed' };
    const early = prefetched?.token === this.token ? prefetched.response : null;
    if (early) prefetched = { token: '', response: early };
    const { status, body } = await (early ?? call('GET', this.url()));
    if (status === 404 || body.state === 'closed') return { kind: 'closed' };
    if (status !== 200) throw refused(status, body);
    if (body.state === 'not_open') {
      const study = body.study as { name?: unknown } | undefined;
      return {
        kind: 'not_open',
        studyName: typeof study?.name === 'string' ? study.name : '',
        opensAt: typeof body.opensAt === 'string' ? body.opensAt : null,
      };
    }
    const survey = body as unknown as SurveyPayload;
    this.questionnaire = survey.questionnaire;
    return { kind: 'survey', survey };
  }

  async consent(answer: string): Promise<SurveyPayload | 'closed'> {
    const { status, body } = await call('POST', this.url('/consent'), { answer });
    if (status === 404) return 'closed';
    if (status !== 200) throw refused(status, body);
    return this.withQuestionnaire(body);
  }

  async save(data: Answers, currentPage: number, revision: number, keepalive = false): Promise<Saved | Stale> {
    const { status, body } = await call('PUT', this.url('/answers'), { data, currentPage, revision }, keepalive);
    if (status === 200) return body as unknown as Saved;
    if (status === 409 && body.error === 'stale') return body as unknown as Stale;
    throw refused(status, body);
  }

  async complete(data: Answers, currentPage: number, revision: number): Promise<
    { kind: 'completed'; survey: SurveyPayload } | { kind: 'invalid'; message: string; errors: QuestionError[] } | { kind: 'stale'; stale: Stale }
  > {
    const { status, body } = await call('POST', this.url('/complete'), { data, currentPage, revision });
    if (status === 200) return { kind: 'completed', survey: this.withQuestionnaire(body) };
    if (status === 422) {
      const errors = Array.isArray(body.errors) ? (body.errors as QuestionError[]) : [];
      return { kind: 'invalid', message: typeof body.message === 'string' ? body.message : 'Niet alle antwoorden zijn in orde.', errors };
    }
    if (status === 409 && body.error === 'stale') return { kind: 'stale', stale: body as unknown as Stale };
    throw refused(status, body);
  }
}
