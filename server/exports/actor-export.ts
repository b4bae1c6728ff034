import { sql, type Kysely } from 'kysely';
import { BinaryOperand, ConditionRunner, ConditionsParser, type Operand } from 'survey-core';
import { PERSON_ROLE_GROUP_LABELS, type PersonRole } from '../../contract/vocabulary';
import type { DB } from '../db/types';
import { badRequest, notFound } from '../errors';
import { actorTexts, getVersion, readMeta, VARIABLE_NAMES, variablesFor, type QuestionnaireContent, type QuestionnaireMeta } from '../questionnaires';
import { answerColumns, answerValues, VisibilityEvaluator, type AnswerColumn } from '../questionnaires/columns';
import { answerVariable, schoolPseudonym, type ExportPlan, type ExportValue, type ExportVariable } from './export';

/**
 * The export of a questionnaire with actor groups (issue 20; the interaction study): every
 * group's version stacked in one data set. One file means one set of question names, so a shared
 * item is one variable for every group; the `actor` column says whose answer a row is, and the
 * codebook lists per variable the groups whose version asks it. Labels that a group's texts
 * change ("Collega-leraren" / "Leraren" / "De leraar/mentor van uw kind") show each wording once.
 */

export interface ActorColumns {
  meta: QuestionnaireMeta & { actors: NonNullable<QuestionnaireMeta['actors']> };
  columns: AnswerColumn[];
  /** Per column (same order): the actor groups whose version asks it. */
  seenBy: PersonRole[][];
}

export function actorVariables(meta: QuestionnaireMeta, actor: PersonRole) {
  return { ...variablesFor({ situation: null, sector: null, schoolName: 'de school', actor }), ...actorTexts(meta, actor) };
}

export function actorColumns(content: QuestionnaireContent): ActorColumns {
  const meta = readMeta(content);
  if (!meta.actors) throw badRequest('no_actors', 'Deze vragenlijst kent geen groepen respondenten (meetronde.actors).');
  const roles = meta.actors.map((g) => g.role);
  const perActor = roles.map((role) => answerColumns(content, actorVariables(meta, role), { consentQuestion: meta.consent.question }));
  // Each group's wording once: "Hoe betrokken … uw leerlingen? / … uw kind?: Collega-leraren / Leraren / De leraar/mentor van uw kind".
  const distinct = (texts: Array<string | undefined>) => mergeWordings([...new Set(texts.filter((t): t is string => t !== undefined && t !== ''))]);
  const columns = perActor[0]!.map((column, i) => {
    const versions = perActor.map((cols) => cols[i]!);
    const questionTitle = distinct(versions.map((c) => c.questionTitle));
    const suffix = distinct(versions.map((c) => (c.label.startsWith(`${c.questionTitle}: `) ? c.label.slice(c.questionTitle.length + 2) : undefined)));
    const itemLabel = distinct(versions.map((c) => c.itemLabel));
    return { ...column, questionTitle, label: suffix ? `${questionTitle}: ${suffix}` : questionTitle, ...(column.itemLabel !== undefined ? { itemLabel } : {}) };
  });
  const invitation = new Set<string>([...VARIABLE_NAMES, ...Object.keys(meta.actors[0]!.texts), meta.consent.question]);
  const seenBy = columns.map((column) =>
    roles.filter((role) => {
      const values = { ...actorVariables(meta, role), [meta.consent.question]: meta.consent.yes };
      return [column.condition, column.itemCondition ?? null].every((condition) => holdsOnVariables(condition, invitation, values));
    }),
  );
  return { meta: meta as ActorColumns['meta'], columns, seenBy };
}

/**
 * One text for several wordings: the common beginning and end once, the parts that differ joined
 * with " / " ("… aan uw leerlingen / de leerlingen van uw school / uw kind?"). Cut at spaces, so
 * no word is split; without a common part the wordings are simply joined.
 */
export function mergeWordings(texts: string[]): string {
  if (texts.length <= 1) return texts[0] ?? '';
  let prefix = 0;
  while (texts.every((t) => prefix < t.length && t[prefix] === texts[0]![prefix])) prefix++;
  prefix = texts[0]!.lastIndexOf(' ', prefix - 1) + 1;
  if (texts.some((t) => t.length === prefix)) prefix = 0;
  let suffix = 0;
  while (texts.every((t) => suffix < t.length - prefix && t[t.length - 1 - suffix] === texts[0]![texts[0]!.length - 1 - suffix])) suffix++;
  // Keep the end at a word boundary: only punctuation, or from a space on.
  const end = texts[0]!.slice(texts[0]!.length - suffix);
  const space = end.indexOf(' ');
  suffix = /^[?.!:;,]*$/.test(end) ? suffix : space >= 0 ? suffix - space : 0;
  const middles = texts.map((t) => t.slice(prefix, t.length - suffix));
  if (middles.some((m) => m.trim() === '')) return texts.join(' / ');
  return `${texts[0]!.slice(0, prefix)}${middles.join(' / ')}${texts[0]!.slice(texts[0]!.length - suffix)}`;
}

/**
 * Whether a condition can hold for a respondent with these variables: its top-level `and` parts
 * that read only variables (and consent) must hold; parts that read other answers may (a filter
 * question decides them per respondent).
 */
function holdsOnVariables(condition: string | null, names: Set<string>, values: Record<string, unknown>): boolean {
  if (!condition) return true;
  const parsed = new ConditionsParser().parseExpression(condition);
  if (!parsed) return true;
  const parts: Operand[] = [];
  const split = (operand: Operand) => {
    if (operand instanceof BinaryOperand && operand.operator === 'and') {
      split(operand.leftOperand);
      split(operand.rightOperand);
    } else parts.push(operand);
  };
  split(parsed);
  return parts.every((part) => {
    const read: string[] = [];
    part.setVariables(read);
    if (!read.every((name) => names.has(name.split(/[.[]/)[0]!))) return true;
    return new ConditionRunner(part.toString()).runValues(values);
  });
}

export interface ActorExportOptions {
  include: 'completed' | 'all';
}

/** A person round's responses of its actor questionnaire as one stacked data set. */
export async function planActorExport(db: Kysely<DB>, secret: string, roundId: number, options: ActorExportOptions): Promise<ExportPlan> {
  const round = await db.selectFrom('rounds').select(['id', 'name', 'questionnaire_version_id', 'unit_type']).where('id', '=', roundId).executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  if (!round.questionnaire_version_id) throw notFound('Aan deze meting is nog geen vragenlijst gekoppeld.');
  const version = await getVersion(db, round.questionnaire_version_id);
  const content = version.content as QuestionnaireContent;
  const { meta, columns, seenBy } = actorColumns(content);
  const roles = meta.actors.map((g) => g.role);
  const evaluators = new Map(roles.map((role) => [role, { evaluator: new VisibilityEvaluator(columns), variables: actorVariables(meta, role) }]));

  const base = () => {
    let query = db
      .selectFrom('persons as p')
      .innerJoin('person_responses as pr', 'pr.person_id', 'p.id')
      .innerJoin('person_sites as ps', 'ps.id', 'p.site_id')
      .innerJoin('invitations as i', 'i.id', 'ps.invitation_id')
      .innerJoin('schools as s', 's.id', 'i.school_id')
      .where('p.round_id', '=', roundId)
      .where('p.role', 'in', roles)
      .where('i.erased_at', 'is', null)
      // Only respondents who gave consent: before consent and after a refusal nothing is kept but the answer to it.
      .where(sql<boolean>`pr.data ->> ${meta.consent.question} = ${meta.consent.yes}`);
    if (options.include === 'completed') query = query.where('pr.completed_at', 'is not', null);
    return query;
  };

  const textColumns = columns.filter((c) => c.kind === 'text' || c.kind === 'other-text');
  const measured = (await base()
    .select(sql<number>`count(*)`.as('count'))
    .select(textColumns.map((c, i) => sql<number>`coalesce(max(octet_length(pr.data ->> ${c.kind === 'text' ? c.question : `${c.question}-Comment`})), 0)`.as(`w${i}`)))
    .executeTakeFirstOrThrow()) as unknown as Record<string, number>;

  const groupLabel = (role: PersonRole) => PERSON_ROLE_GROUP_LABELS[role];
  const context: ExportVariable[] = [
    { name: 'respondent', label: 'Respondentnummer (volgnummer in deze export)', type: 'numeric', measure: 'nominal' },
    { name: 'school_code', label: 'Schoolcode (pseudoniem, gelijk in elke meting)', type: 'string', measure: 'nominal', width: 10 },
    { name: 'meting', label: 'Meting', type: 'string', measure: 'nominal', width: Math.max(1, Buffer.byteLength(round.name)) },
    {
      name: 'actor',
      label: 'Groep respondenten (versie van de vragenlijst)',
      type: 'numeric',
      measure: 'nominal',
      valueLabels: roles.map((role, i): [number, string] => [i + 1, groupLabel(role)]),
    },
    { name: 'status', label: 'Status', type: 'numeric', measure: 'nominal', valueLabels: [[1, 'Afgerond'], [2, 'Gedeeltelijk']] },
  ];
  const answerVars: ExportVariable[] = columns.map((c, i) => ({
    ...answerVariable(c, textColumns.includes(c) ? Number(measured[`w${textColumns.indexOf(c)}`] ?? 0) : 0),
    actors: seenBy[i]!.map(groupLabel),
  }));

  return {
    roundName: round.name,
    previousRound: null,
    questionnaire: `${meta.key}-${meta.version}`,
    consent: meta.consent,
    variables: [...context, ...answerVars],
    caseCount: Number(measured.count),
    async *rows() {
      const stream = base()
        .select(['p.id', 'p.role', 'pr.data', 'pr.completed_at', sql<string>`coalesce(i.school_location_code, s.location_code)`.as('location_code')])
        .orderBy('p.id')
        .stream(500);
      let n = 0;
      for await (const r of stream) {
        const role = r.role as PersonRole;
        const data = (r.data ?? {}) as Record<string, unknown>;
        const { evaluator, variables } = evaluators.get(role)!;
        const asked = evaluator.askedColumns(data, variables);
        const values: ExportValue[] = [++n, schoolPseudonym(secret, r.location_code), round.name, roles.indexOf(role) + 1, r.completed_at ? 1 : 2];
        values.push(...answerValues(columns, data, asked));
        yield values;
      }
    },
  };
}

/** Whether a round is a person round whose questionnaire declares actor groups: its exports and report are the stacked ones. */
export async function isActorRound(db: Kysely<DB>, roundId: number): Promise<boolean> {
  const round = await db.selectFrom('rounds').select(['unit_type', 'questionnaire_version_id']).where('id', '=', roundId).executeTakeFirst();
  if (!round || round.unit_type !== 'person' || round.questionnaire_version_id === null) return false;
  const version = await getVersion(db, round.questionnaire_version_id);
  try {
    return readMeta(version.content).actors !== null;
  } catch {
    return false;
  }
}
