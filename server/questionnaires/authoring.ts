import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ConditionsParser } from 'survey-core';
import { diffQuestionnaires } from './questionnaire-diff';
import type { Comparability } from '../../contract/api/questionnaires';
import { audit } from '../audit';
import type { DB } from '../db/types';
import { badRequest, conflict, notFound } from '../errors';
import { actorTextsOf, readMeta, titleOf, type QuestionnaireContent, type QuestionnaireMeta } from './content';
import { PERSON_ROLE_LABELS, type PersonRole } from '../../contract/vocabulary';
import { lintQuestionnaire, lintVersions, type LintIssue } from './lint';
import { contentSha256, listQuestionnaires, MAX_QUESTIONNAIRE_BYTES, type QuestionnaireVersion } from './registry';
import { checkRoutingWith, describeFailure, settingsFor, variablesOf } from './routing-walk';
import { isLocalImageSource } from './sanitize';
import { variablesFor } from './variables';

/**
 * Questionnaire versions that researchers bring themselves (issue 27): checking a candidate
 * (size, nesting, hostile HTML, expression budget, lint, difference with the previous version,
 * the routing property in the background) and saving it as an immutable, audited row of
 * questionnaire_versions (source 'upload'), selectable for new rounds beside the built-in files.
 *
 * A stored version is referred to as `v<id>`; a built-in file by its file id
 * ('image-samenwerking-2023'), which always holds a dash, so the two never collide.
 */

/** The largest questionnaire text accepted (the same cap as the built-in files). */
export const MAX_UPLOAD_BYTES = MAX_QUESTIONNAIRE_BYTES;
/** Deepest nesting of JSON objects and lists: real questionnaires stay below 15. */
export const MAX_JSON_DEPTH = 40;
/** Longest single expression (visibleIf, expression, …) and deepest nesting of brackets in one. */
export const MAX_EXPRESSION_LENGTH = 2000;
export const MAX_EXPRESSION_NESTING = 20;
export const MAX_EXPRESSIONS = 5000;
/** Wall time for building the model and running every expression once per situation. */
export const EVALUATION_BUDGET_MS = 15_000;

/** A problem with a candidate, in Dutch; `detail` holds the linter's technical text, if any. */
export interface Problem {
  rule: string;
  where: string;
  message: string;
  detail?: string;
}

export const storedRef = (id: number) => `v${id}`;
export function storedIdOf(ref: string): number | null {
  const match = /^v([1-9][0-9]{0,9})$/.exec(ref);
  return match ? Number(match[1]) : null;
}

// ------------------------------------------------------------------------------------------------
// Reading the candidate

/** Deepest nesting of a JSON text, read without parsing it (strings skipped). */
export function jsonDepth(text: string, stopAt = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAt) return max;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

export type Parsed = { ok: true; content: QuestionnaireContent } | { ok: false; problems: Problem[] };

/** Size, nesting and JSON syntax: what must hold before anything else reads the candidate. */
export function parseCandidate(text: string): Parsed {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_UPLOAD_BYTES) {
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1).replace('.', ',');
    return refuse('size', `De vragenlijst is te groot: ${mb(bytes)} MB, de grens is ${mb(MAX_UPLOAD_BYTES)} MB. Een vragenlijst is zelden groter dan 100 kB; controleer of u het goede bestand kiest.`);
  }
  if (text.trim() === '') return refuse('json', 'De vragenlijst is leeg.');
  const depth = jsonDepth(text, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    return refuse('depth', `De JSON is te diep genest (meer dan ${MAX_JSON_DEPTH} niveaus). Een vragenlijst heeft er hooguit een stuk of tien; dit bestand wordt niet gelezen.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return refuse('json', `Dit is geen geldige JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return refuse('json', 'Een vragenlijst moet een JSON-object zijn ({ … }).');
  return { ok: true, content: parsed as QuestionnaireContent };
}

function refuse(rule: string, message: string): Parsed {
  return { ok: false, problems: [{ rule, where: '', message }] };
}

// ------------------------------------------------------------------------------------------------
// Hostile content

const DANGEROUS_ELEMENTS = /<\s*(script|iframe|frame|frameset|object|embed|applet|link|meta|base|form|input|button|textarea|select|style|svg|math|template|portal)\b/i;
const EVENT_HANDLER = /<[^>]*\s(on[a-z]+)\s*=/i;
const SCRIPT_URL = /(?:href|src|action|formaction|xlink:href|data|poster|background)\s*=\s*["']?\s*(?:javascript|vbscript|data:text\/html)\s*:?/i;
const IMG_SRC = /<\s*img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const CSS_URL = /url\s*\(\s*["']?\s*(?:https?:)?\/\//i;
/** SurveyJS properties that load an image. */
const IMAGE_KEYS = new Set(['imageLink', 'logo', 'backgroundImage']);

function pathText(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function isExpressionKey(key: string): boolean {
  return key.endsWith('If') || key === 'expression' || key.endsWith('Expression');
}

/** Nesting of brackets in an expression, outside quotes. */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | null = null;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') max = Math.max(max, ++depth);
    else if (c === ')' || c === ']') depth--;
  }
  return max;
}

/**
 * Everything in a candidate that would run, load or track something: scripts, event handlers,
 * script URLs, frames and forms in HTML; images from other sites (in HTML or image properties);
 * expressions too long or too deeply nested to evaluate safely. Refused with the place and why.
 */
export function hostileProblems(content: QuestionnaireContent): Problem[] {
  const problems: Problem[] = [];
  let expressions = 0;
  const where = (path: Array<string | number>) => pathText(path);
  const seen = new Set<string>();
  const add = (rule: string, path: Array<string | number>, message: string) => {
    const key = `${rule}\u0000${where(path)}\u0000${message}`;
    if (seen.has(key) || problems.length >= 50) return;
    seen.add(key);
    problems.push({ rule, where: where(path), message });
  };
  const visit = (value: unknown, path: Array<string | number>, key: string) => {
    if (typeof value === 'string') {
      if (value.includes('<')) {
        const element = DANGEROUS_ELEMENTS.exec(value);
        if (element) add('html', path, `Bevat een <${element[1]!.toLowerCase()}>-element. Scripts, frames, formulieren en stijlblokken zijn niet toegestaan in vragenlijstteksten.`);
        const handler = EVENT_HANDLER.exec(value);
        if (handler) add('html', path, `Bevat een event-handler (${handler[1]!.toLowerCase()}=…). Code in een vragenlijst wordt niet uitgevoerd en is niet toegestaan.`);
        for (const match of value.matchAll(IMG_SRC)) {
          const src = match[1] ?? match[2] ?? match[3] ?? '';
          if (!isLocalImageSource(src)) add('image', path, `Bevat een afbeelding van buiten deze site (${src.slice(0, 80)}). Afbeeldingen van andere sites zijn niet toegestaan: ze laten die site meekijken wie de vragenlijst opent. Zet de afbeelding in de vragenlijst zelf (data:image/…).`);
        }
      }
      if (SCRIPT_URL.test(value)) add('html', path, 'Bevat een javascript:- of data:text/html-adres. Code in een vragenlijst is niet toegestaan.');
      if (CSS_URL.test(value)) add('image', path, 'Laadt iets van een andere site via url(…). Dat is niet toegestaan.');
      if (IMAGE_KEYS.has(key) && value.trim() !== '' && !isLocalImageSource(value)) {
        add('image', path, `Verwijst naar een afbeelding van buiten deze site (${value.slice(0, 80)}). Gebruik een afbeelding in de vragenlijst zelf (data:image/…).`);
      }
      if (isExpressionKey(key)) {
        expressions += 1;
        if (value.length > MAX_EXPRESSION_LENGTH) add('expression', path, `Deze expressie is ${value.length} tekens lang; de grens is ${MAX_EXPRESSION_LENGTH}.`);
        else if (bracketDepth(value) > MAX_EXPRESSION_NESTING) add('expression', path, `Deze expressie is te diep genest (meer dan ${MAX_EXPRESSION_NESTING} haakjes in elkaar).`);
        else {
          let parsed: unknown = null;
          try {
            parsed = new ConditionsParser().parseExpression(value);
          } catch {
            parsed = null;
          }
          if (!parsed && value.trim() !== '') add('expression', path, `Deze expressie is niet te lezen: ${value.slice(0, 120)}`);
        }
      }
    } else if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...path, i], key));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, [...path, k], k);
    }
  };
  visit(content, [], '');
  if (expressions > MAX_EXPRESSIONS) problems.push({ rule: 'expression', where: '', message: `De vragenlijst heeft ${expressions} expressies; de grens is ${MAX_EXPRESSIONS}.` });
  return problems;
}

/** The invitation variables of every situation and sector the questionnaire can be answered in. */
function evaluationSettings(content: QuestionnaireContent): Array<Record<string, string>> {
  try {
    return settingsFor(content).map((s) => ({ ...variablesOf(s), ...actorTextsOf(content, s.actor) }));
  } catch {
    return [{ ...variablesFor({ situation: null, sector: 'po', schoolName: 'Voorbeeldschool' }) }];
  }
}

/**
 * Builds the survey-core model and runs every expression (by answering each question once) in a
 * worker thread, ended after `budgetMs`: an expression that does not finish in time refuses the
 * questionnaire instead of holding up the server or, later, a school's browser.
 */
export function evaluationProblem(content: QuestionnaireContent, budgetMs = EVALUATION_BUDGET_MS): Promise<Problem | null> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./evaluate-worker.mjs', import.meta.url), {
      workerData: { content, settings: evaluationSettings(content) },
      resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 4 },
    });
    let settled = false;
    const finish = (problem: Problem | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(problem);
    };
    const timer = setTimeout(
      () =>
        finish({
          rule: 'budget',
          where: '',
          message: `De expressies van deze vragenlijst zijn niet binnen ${Math.round(budgetMs / 1000)} seconden door te rekenen. Een vragenlijst die zo zwaar is, loopt ook bij een school vast; vereenvoudig de voorwaarden en berekeningen.`,
        }),
      budgetMs,
    );
    worker.once('message', () => finish(null));
    worker.once('error', (error) => finish({ rule: 'budget', where: '', message: `SurveyJS kan deze vragenlijst niet opbouwen: ${error.message.slice(0, 200)}` }));
    worker.once('exit', (code) => finish(code === 0 ? null : { rule: 'budget', where: '', message: 'SurveyJS kan deze vragenlijst niet opbouwen (de controle werd afgebroken).' }));
  });
}

// ------------------------------------------------------------------------------------------------
// Lint in Dutch

const RULE_LABELS: Record<string, string> = {
  json: 'Geen geldige vragenlijst',
  meta: 'Het meetronde-blok (sleutel, versie, toestemmingsvraag, variabelen) klopt niet',
  structure: 'De opbouw van de vragenlijst klopt niet',
  surveyjs: 'SurveyJS kent een eigenschap niet',
  unsupported: 'Dit vraagtype wordt niet ondersteund',
  names: 'Een vraagnaam ontbreekt, is dubbel of ongeldig',
  spss: 'Een vraagnaam is geen geldige SPSS-variabelenaam',
  choices: 'Antwoordopties kloppen niet',
  values: 'Waarden kloppen niet',
  types: 'Het vraagtype past niet',
  refs: 'Een voorwaarde verwijst naar een vraag die niet bestaat',
  expression: 'Een voorwaarde of berekening is niet te lezen',
  reachable: 'Een vraag of pagina is voor niemand bereikbaar',
  guard: 'Een voorwaarde leest een antwoord dat verborgen kan zijn',
  limits: 'Een tekstgrens klopt niet',
  locale: 'De taal klopt niet',
  texts: 'Een tekst ontbreekt',
  pages: 'De pagina-indeling klopt niet',
  versions: 'Dezelfde vraagnaam betekent in een andere versie een andere vraag',
};

export function lintInDutch(issues: LintIssue[]): Problem[] {
  return issues.map((issue) => ({
    rule: issue.rule,
    where: issue.where,
    message: `${RULE_LABELS[issue.rule] ?? 'Controle mislukt'}${issue.where ? ` (${issue.where})` : ''}.`,
    detail: issue.message,
  }));
}

// ------------------------------------------------------------------------------------------------
// Versions: built-in files and stored uploads

export interface VersionEntry {
  ref: string;
  key: string | null;
  version: string | null;
  title: string;
  sha256: string;
  source: 'file' | 'upload';
  createdAt: string | null;
  createdBy: string | null;
  basedOn: string | null;
  problems: number;
}

/** Numeric-aware order of version labels: '2022' < '2023' < '2023.1' < '2024'. */
export const compareVersions = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

async function uploads(db: Kysely<DB>, key?: string) {
  let query = db
    .selectFrom('questionnaire_versions as qv')
    .leftJoin('users as u', 'u.id', 'qv.created_by')
    .select(['qv.id', 'qv.questionnaire_key', 'qv.version', 'qv.title', 'qv.sha256', 'qv.created_at', 'qv.based_on', 'u.name as created_by_name'])
    .where('qv.source', '=', 'upload');
  if (key) query = query.where('qv.questionnaire_key', '=', key);
  return query.orderBy('qv.id').execute();
}

/** The built-in files and the uploaded versions, by key and version. */
export async function listVersions(db: Kysely<DB>): Promise<VersionEntry[]> {
  const files: VersionEntry[] = listQuestionnaires().map((f) => ({
    ref: f.id,
    key: f.meta?.key ?? null,
    version: f.meta?.version ?? null,
    title: f.title,
    sha256: f.sha256,
    source: 'file',
    createdAt: null,
    createdBy: null,
    basedOn: null,
    problems: f.issues.length,
  }));
  const stored: VersionEntry[] = (await uploads(db)).map((r) => ({
    ref: storedRef(r.id),
    key: r.questionnaire_key,
    version: r.version,
    title: r.title,
    sha256: r.sha256,
    source: 'upload',
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by_name ?? null,
    basedOn: r.based_on === null ? null : storedRef(r.based_on),
    problems: 0,
  }));
  return [...files, ...stored].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? '') || compareVersions(a.version ?? '', b.version ?? ''));
}

export interface ResolvedVersion {
  ref: string;
  title: string;
  key: string;
  version: string;
  content: QuestionnaireContent;
  /** The stored row's id when the version is in the database. */
  storedId: number | null;
}

/** A built-in file by id or any stored version by `v<id>`, with its content; 404 otherwise. */
export async function resolveVersion(db: Kysely<DB>, ref: string): Promise<ResolvedVersion> {
  const id = storedIdOf(ref);
  if (id !== null) {
    const row = await db.selectFrom('questionnaire_versions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Deze versie van de vragenlijst bestaat niet.');
    return { ref, title: row.title, key: row.questionnaire_key, version: row.version, content: row.content as QuestionnaireContent, storedId: row.id };
  }
  const file = listQuestionnaires().find((f) => f.id === ref);
  if (!file || !file.content || !file.meta) throw notFound('Deze vragenlijst bestaat niet.');
  return { ref, title: file.title, key: file.meta.key, version: file.meta.version, content: file.content, storedId: null };
}

/** All versions of one questionnaire (files and uploads), with content. */
async function versionsOf(db: Kysely<DB>, key: string): Promise<ResolvedVersion[]> {
  const out: ResolvedVersion[] = [];
  for (const f of listQuestionnaires()) {
    if (f.meta?.key === key && f.content) out.push({ ref: f.id, title: f.title, key, version: f.meta.version, content: f.content, storedId: null });
  }
  const rows = await db.selectFrom('questionnaire_versions').selectAll().where('source', '=', 'upload').where('questionnaire_key', '=', key).execute();
  for (const r of rows) out.push({ ref: storedRef(r.id), title: r.title, key, version: r.version, content: r.content as QuestionnaireContent, storedId: r.id });
  return out;
}

// ------------------------------------------------------------------------------------------------
// The check

const COMPARABILITY_LABELS: Record<Comparability, string> = {
  same: 'gelijk',
  comparable: 'vergelijkbaar',
  partly: 'deels vergelijkbaar (antwoordopties verschillen)',
  not: 'niet vergelijkbaar',
};

export interface DiffSummary {
  previous: { ref: string; title: string; version: string };
  added: Array<{ name: string; title: string }>;
  removed: Array<{ name: string; title: string }>;
  changed: Array<{ name: string; title: string; changes: string[]; comparability: string }>;
  unchanged: number;
  comparable: string[];
  notComparable: string[];
}

function summarizeDiff(previous: ResolvedVersion, content: QuestionnaireContent): DiffSummary {
  const diff = diffQuestionnaires(previous.content, content);
  const comparable = new Set(diff.comparable);
  return {
    previous: { ref: previous.ref, title: previous.title, version: previous.version },
    added: diff.added.map((q) => ({ name: q.name, title: q.title })),
    removed: diff.removed.map((q) => ({ name: q.name, title: q.title })),
    changed: diff.changed.map((c) => ({ name: c.name, title: c.title, changes: c.changes, comparability: COMPARABILITY_LABELS[c.comparability] })),
    unchanged: diff.unchanged.length,
    comparable: diff.comparable,
    notComparable: diff.changed.filter((c) => !comparable.has(c.name)).map((c) => c.name),
  };
}

export interface CandidateCheck {
  ok: boolean;
  /** Refusals (size, nesting, hostile content, expression budget) and lint problems, in Dutch. */
  problems: Problem[];
  key: string | null;
  version: string | null;
  title: string;
  sha256: string;
  diff: DiffSummary | null;
  /** A note about the previous version (none found, …). */
  diffNote: string | null;
  content: QuestionnaireContent | null;
  meta: QuestionnaireMeta | null;
}

/**
 * Everything that must hold before a candidate may be saved, except the routing property (which
 * runs in the background, see startRoutingCheck). Never throws for a bad candidate.
 */
export async function checkCandidate(db: Kysely<DB>, text: string, options: { budgetMs?: number; evaluated?: boolean } = {}): Promise<CandidateCheck> {
  const empty = { key: null, version: null, title: '', sha256: '', diff: null, diffNote: null, content: null, meta: null };
  const parsed = parseCandidate(text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems, ...empty };
  const content = parsed.content;
  const hostile = hostileProblems(content);
  if (hostile.length > 0) return { ok: false, problems: hostile, ...empty, title: titleOf(content) };
  const budget = options.evaluated ? null : await evaluationProblem(content, options.budgetMs);
  if (budget) return { ok: false, problems: [budget], ...empty, title: titleOf(content) };

  const problems = lintInDutch(lintQuestionnaire(content));
  let meta: QuestionnaireMeta | null = null;
  try {
    meta = readMeta(content);
  } catch {
    // reported by the linter ('meta')
  }
  const sha256 = contentSha256(content);
  const result: CandidateCheck = { ok: false, problems, key: meta?.key ?? null, version: meta?.version ?? null, title: titleOf(content), sha256, diff: null, diffNote: null, content, meta };
  if (!meta) return result;

  const others = await versionsOf(db, meta.key);
  const same = others.find((o) => o.version === meta.version);
  if (same) {
    if (contentSha256(same.content) === sha256) problems.push({ rule: 'version', where: 'meetronde.version', message: `Deze versie is al opgeslagen als ${same.ref}; er is niets gewijzigd.` });
    else problems.push({ rule: 'version', where: 'meetronde.version', message: `Versie ${meta.version} van ${meta.key} bestaat al (${same.ref}). Een opgeslagen versie verandert nooit: geef deze een nieuw versienummer (bijvoorbeeld ${meta.version}.1).` });
  }
  const candidateId = `${meta.key}-${meta.version} (nieuw)`;
  const crossVersion = lintVersions([...others.filter((o) => o !== same).map((o) => ({ id: o.ref, content: o.content })), { id: candidateId, content }]);
  problems.push(...lintInDutch(crossVersion.get(candidateId) ?? []));

  const earlier = others.filter((o) => compareVersions(o.version, meta.version) < 0).sort((a, b) => compareVersions(a.version, b.version));
  const previous = earlier.at(-1) ?? null;
  if (previous) result.diff = summarizeDiff(previous, content);
  else result.diffNote = others.length ? 'Er is geen eerdere versie van deze vragenlijst (alle andere versies hebben een hoger versienummer).' : 'Dit is de eerste versie van deze vragenlijst.';
  result.ok = problems.length === 0;
  return result;
}

// ------------------------------------------------------------------------------------------------
// The routing check, in the background

export interface RoutingJob {
  id: string;
  userId: number;
  sha256: string;
  status: 'running' | 'passed' | 'failed' | 'error';
  done: number;
  total: number;
  message: string;
  failure: string | null;
  startedAt: number;
  finishedAt: number | null;
  cancelled: boolean;
}

const jobs = new Map<string, RoutingJob>();
/** Finished checks are kept this long, so a save can refer to them. */
const JOB_TTL_MS = 30 * 60_000;
const MAX_RUNNING = 4;

/** How many random answer sequences a check walks: ROUTING_CHECK_SEQUENCES overrides (tests keep it small). */
export function routingCheckSequences(): number {
  const configured = Number(process.env.ROUTING_CHECK_SEQUENCES);
  return Number.isInteger(configured) && configured > 0 ? configured : 500;
}

function prune(now: number): void {
  for (const [id, job] of jobs) if (job.finishedAt !== null && now - job.finishedAt > JOB_TTL_MS) jobs.delete(id);
}

/**
 * Starts the routing property (random answer sequences on the real survey-core model, going back
 * and changing answers; see routing-walk.ts) for a checked candidate. One running check per user:
 * a new one cancels the previous.
 */
export function startRoutingCheck(content: QuestionnaireContent, userId: number, options: { sequences?: number; seed?: number } = {}): RoutingJob {
  const now = Date.now();
  prune(now);
  for (const job of jobs.values()) if (job.userId === userId && job.status === 'running') job.cancelled = true;
  const running = [...jobs.values()].filter((j) => j.status === 'running' && !j.cancelled).length;
  if (running >= MAX_RUNNING) throw conflict('busy', 'Er lopen al te veel routeringscontroles. Probeer het over een minuut opnieuw.');
  const total = options.sequences ?? routingCheckSequences();
  const job: RoutingJob = {
    id: randomUUID(),
    userId,
    sha256: contentSha256(content),
    status: 'running',
    done: 0,
    total,
    message: 'De routering wordt gecontroleerd…',
    failure: null,
    startedAt: now,
    finishedAt: null,
    cancelled: false,
  };
  jobs.set(job.id, job);
  let state = (options.seed ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
  const random = () => {
    // mulberry32, seeded per check
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  void (async () => {
    // Start after the reply is sent.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const result = await checkRoutingWith(content, {
        random,
        count: total,
        onProgress: (done) => {
          job.done = done;
        },
        cancelled: () => job.cancelled,
      });
      job.done = result.sequences;
      if (job.cancelled) {
        job.status = 'error';
        job.message = 'Deze controle is gestopt: er is een nieuwere gestart.';
      } else if (result.shrunk) {
        job.status = 'failed';
        job.message = 'De routering klopt niet: met deze antwoorden (ook na teruggaan en wijzigen) loopt een school vast, of telt een verborgen antwoord mee.';
        job.failure = describeFailure(result.shrunk);
      } else if (result.possible.actors.some((actor) => !result.coverage.actors.has(actor))) {
        // A version for an actor group that no walk reached was never checked: not passed.
        const missing = result.possible.actors.filter((actor) => !result.coverage.actors.has(actor));
        job.status = 'failed';
        job.message = `De routering is niet voor elke groep respondenten gecontroleerd (niet bereikt: ${missing.map((a) => PERSON_ROLE_LABELS[a as PersonRole] ?? a).join(', ')}). Controleer opnieuw.`;
      } else {
        job.status = 'passed';
        job.message = `De routering klopt: ${result.sequences} willekeurige reeksen antwoorden (met teruggaan en wijzigen), ${result.states} verschillende routes, geen school loopt vast.`;
      }
    } catch (error) {
      job.status = 'error';
      job.message = `De routeringscontrole kon niet worden uitgevoerd: ${(error as Error).message.slice(0, 200)}`;
    }
    job.finishedAt = Date.now();
  })();
  return job;
}

export function getRoutingJob(id: string, userId: number): RoutingJob {
  const job = jobs.get(id);
  if (!job || job.userId !== userId) throw notFound('Deze controle bestaat niet (meer). Controleer de vragenlijst opnieuw.');
  return job;
}

// ------------------------------------------------------------------------------------------------
// Saving

/** A candidate that passed every check, ready to be stored (`storeCandidate`). */
export interface CheckedCandidate {
  check: CandidateCheck & { meta: NonNullable<CandidateCheck['meta']>; content: NonNullable<CandidateCheck['content']> };
  basedOn: { ref: string | null; storedId: number | null };
  bytes: number;
  routingSequences: number;
}

/**
 * The checks before a candidate is saved as a new, immutable version: it is refused unless every
 * check passes, including a finished, passed routing check of exactly this content (by this
 * user). Reads only, outside a transaction: the checks take a while.
 */
export async function checkForSaving(
  db: Kysely<DB>,
  input: { text: string; routingCheck: string; basedOn?: string | null },
  actor: { id: number },
): Promise<CheckedCandidate> {
  const notValid = (problems: Problem[]) => badRequest('questionnaire_not_valid', 'Deze vragenlijst kan niet worden opgeslagen: los eerst de problemen op.', { problems });
  // The cheap refusals first; a candidate with a passed routing check has passed the expression
  // budget already (the check runs only after it), so that is not run again.
  const parsed = parseCandidate(input.text);
  if (!parsed.ok) throw notValid(parsed.problems);
  const hostile = hostileProblems(parsed.content);
  if (hostile.length > 0) throw notValid(hostile);
  const job = jobs.get(input.routingCheck);
  if (!job || job.userId !== actor.id || job.sha256 !== contentSha256(parsed.content)) {
    throw badRequest('routing_not_checked', 'Controleer eerst de routering van precies deze versie (de tekst is sinds de controle gewijzigd, of de controle is verlopen).');
  }
  if (job.status === 'running') throw conflict('routing_running', 'De routeringscontrole loopt nog. Wacht tot hij klaar is.');
  if (job.status !== 'passed') throw badRequest('routing_failed', 'De routeringscontrole is niet geslaagd; deze versie kan niet worden opgeslagen.');
  const check = await checkCandidate(db, input.text, { evaluated: true });
  if (!check.ok || !check.meta || !check.content) throw notValid(check.problems);
  const basedOn = input.basedOn ? (await resolveVersion(db, input.basedOn)).storedId : null;
  return {
    check: { ...check, meta: check.meta, content: check.content },
    basedOn: { ref: input.basedOn ?? null, storedId: basedOn },
    bytes: Buffer.byteLength(input.text, 'utf8'),
    routingSequences: job.done,
  };
}

/** Stores a checked candidate (`checkForSaving`) as a new version, audited with its sha256. In the caller's transaction. */
export async function storeCandidate(trx: Kysely<DB>, candidate: CheckedCandidate, actor: { id: number; email: string }, now: Date): Promise<QuestionnaireVersion> {
  const { check } = candidate;
  const row = await trx
    .insertInto('questionnaire_versions')
    .values({
      questionnaire_key: check.meta.key,
      version: check.meta.version,
      title: check.title,
      content: JSON.stringify(check.content),
      sha256: check.sha256,
      source: 'upload',
      created_by: actor.id,
      based_on: candidate.basedOn.storedId,
    })
    .onConflict((oc) => oc.columns(['questionnaire_key', 'sha256']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw conflict('questionnaire_exists', 'Precies deze vragenlijst is al opgeslagen.');
  await audit(trx, actor, now, 'questionnaire.version_saved', `questionnaire_version:${row.id}`, {
    key: row.questionnaire_key,
    version: row.version,
    sha256: row.sha256,
    bytes: candidate.bytes,
    basedOn: candidate.basedOn.ref,
    routingSequences: candidate.routingSequences,
  });
  return row;
}

