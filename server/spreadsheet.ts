/**
 * Text that a spreadsheet program would run as a formula when it opens a CSV (CSV injection,
 * e.g. `=HYPERLINK(…)` in a school name or an open answer) gets a leading apostrophe, which
 * Excel and LibreOffice show as text. One rule for every CSV the app writes.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Whether a spreadsheet program would take this text for a formula. */
export function looksLikeFormula(text: string): boolean {
  return FORMULA_START.test(text);
}

export function neutraliseFormula(text: string): string {
  return looksLikeFormula(text) ? `'${text}` : text;
}
