import type { Kysely, Selectable } from 'kysely';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../crypto';
import type { DB, QuestionnaireVersionsTable } from '../db/types';
import { notFound } from '../errors';
import { readMeta, titleOf, type QuestionnaireContent, type QuestionnaireMeta } from './content';
import { lintQuestionnaire, lintVersions, type LintIssue } from './lint';

/** questionnaires/ at the top of the repository: one `<key>-<version>.json` per questionnaire version. */
export const questionnairesDir = fileURLToPath(new URL('../../questionnaires/', import.meta.url));

/** Questionnaire files are small; anything bigger is a mistake, not a questionnaire. */
export const MAX_QUESTIONNAIRE_BYTES = 1024 * 1024;

export interface QuestionnaireFile {
  /** `<key>-<version>`, the file name without .json: 'image-samenwerking-2023'. */
  id: string;
  file: string;
  title: string;
  /** Parsed JSON, or null when the file is not valid JSON (see `issues`). */
  content: QuestionnaireContent | null;
  /** Null when the metadata block is missing or malformed (see `issues`). */
  meta: QuestionnaireMeta | null;
  /** sha256 of the canonical JSON (see contentSha256), '' when the file does not parse. */
  sha256: string;
  /** Lint problems; a file with any cannot be snapshotted. */
  issues: LintIssue[];
}

export type QuestionnaireVersion = Selectable<QuestionnaireVersionsTable>;

/**
 * JSON with object keys sorted at every level. PostgreSQL's jsonb reorders keys, so the hash is
 * taken over this form: recomputing it from a stored snapshot gives the same value.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function contentSha256(content: unknown): string {
  return sha256(canonicalJson(content));
}

/** Reads and lints one questionnaire file. Never throws for a bad file: the problems are in `issues`. */
export function loadQuestionnaireFile(file: string): QuestionnaireFile {
  const id = path.basename(file).replace(/\.json$/, '');
  const base: QuestionnaireFile = { id, file, title: '', content: null, meta: null, sha256: '', issues: [] };
  const bytes = readFileSync(file);
  if (bytes.length > MAX_QUESTIONNAIRE_BYTES) {
    return { ...base, issues: [{ rule: 'json', where: file, message: `the file is larger than ${MAX_QUESTIONNAIRE_BYTES} bytes` }] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return { ...base, issues: [{ rule: 'json', where: file, message: `not valid JSON: ${(error as Error).message}` }] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ...base, issues: [{ rule: 'json', where: file, message: 'a questionnaire must be a JSON object' }] };
  }
  const content = parsed as QuestionnaireContent;
  const issues = lintQuestionnaire(content);
  let meta: QuestionnaireMeta | null = null;
  try {
    meta = readMeta(content);
  } catch {
    // already reported by the linter
  }
  if (meta && `${meta.key}-${meta.version}` !== id) {
    issues.push({ rule: 'meta', where: 'meetronde', message: `the file must be named ${meta.key}-${meta.version}.json` });
  }
  return { ...base, title: titleOf(content), content, meta, sha256: contentSha256(content), issues };
}

/** Every questionnaire file in `dir`, sorted by id. */
export function loadQuestionnaireFiles(dir: string = questionnairesDir): QuestionnaireFile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadQuestionnaireFile(path.join(dir, f)));
  // A name must mean one question across the versions of a questionnaire (lintVersions).
  const versions = lintVersions(files.filter((f) => f.content !== null).map((f) => ({ id: f.id, content: f.content })));
  return files.map((f) => (versions.has(f.id) ? { ...f, issues: [...f.issues, ...versions.get(f.id)!] } : f));
}

/**
 * The questionnaire files the app offers, read once per process (files change by deployment;
 * a round pins its snapshot anyway). Pass `dir` to read another folder, uncached (tests).
 */
let cached: QuestionnaireFile[] | undefined;
export function listQuestionnaires(dir?: string): QuestionnaireFile[] {
  if (dir !== undefined) return loadQuestionnaireFiles(dir);
  cached ??= loadQuestionnaireFiles();
  return cached;
}

/** One questionnaire file by id ('image-samenwerking-2023'), or a 404 DomainError. */
export function getQuestionnaire(id: string, dir?: string): QuestionnaireFile {
  const found = listQuestionnaires(dir).find((q) => q.id === id);
  if (!found) throw notFound('Deze vragenlijst bestaat niet.');
  return found;
}

export class QuestionnaireLintError extends Error {
  constructor(
    readonly id: string,
    readonly issues: LintIssue[],
  ) {
    super(`questionnaire ${id} has ${issues.length} lint problem(s): ${issues.map((i) => `${i.where}: ${i.message}`).join('; ')}`);
  }
}

/**
 * Snapshots the current file of questionnaire `id` into questionnaire_versions and returns
 * the row: a new row when the content is new, the existing row when the same content (by key
 * and sha256) was snapshotted before. A round stores the row's id, so editing the file later
 * never changes that round. Refuses a file with lint problems.
 */
export async function snapshotVersion(db: Kysely<DB>, id: string, options: { dir?: string } = {}): Promise<QuestionnaireVersion> {
  const questionnaire = getQuestionnaire(id, options.dir);
  if (questionnaire.issues.length > 0 || !questionnaire.meta || !questionnaire.content) {
    throw new QuestionnaireLintError(id, questionnaire.issues);
  }
  const { meta, content } = questionnaire;
  const inserted = await db
    .insertInto('questionnaire_versions')
    .values({
      questionnaire_key: meta.key,
      version: meta.version,
      title: questionnaire.title,
      content: JSON.stringify(content),
      sha256: questionnaire.sha256,
    })
    .onConflict((oc) => oc.columns(['questionnaire_key', 'sha256']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return inserted;
  return db
    .selectFrom('questionnaire_versions')
    .selectAll()
    .where('questionnaire_key', '=', meta.key)
    .where('sha256', '=', questionnaire.sha256)
    .executeTakeFirstOrThrow();
}

/** A stored snapshot by its id, or a 404 DomainError. */
export async function getVersion(db: Kysely<DB>, versionId: number): Promise<QuestionnaireVersion> {
  const row = await db.selectFrom('questionnaire_versions').selectAll().where('id', '=', versionId).executeTakeFirst();
  if (!row) throw notFound('Deze versie van de vragenlijst bestaat niet.');
  return row;
}
