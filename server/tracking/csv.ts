import { neutraliseFormula } from '../spreadsheet';
import { wallTime } from '../time';
import type { SwvRow } from '../../contract/api/tracking';

/**
 * The per-SWV table as CSV the way Dutch Excel opens it: UTF-8 with BOM, semicolons, decimal
 * commas, CRLF. Text cells that a spreadsheet would run as a formula get a leading apostrophe.
 */

function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string') text = neutraliseFormula(text);
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const percent = (rate: number | null) => (rate === null ? null : (rate * 100).toFixed(1).replace('.', ','));

const pad = (n: number) => String(n).padStart(2, '0');

/** DD-MM-YYYY HH:MM in Amsterdam time (no comma: Excel reads it as one date-time). */
function formatTime(iso: string): string {
  const w = wallTime(new Date(iso));
  return `${pad(w.day)}-${pad(w.month)}-${w.year} ${pad(w.hour)}:${pad(w.minute)}`;
}

export const SWV_CSV_HEADER = [
  'Regio',
  'SWV-code',
  'Naam',
  'Situatie',
  'Sector',
  'Uitgenodigd',
  'Ingevuld',
  'Respons (%)',
  'Onbestelbaar',
  'Toestemming geweigerd',
  'Bezig',
  'Laatste activiteit',
];

export function swvCsv(rows: SwvRow[]): string {
  const lines = [SWV_CSV_HEADER.map(cell).join(';')];
  for (const r of rows) {
    lines.push(
      [
        r.regionLetter,
        r.code,
        r.name,
        r.situationLabel,
        r.sector.toUpperCase(),
        r.invited,
        r.completed,
        percent(r.responseRate),
        r.bounced,
        r.refused,
        r.inProgress,
        r.lastActivityAt ? formatTime(r.lastActivityAt) : null,
      ]
        .map(cell)
        .join(';'),
    );
  }
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}
