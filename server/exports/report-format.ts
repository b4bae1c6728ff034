/**
 * How report cells read: counts as whole numbers, percentages with one decimal, means and
 * standard deviations with two, alpha with three, all with the Dutch decimal comma ("22,3").
 * Shared by the on-screen tables, the XLSX workbook and the printable page, so the three
 * always print the same text.
 */

import type { CellFormat } from '../../contract/api/exports';

const formatters: Record<Exclude<CellFormat, 'text'>, Intl.NumberFormat> = {
  count: new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 0, useGrouping: true }),
  pct: new Intl.NumberFormat('nl-NL', { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false }),
  mean: new Intl.NumberFormat('nl-NL', { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false }),
  sd: new Intl.NumberFormat('nl-NL', { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false }),
  alpha: new Intl.NumberFormat('nl-NL', { minimumFractionDigits: 3, maximumFractionDigits: 3, useGrouping: false }),
};

/** Rounds half away from zero at `decimals`, after removing binary noise (22.35 stays 22.35, not 22.3499…). */
export function roundHalfUp(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const scaled = Number((Math.abs(value) * factor).toPrecision(12));
  return (Math.sign(value) * Math.round(scaled)) / factor;
}

const DECIMALS: Record<Exclude<CellFormat, 'text' | 'count'>, number> = { pct: 1, mean: 2, sd: 2, alpha: 3 };

export function formatCell(value: number | string | null | undefined, format: CellFormat): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (format === 'text') return String(value);
  if (format === 'count') return formatters.count.format(value);
  return formatters[format].format(roundHalfUp(value, DECIMALS[format]));
}

/** Percentage of part in whole, rounded to one decimal as the report prints it; null for an empty base. */
export const percentage = (part: number, whole: number): number | null => (whole > 0 ? roundHalfUp((part / whole) * 100, 1) : null);
