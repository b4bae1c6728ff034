/**
 * Reading texts and choice lists straight from a questionnaire's SurveyJS JSON, without
 * survey-core: the printable questionnaire (print.ts) and the version comparison
 * (questionnaire-diff.ts) read them alike.
 */

/** Text of a localisable string: the Dutch, else the default, else the first variant. */
export function localText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const picked = v.nl ?? v.default ?? Object.values(v)[0];
    return typeof picked === 'string' ? picked : '';
  }
  return '';
}

/** The items of a choices, rows or columns list: a value and its text (the value when it has none). */
export function choiceItems(list: unknown): Array<{ value: string; text: string }> {
  if (!Array.isArray(list)) return [];
  return list.map((item) => {
    if (item && typeof item === 'object') {
      const o = item as Record<string, unknown>;
      const value = String(o.value ?? o.name ?? '');
      return { value, text: localText(o.text ?? o.title) || value };
    }
    return { value: String(item), text: String(item) };
  });
}
