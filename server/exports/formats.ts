import { Readable } from 'node:stream';
import { savChunks, type SavVariable } from './sav-writer';
import type { ExportPlan, ExportValue, ExportVariable } from './export';
import { codebookRows, type CodebookRow } from './codebook';
import { xlsxWorkbook, XLSX_MAX_COLUMNS, XLSX_MAX_ROWS } from './xlsx-writer';
import { badRequest } from '../errors';
import { neutraliseFormula } from '../spreadsheet';
import { amsterdamWallMs, formatAmsterdam } from '../time';

export type ExportFormat = 'csv' | 'csv-nl' | 'xlsx' | 'sav';

export const FORMAT_INFO: Record<ExportFormat, { contentType: string; extension: string; label: string }> = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv', label: 'CSV (UTF-8, komma)' },
  'csv-nl': { contentType: 'text/csv; charset=utf-8', extension: 'csv', label: 'CSV voor Nederlandse Excel (puntkomma)' },
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx', label: 'Excel (XLSX)' },
  sav: { contentType: 'application/x-spss-sav', extension: 'sav', label: 'SPSS (.sav)' },
};

/** The wall-clock time in the Netherlands, as "2026-03-05 14:45:10" (Intl once per UTC hour, see server/time.ts). */
export function dutchDateTime(date: Date): string {
  return formatAmsterdam(date);
}

function csvField(value: ExportValue, delimiter: string, decimalComma: boolean): string {
  if (value === null || value === undefined) return '';
  // A number never needs quotes: its text has no quote, line break, comma (csv: decimal point) or
  // semicolon (csv-nl: decimal comma); most values of a row are small codes (issue 21).
  if (typeof value === 'number') return decimalComma ? String(value).replace('.', ',') : String(value);
  // Spreadsheet programs run cells that start with = + - @ as formulas (CSV injection); both
  // variants are opened in spreadsheets, so both guard.
  const text = value instanceof Date ? dutchDateTime(value) : neutraliseFormula(value);
  return /["\n\r]/.test(text) || text.includes(delimiter) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * CSV: 'csv' is UTF-8 with commas and decimal points (R, Python, SPSS); 'csv-nl' is what Dutch
 * Excel opens directly: a byte-order mark, semicolons, decimal commas. In both, text that would be
 * taken for a formula is prefixed with an apostrophe.
 */
export async function* csvChunks(plan: ExportPlan, variant: 'csv' | 'csv-nl'): AsyncGenerator<string> {
  const nl = variant === 'csv-nl';
  const delimiter = nl ? ';' : ',';
  const line = (values: ExportValue[]) => values.map((v) => csvField(v, delimiter, nl)).join(delimiter) + '\r\n';
  yield (nl ? '\uFEFF' : '') + line(plan.variables.map((v) => v.name));
  let buffer = '';
  let count = 0;
  for await (const row of plan.rows()) {
    buffer += line(row);
    if (++count % 500 === 0) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

function toSavVariable(v: ExportVariable): SavVariable {
  if (v.type === 'datetime') return { type: 'datetime', name: v.name, label: v.label };
  if (v.type === 'string') return { type: 'string', name: v.name, label: v.label, width: Math.min(32767, Math.max(1, v.width ?? 1)), measure: v.measure };
  return { type: 'numeric', name: v.name, label: v.label, measure: v.measure, valueLabels: v.valueLabels, missing: v.missing, decimals: v.decimals };
}

export function savStream(plan: ExportPlan, fileLabel: string): Readable {
  return Readable.from(
    savChunks({ variables: plan.variables.map(toSavVariable), fileLabel, caseCount: plan.caseCount }, plan.rows()),
  );
}

/** The rows of a sheet: the header, then one per response (Excel's limit, XLSX_MAX_ROWS, includes the header). */
export const XLSX_MAX_DATA_ROWS = XLSX_MAX_ROWS - 1;

/**
 * Refuses, with a Dutch message and before anything is written, an export the format cannot hold:
 * XLSX has room for XLSX_MAX_DATA_ROWS rows and XLSX_MAX_COLUMNS columns per sheet (exceljs wrote
 * the rows past it, which Excel then drops with a warning). Routes call it before they audit the
 * export; xlsxStream checks again.
 */
export function checkExportFits(plan: Pick<ExportPlan, 'caseCount' | 'variables'>, format: ExportFormat): void {
  if (format !== 'xlsx') return;
  if (plan.caseCount > XLSX_MAX_DATA_ROWS) {
    throw badRequest(
      'too_many_rows_for_xlsx',
      `Deze export heeft ${plan.caseCount.toLocaleString('nl-NL')} rijen; een Excel-werkblad heeft plaats voor ${XLSX_MAX_DATA_ROWS.toLocaleString('nl-NL')}. Kies CSV of SPSS (.sav).`,
    );
  }
  if (plan.variables.length > XLSX_MAX_COLUMNS) {
    throw badRequest(
      'too_many_columns_for_xlsx',
      `Deze export heeft ${plan.variables.length.toLocaleString('nl-NL')} kolommen; een Excel-werkblad heeft plaats voor ${XLSX_MAX_COLUMNS.toLocaleString('nl-NL')}. Kies CSV of SPSS (.sav).`,
    );
  }
}

const CODEBOOK_COLUMNS: Array<{ key: keyof CodebookRow; header: string; width: number }> = [
  { key: 'name', header: 'Variabele', width: 28 },
  { key: 'label', header: 'Vraag / label', width: 70 },
  { key: 'type', header: 'Type', width: 18 },
  { key: 'values', header: 'Waarden', width: 60 },
  { key: 'missing', header: 'Ontbrekend', width: 30 },
  { key: 'condition', header: 'Gesteld aan', width: 50 },
];

/**
 * XLSX with a data sheet (frozen header row) and a codebook sheet, written as a stream by our own
 * writer (xlsx-writer.ts, issue 21); rows are read only as fast as they are packed and taken.
 * Text is written as text, never as a formula, so no neutraliseFormula here (as with exceljs).
 */
export function xlsxStream(plan: ExportPlan): Readable {
  checkExportFits(plan, 'xlsx');
  return xlsxWorkbook(
    [
      {
        name: 'Data',
        freezeHeader: true,
        columns: plan.variables.map((v) => ({
          header: v.name,
          width: v.type === 'string' ? Math.min(40, Math.max(10, v.width ?? 10)) : v.type === 'datetime' ? 19 : Math.max(8, v.name.length + 2),
          date: v.type === 'datetime',
        })),
        rows: plan.rows(),
        // Dates show the Dutch wall-clock time, as in the CSV export.
        wallClock: amsterdamWallMs,
      },
      {
        name: 'Codeboek',
        columns: CODEBOOK_COLUMNS.map(({ header, width }) => ({ header, width })),
        // Made when the writer gets here, after the data: scale statistics measured with the rows
        // (measureFor('xlsx')) are complete only then.
        rows: (function* () {
          for (const r of codebookRows(plan.variables, plan.consent)) yield CODEBOOK_COLUMNS.map(({ key }) => r[key]);
        })(),
      },
    ],
    { creator: 'Meetronde' },
  );
}

export function exportStream(plan: ExportPlan, format: ExportFormat, fileLabel: string): Readable {
  switch (format) {
    case 'csv':
    case 'csv-nl':
      return Readable.from(csvChunks(plan, format));
    case 'xlsx':
      return xlsxStream(plan);
    case 'sav':
      return savStream(plan, fileLabel);
  }
}
