import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { PERSON_ROLE_GROUP_LABELS, type PersonRole } from '../../contract/vocabulary';
import type { DB } from '../db/types';
import { readMeta, type QuestionnaireContent } from '../questionnaires';
import { VisibilityEvaluator, type AnswerColumn } from '../questionnaires/columns';
import { actorColumns, actorVariables } from './actor-export';
import { formatCell, percentage, roundHalfUp } from './report-format';
import type { ReportTable } from '../../contract/api/exports';

/**
 * Report tables that set the actor groups side by side (issue 20; the interaction study): per
 * matrix question, for each row the mean and n per group ("betrokkenheid van ouders" as rated by
 * teachers, by school leaders and by parents themselves), and per multiple-choice question the
 * share of each group that ticked each option. A group whose version does not ask a row or
 * option reads "niet gevraagd"; an answer the group's routing hides is not counted (the same
 * VisibilityEvaluator as the exports). "Weet niet / niet van toepassing" (code 9 beside a 1…n
 * scale) is left out of the mean and of n.
 */

export interface ActorResponse {
  actor: PersonRole;
  data: Record<string, unknown>;
}

const NOT_ASKED_TEXT = 'niet gevraagd';

/** Numeric answer codes that count in a mean: all but a "weet niet" 9 beside a scale below 9. */
function scoredCodes(column: AnswerColumn): Set<number> {
  const codes = [...(column.codes?.keys() ?? [])].map(Number).filter((n) => Number.isFinite(n));
  const scale = codes.filter((c) => c < 9);
  return new Set(scale.length > 0 && codes.includes(9) ? scale : codes);
}

export function actorComparisonTables(content: QuestionnaireContent, responses: readonly ActorResponse[]): ReportTable[] {
  const { meta, columns, seenBy } = actorColumns(content);
  const roles = meta.actors.map((g) => g.role);
  const labels = roles.map((r) => PERSON_ROLE_GROUP_LABELS[r]);
  const evaluator = new VisibilityEvaluator(columns);
  const variables = new Map(roles.map((role) => [role, actorVariables(meta, role)]));
  // Per response: which columns its group's routing asked.
  const asked = responses.map((r) => (variables.has(r.actor) ? evaluator.askedColumns(r.data, variables.get(r.actor)!) : columns.map(() => false)));

  const tables: ReportTable[] = [];
  const questions = [...new Set(columns.map((c) => c.question))];
  for (const question of questions) {
    const indexes = columns.flatMap((c, i) => (c.question === question && (c.kind === 'matrix' || c.kind === 'multi') ? [i] : []));
    if (indexes.length === 0) continue;
    const first = columns[indexes[0]!]!;
    const shared = indexes.some((i) => seenBy[i]!.length > 1);
    if (!shared) continue;
    if (first.kind === 'matrix') {
      tables.push({
        id: `groepen-${question}`,
        title: `${first.questionTitle.replace(/\s+/g, ' ')}: gemiddelde per groep respondenten`,
        note: `Gemiddelde op de schaal ${describeScale(first)}; n = aantal respondenten met een antwoord op de schaal ("weet niet" / "niet van toepassing" telt niet mee).`,
        head: ['', ...labels.flatMap((l) => [`${l}: gemiddelde`, `${l}: n`])],
        formats: roles.flatMap(() => ['mean' as const, 'count' as const]),
        rows: indexes.map((i) => {
          const column = columns[i]!;
          const scored = scoredCodes(column);
          const cells = roles.flatMap((role): Array<number | string | null> => {
            if (!seenBy[i]!.includes(role)) return [NOT_ASKED_TEXT, NOT_ASKED_TEXT];
            const values: number[] = [];
            responses.forEach((r, k) => {
              if (r.actor !== role || !asked[k]![i]) return;
              const cell = (r.data[question] as Record<string, unknown> | undefined)?.[column.row!];
              const code = typeof cell === 'number' ? cell : typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : NaN;
              if (scored.has(code)) values.push(code);
            });
            const mean = values.length ? roundHalfUp(values.reduce((a, b) => a + b, 0) / values.length, 2) : null;
            return [mean, values.length];
          });
          return row(column.itemLabel ?? column.row!, cells, roles.flatMap(() => ['mean' as const, 'count' as const]));
        }),
      });
    } else {
      tables.push({
        id: `groepen-${question}`,
        title: `${first.questionTitle.replace(/\s+/g, ' ')}: per groep respondenten`,
        note: 'Percentage van de respondenten van de groep aan wie de vraag is gesteld en die haar beantwoordden (n).',
        head: ['', ...labels.map((l) => `${l}: %`)],
        formats: roles.map(() => 'pct' as const),
        rows: [
          ...indexes.map((i) => {
            const column = columns[i]!;
            const cells = roles.map((role) => {
              if (!seenBy[i]!.includes(role)) return NOT_ASKED_TEXT;
              const { base, ticked } = tally(responses, asked, role, i, question, column.choice!);
              return percentage(ticked, base);
            });
            return row(column.itemLabel ?? column.choice!, cells, roles.map(() => 'pct' as const));
          }),
          row(
            'n',
            roles.map((role) => {
              const i = indexes.find((j) => seenBy[j]!.includes(role));
              return i === undefined ? NOT_ASKED_TEXT : tally(responses, asked, role, i, question, '').base;
            }),
            roles.map(() => 'count' as const),
          ),
        ],
      });
    }
  }
  return tables;
}

function tally(responses: readonly ActorResponse[], asked: boolean[][], role: PersonRole, index: number, question: string, choice: string) {
  let base = 0;
  let ticked = 0;
  responses.forEach((r, k) => {
    if (r.actor !== role || !asked[k]![index]) return;
    const value = r.data[question];
    if (!Array.isArray(value) || value.length === 0) return;
    base++;
    if (value.map(String).includes(choice)) ticked++;
  });
  return { base, ticked };
}

function row(label: string, cells: Array<number | string | null>, formats: Array<'mean' | 'count' | 'pct'>) {
  return { label, cells, display: cells.map((c, i) => formatCell(c, formats[i]!)) };
}

function describeScale(column: AnswerColumn): string {
  const scored = [...scoredCodes(column)].sort((a, b) => a - b);
  const label = (code: number) => column.valueLabels?.find(([c]) => c === code)?.[1] ?? String(code);
  return scored.length ? `${scored[0]} (${label(scored[0]!)}) tot ${scored.at(-1)} (${label(scored.at(-1)!)})` : '';
}

/** The consenting responses of a person round whose questionnaire declares actor groups (completed only). */
export async function actorResponses(db: Kysely<DB>, roundId: number, content: QuestionnaireContent): Promise<ActorResponse[]> {
  const meta = readMeta(content);
  if (!meta.actors) return [];
  const rows = await db
    .selectFrom('persons as p')
    .innerJoin('person_responses as pr', 'pr.person_id', 'p.id')
    .innerJoin('person_sites as ps', 'ps.id', 'p.site_id')
    .innerJoin('invitations as i', 'i.id', 'ps.invitation_id')
    .select(['p.role', 'pr.data'])
    .where('p.round_id', '=', roundId)
    .where('p.role', 'in', meta.actors.map((g) => g.role))
    .where('pr.completed_at', 'is not', null)
    .where('i.erased_at', 'is', null)
    .where(sql<boolean>`pr.data ->> ${meta.consent.question} = ${meta.consent.yes}`)
    .orderBy('p.id')
    .execute();
  return rows.map((r) => ({ actor: r.role as PersonRole, data: (r.data ?? {}) as Record<string, unknown> }));
}
