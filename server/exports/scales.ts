import { cronbachAlpha, describe } from '../analysis/statistics';
import type { QuestionnaireContent } from '../questionnaires';

/**
 * Scales declared in a questionnaire's `meetronde.scales` block: a name (the export variable),
 * a label, the items as `<matrix question>.<row>` (or a single-choice question name), the items
 * that are reverse-coded and the range of the answer scale. The scale score of a respondent is
 * the mean of the items (reverse-coded items as min + max − value), computed only when every
 * item has an answer within the range: answers outside it ("weet niet" = 9) and missing items
 * leave the score missing, as SPSS's MEAN with all items required does. Alpha uses the same
 * complete cases.
 *
 *   "scales": [{ "name": "S_communicatie", "label": "Communicatie", "min": 1, "max": 5,
 *                "items": ["A_wf_communicatie.geinformeerd", …], "reversed": [] }]
 */

export interface ScaleItem {
  /** As written: `question.row` or `question`. */
  key: string;
  question: string;
  row: string | null;
}

export interface ScaleDefinition {
  name: string;
  label: string;
  min: number;
  max: number;
  items: ScaleItem[];
  reversed: Set<string>;
}

export class ScaleDefinitionError extends Error {}

const SPSS_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Reads and checks `meetronde.scales`; an empty list when the questionnaire declares none. */
export function readScales(content: QuestionnaireContent): ScaleDefinition[] {
  const meta = content.meetronde as Record<string, unknown> | undefined;
  const raw = meta?.scales;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ScaleDefinitionError('meetronde.scales must be a list');
  const names = new Set<string>();
  return raw.map((entry, index) => {
    const where = `meetronde.scales[${index}]`;
    if (!entry || typeof entry !== 'object') throw new ScaleDefinitionError(`${where} must be an object`);
    const e = entry as Record<string, unknown>;
    if (typeof e.name !== 'string' || !SPSS_NAME.test(e.name)) throw new ScaleDefinitionError(`${where}.name must be an SPSS-safe variable name`);
    if (names.has(e.name)) throw new ScaleDefinitionError(`${where}.name ${e.name} is used twice`);
    names.add(e.name);
    if (typeof e.label !== 'string' || !e.label.trim()) throw new ScaleDefinitionError(`${where}.label is missing`);
    const min = Number(e.min);
    const max = Number(e.max);
    if (!Number.isFinite(min) || !Number.isFinite(max) || min >= max) throw new ScaleDefinitionError(`${where}: min must be below max`);
    if (!Array.isArray(e.items) || e.items.length < 2 || !e.items.every((i) => typeof i === 'string')) {
      throw new ScaleDefinitionError(`${where}.items must list at least two items`);
    }
    const items = (e.items as string[]).map((key) => {
      const [question, row] = key.split('.');
      return { key, question: question!, row: row ?? null };
    });
    const reversedRaw = e.reversed ?? [];
    if (!Array.isArray(reversedRaw) || !reversedRaw.every((r) => typeof r === 'string' && (e.items as string[]).includes(r))) {
      throw new ScaleDefinitionError(`${where}.reversed must list some of its items`);
    }
    return { name: e.name, label: e.label, min, max, items, reversed: new Set(reversedRaw as string[]) };
  });
}

/** The item values of one response (reverse-coded items turned round), or null if any is missing or out of range. */
export function scaleItemValues(scale: ScaleDefinition, data: Record<string, unknown>): number[] | null {
  const values: number[] = [];
  for (const item of scale.items) {
    const answer = data[item.question];
    const raw = item.row === null ? answer : answer && typeof answer === 'object' && !Array.isArray(answer) ? (answer as Record<string, unknown>)[item.row] : undefined;
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(value) || value < scale.min || value > scale.max) return null;
    values.push(scale.reversed.has(item.key) ? scale.min + scale.max - value : value);
  }
  return values;
}

/** A respondent's scale score: the mean of the items, or null. */
export function scaleScore(scale: ScaleDefinition, data: Record<string, unknown>): number | null {
  const values = scaleItemValues(scale, data);
  return values ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

export interface ScaleStatistics {
  n: number;
  mean: number | null;
  sd: number | null;
  alpha: number | null;
}

/** Collects complete cases of a scale and gives its mean, SD, n and Cronbach's alpha. */
export class ScaleAccumulator {
  private readonly rows: number[][] = [];
  constructor(readonly scale: ScaleDefinition) {}
  add(data: Record<string, unknown>): void {
    const values = scaleItemValues(this.scale, data);
    if (values) this.rows.push(values);
  }
  result(): ScaleStatistics {
    const scores = this.rows.map((r) => r.reduce((a, b) => a + b, 0) / r.length);
    const d = describe(scores);
    return { n: d.n, mean: d.mean, sd: d.sd, alpha: cronbachAlpha(this.rows) };
  }
}

export const DEFAULT_ALPHA_THRESHOLD = 0.6;
