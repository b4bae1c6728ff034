/**
 * A questionnaire's conditions in words, for the codebook and the printable questionnaire.
 */

/** Makes a SurveyJS condition readable for researchers: "{Q_mate} = 'wel'" → "Q_mate = wel". */
export function readableCondition(
  expression: string | null | undefined,
  labelsByQuestion: Map<string, Map<string, string>>,
  consent?: { question: string; yes: string },
): string {
  if (!expression) return 'iedereen (na toestemming)';
  let text = expression;
  if (consent) {
    // Every question after the first is asked only after consent; saying so on each line adds nothing.
    const clause = `{${consent.question}} = '${consent.yes}'`;
    text = text.split(`(${clause}) and `).join('').split(`${clause} and `).join('').split(clause).join('');
  }
  text = text
    .replace(/\{([^}]+)\}\s*(=|<>|!=)\s*'([^']*)'/g, (_m, q: string, op: string, v: string) => {
      const label = labelsByQuestion.get(q)?.get(v);
      return `${q} ${op === '=' ? '=' : '≠'} ${v}${label ? ` (${label})` : ''}`;
    })
    .replace(/\{([^}]+)\}\s*anyof\s*\[([^\]]*)\]/g, (_m, q: string, list: string) => {
      const values = list.split(',').map((s) => s.trim().replace(/^'|'$/g, ''));
      return `${q} is ${values.join(' of ')}`;
    })
    .replace(/\{([^}]+)\}\s*notempty/g, '$1 is ingevuld')
    .replace(/\{([^}]+)\}\s*empty/g, '$1 is leeg')
    .replace(/\{([^}]+)\}/g, '$1')
    .replace(/\band\b/g, 'en')
    .replace(/\bor\b/g, 'of');
  text = text.trim().replace(/^\((.*)\)$/, '$1');
  return text ? `alleen als ${text}` : 'iedereen (na toestemming)';
}
