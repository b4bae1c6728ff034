// Linked variables on pupil rows in the person exports (issue 19, "linking informants"): the
// class's teacher answers, the school's answers and imported external scores (e.g. LVS). Each source
// returns columns keyed by the pupil's person id; the person export (long and wide) appends them.
import type { Kysely } from 'kysely';
import type { DB, SchoolKind, Situation, SwvSector } from '../db/types';
import { readMeta, variablesFor, type QuestionnaireContent, type QuestionnaireVariables } from '../questionnaires';
import { answerColumns, answerValues, VisibilityEvaluator, type AnswerColumn } from '../questionnaires/columns';

export interface LinkedColumn {
  /** Variable name in the export (SPSS-safe: letter first, [A-Za-z0-9_], at most 64 characters). */
  name: string;
  /** Dutch label for the codebook and the .sav variable label. */
  label: string;
  kind: 'numeric' | 'string';
  /** Value per pupil (persons.id); a pupil without a value is missing. */
  values: Map<number, string | number | null>;
}

/**
 * Every linked column of a person round, in export order:
 *
 * 1. `lk_…`: the teacher answers about the pupil's class (`teacher_responses`, completed only).
 *    `lk_leerkrachten` is the number of teachers who completed the questionnaire about the
 *    class; when there are several, the answers are those of the teacher who completed first
 *    (a pupil row has one value per variable). Answer columns as in the school export
 *    (`answerColumns`): a single choice one numeric column, a multiple choice a 0/1 column per
 *    option, a matrix a column per row, with -9 not asked / -8 not answered.
 * 2. `sch_…`: the school's answers, from the completed response of the pupil's school location
 *    in the round's linked school round (`person_rounds.linked_school_round_id`, a school round
 *    of the same schools, chosen by the admin). Not the coordinator: the coordinator registers
 *    classes and answers no questionnaire.
 * 3. `ext_…`: external scores imported by pupil code (`person_external_scores`,
 *    `external-scores.ts`); numeric unless the variable was imported as text.
 */
export async function linkedColumns(db: Kysely<DB>, roundId: number): Promise<LinkedColumn[]> {
  const settings = await db
    .selectFrom('person_rounds')
    .select(['teacher_questionnaire_version_id', 'linked_school_round_id'])
    .where('round_id', '=', roundId)
    .executeTakeFirst();
  if (!settings) return [];
  const names = new Set<string>();
  return [
    ...(await teacherColumns(db, roundId, settings.teacher_questionnaire_version_id, names)),
    ...(await schoolColumns(db, roundId, settings.linked_school_round_id, names)),
    ...(await externalColumns(db, roundId, names)),
  ];
}

/** An SPSS-safe, unique variable name: prefix + name, [A-Za-z0-9_], at most 64 characters. */
export function linkedName(prefix: string, name: string, taken: Set<string>): string {
  const base = `${prefix}${name.replace(/[^A-Za-z0-9_]+/g, '_')}`.slice(0, 64);
  let candidate = base;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${base.slice(0, 64 - String(n).length - 1)}_${n}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

interface Source {
  data: Record<string, unknown>;
  variables: QuestionnaireVariables;
}

/** Answer columns of a questionnaire, filled per pupil from the source that pupil links to. */
function answerLinked(content: unknown, prefix: string, labelPrefix: string, pupilSource: Map<number, Source>, taken: Set<string>): LinkedColumn[] {
  const meta = readMeta(content);
  const columns: AnswerColumn[] = answerColumns(content as QuestionnaireContent, {}, { consentQuestion: meta.consent.question });
  const evaluator = new VisibilityEvaluator(columns);
  const out: LinkedColumn[] = columns.map((c) => ({
    name: linkedName(prefix, c.name, taken),
    label: `${labelPrefix}: ${c.label}`.slice(0, 250),
    kind: c.kind === 'text' || c.kind === 'other-text' ? 'string' : 'numeric',
    values: new Map(),
  }));
  // Pupils of one class (or school) share a source: compute its values once.
  const cache = new Map<Source, Array<string | number | null>>();
  for (const [personId, source] of pupilSource) {
    let values = cache.get(source);
    if (!values) {
      const asked = evaluator.askedColumns(source.data, source.variables);
      values = answerValues(columns, source.data, asked).map((v, i) => {
        // A text question with inputType number holds a number.
        const raw = source.data[columns[i]!.question];
        return columns[i]!.kind === 'text' && v === '' && typeof raw === 'number' && asked[i] ? String(raw) : v;
      });
      cache.set(source, values);
    }
    values.forEach((v, i) => out[i]!.values.set(personId, v));
  }
  return out;
}

async function teacherColumns(db: Kysely<DB>, roundId: number, versionId: number | null, taken: Set<string>): Promise<LinkedColumn[]> {
  if (versionId === null) return [];
  const version = await db.selectFrom('questionnaire_versions').select('content').where('id', '=', versionId).executeTakeFirstOrThrow();
  const responses = await db
    .selectFrom('teacher_responses as tr')
    .innerJoin('persons as t', 't.id', 'tr.person_id')
    .innerJoin('person_sites as s', 's.id', 't.site_id')
    .innerJoin('invitations as i', 'i.id', 's.invitation_id')
    .select(['tr.class_id', 'tr.data', 'i.school_name'])
    .where('t.round_id', '=', roundId)
    .where('t.role', '=', 'teacher')
    .where('tr.completed_at', 'is not', null)
    .orderBy('tr.completed_at')
    .orderBy('tr.person_id')
    .execute();
  const byClass = new Map<number, { source: Source; teachers: number }>();
  for (const r of responses) {
    const entry = byClass.get(r.class_id);
    if (entry) entry.teachers++;
    else byClass.set(r.class_id, { source: { data: (r.data ?? {}) as Record<string, unknown>, variables: variablesFor({ situation: null, sector: null, schoolName: r.school_name ?? '' }) }, teachers: 1 });
  }
  const pupils = await db.selectFrom('persons').select(['id', 'class_id']).where('round_id', '=', roundId).where('role', '=', 'pupil').execute();
  const count: LinkedColumn = { name: linkedName('lk_', 'leerkrachten', taken), label: 'Leerkracht: aantal leerkrachten dat over de klas antwoordde', kind: 'numeric', values: new Map() };
  const pupilSource = new Map<number, Source>();
  for (const p of pupils) {
    const entry = p.class_id === null ? undefined : byClass.get(p.class_id);
    count.values.set(p.id, entry?.teachers ?? 0);
    if (entry) pupilSource.set(p.id, entry.source);
  }
  return [count, ...answerLinked(version.content, 'lk_', 'Leerkracht', pupilSource, taken)];
}

async function schoolColumns(db: Kysely<DB>, roundId: number, linkedRoundId: number | null, taken: Set<string>): Promise<LinkedColumn[]> {
  if (linkedRoundId === null) return [];
  const linked = await db
    .selectFrom('rounds as r')
    .innerJoin('questionnaire_versions as qv', 'qv.id', 'r.questionnaire_version_id')
    .select('qv.content')
    .where('r.id', '=', linkedRoundId)
    .executeTakeFirst();
  if (!linked) return [];
  // The linked round's completed response of the same school (by school id), per pupil.
  const rows = await db
    .selectFrom('persons as p')
    .innerJoin('person_sites as s', 's.id', 'p.site_id')
    .innerJoin('invitations as i', 'i.id', 's.invitation_id')
    .innerJoin('invitations as li', (join) => join.onRef('li.school_id', '=', 'i.school_id').on('li.round_id', '=', linkedRoundId))
    .innerJoin('responses as resp', 'resp.invitation_id', 'li.id')
    .leftJoin('round_swvs as rs', (join) => join.onRef('rs.round_id', '=', 'li.round_id').onRef('rs.swv_id', '=', 'li.swv_id'))
    .leftJoin('swvs as w', 'w.id', 'li.swv_id')
    .leftJoin('schools as sc', 'sc.id', 'li.school_id')
    .select(['p.id', 'li.id as linked_invitation', 'resp.data', 'rs.situation', 'w.sector', 'li.school_name', 'li.school_kind', 'sc.kind as current_kind', 'sc.name as current_name'])
    .where('p.round_id', '=', roundId)
    .where('p.role', '=', 'pupil')
    .where('resp.completed_at', 'is not', null)
    .where('li.erased_at', 'is', null)
    .execute();
  const sources = new Map<number, Source>();
  const pupilSource = new Map<number, Source>();
  for (const r of rows) {
    let source = sources.get(r.linked_invitation);
    if (!source) {
      source = {
        data: (r.data ?? {}) as Record<string, unknown>,
        variables: variablesFor({
          situation: (r.situation ?? null) as Situation | null,
          sector: (r.sector ?? null) as SwvSector | null,
          schoolName: r.school_name ?? r.current_name ?? '',
          schoolKind: (r.school_kind ?? r.current_kind ?? null) as SchoolKind | null,
        }),
      };
      sources.set(r.linked_invitation, source);
    }
    pupilSource.set(r.id, source);
  }
  return answerLinked(linked.content, 'sch_', 'School', pupilSource, taken);
}

async function externalColumns(db: Kysely<DB>, roundId: number, taken: Set<string>): Promise<LinkedColumn[]> {
  const rows = await db
    .selectFrom('person_external_scores')
    .select(['person_id', 'variable', 'value_number', 'value_text'])
    .where('round_id', '=', roundId)
    .orderBy('variable')
    .execute();
  const byVariable = new Map<string, LinkedColumn>();
  for (const r of rows) {
    let column = byVariable.get(r.variable);
    if (!column) {
      column = { name: linkedName('ext_', r.variable, taken), label: `Extern: ${r.variable}`, kind: 'numeric', values: new Map() };
      byVariable.set(r.variable, column);
    }
    if (r.value_text !== null) column.kind = 'string';
    column.values.set(r.person_id, r.value_text ?? r.value_number);
  }
  // A text variable holds its numbers as text too.
  for (const column of byVariable.values()) {
    if (column.kind === 'string') for (const [id, v] of column.values) column.values.set(id, v === null ? null : String(v));
  }
  return [...byVariable.values()];
}
