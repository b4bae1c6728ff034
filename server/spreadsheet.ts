/**
 * Text that a spreadsheet program would run as a formula when it opens a CSV (CSV injection,
 * e.g. `=HYPERLINK(…)` in a school name or an open answer) gets a leading apostrophe, which
 * Excel and LibreOffice show as text. One rule for every CSV the app writes.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}
