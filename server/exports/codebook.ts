import type { Situation } from '../db/types';
import { SITUATION_LABELS, SITUATIONS } from '../../contract/vocabulary';
import type { ExportVariable } from './export';
import { questionnaireHtmlToText } from '../questionnaires/sanitize';
import { readableCondition } from '../questionnaires/condition-text';

export { readableCondition };

/**
 * The codebook: for every export variable its question text, type, values with labels, the
 * missing-value codes and the condition under which the question is asked ("alleen als …").
 */

export interface CodebookRow {
  name: string;
  label: string;
  type: string;
  values: string;
  missing: string;
  condition: string;
  /** Comparable with the previous measurement: ja / nee / nieuw / nvt; '' without a previous round. */
  comparable: string;
  /** Questionnaires with actor groups (issue 20): the groups whose version asks the item ("Leraren, Ouders"); '' otherwise. */
  actors: string;
}

const COMPARABLE_LABELS: Record<string, string> = {
  ja: 'ja',
  nee: 'nee (vraagtype of antwoordschaal gewijzigd)',
  nieuw: 'nieuw in deze meting',
  nvt: 'nvt (optie niet voorgelegd in de vorige meting)',
  onbekend: 'onbekend (vorige meting gereconstrueerd; vorm van de vraag toen niet bekend)',
};

const TYPE_LABELS: Record<string, string> = {
  radiogroup: 'enkele keuze',
  dropdown: 'enkele keuze',
  checkbox: 'meerkeuze (0/1 per optie)',
  matrix: 'matrix (één rij)',
  comment: 'open antwoord',
  text: 'open antwoord',
  boolean: 'ja/nee',
};

export function codebookRows(variables: ExportVariable[], consent?: { question: string; yes: string }): CodebookRow[] {
  const labelsByQuestion = new Map<string, Map<string, string>>();
  // The invitation's variables read as words too: situatie ≠ ow-jh (the label, not the code).
  labelsByQuestion.set('situatie', new Map(SITUATIONS.map((s: Situation) => [s, SITUATION_LABELS[s]])));
  for (const v of variables) {
    if (v.question && v.answerLabels && v.name === v.question) labelsByQuestion.set(v.question, new Map(Object.entries(v.answerLabels)));
  }
  return variables.map((v) => {
    const missing = (v.missing ?? []).map((code) => `${code} = ${v.valueLabels?.find(([c]) => c === code)?.[1] ?? 'ontbrekend'}`).join('; ');
    const values = (v.valueLabels ?? [])
      .filter(([code]) => !(v.missing ?? []).includes(code))
      .map(([code, label]) => `${code} = ${label}`)
      .join('; ');
    const type =
      v.question && v.type === 'string'
        ? v.name === v.question
          ? 'open antwoord'
          : 'open antwoord (bij "anders")'
        : v.questionType
          ? (TYPE_LABELS[v.questionType] ?? v.questionType)
          : v.type === 'datetime'
            ? 'datum en tijd'
            : v.type === 'string'
              ? 'tekst'
              : 'getal';
    if (v.scale) {
      const alpha = v.scale.alpha === null ? 'niet te berekenen' : v.scale.alpha.toFixed(3).replace('.', ',');
      return {
        name: v.name,
        label: questionnaireHtmlToText(v.label),
        type: 'schaalscore (berekend)',
        values: `gemiddelde van ${v.scale.items.join(', ')}${v.scale.reversed.length ? `; omgekeerd gescoord: ${v.scale.reversed.join(', ')}` : ''}; Cronbachs alfa = ${alpha} (n = ${v.scale.n}, alleen als alle items beantwoord zijn)`,
        missing,
        condition: readableCondition(v.condition, labelsByQuestion, consent),
        comparable: v.comparable ? COMPARABLE_LABELS[v.comparable]! : '',
        actors: v.actors?.join(', ') ?? '',
      };
    }
    return {
      name: v.name,
      label: questionnaireHtmlToText(v.label),
      type,
      values: values || (v.type === 'string' ? 'tekst' : ''),
      missing: missing || (v.question && v.type === 'string' ? 'leeg = niet gevraagd of geen antwoord' : ''),
      condition: v.question ? readableCondition(v.condition, labelsByQuestion, consent) : '',
      comparable: v.comparable ? COMPARABLE_LABELS[v.comparable]! : '',
      actors: v.actors ? v.actors.join(', ') || 'geen groep' : '',
    };
  });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function codebookHtml(
  title: string,
  variables: ExportVariable[],
  consent?: { question: string; yes: string },
  previousRound?: string | null,
  /** The printable questionnaire of this round (admin app), linked from the codebook. */
  printUrl?: string | null,
): string {
  const compare = Boolean(previousRound);
  const groups = variables.some((v) => v.actors);
  const rows = codebookRows(variables, consent)
    .map(
      (r) =>
        `<tr><td><code>${escapeHtml(r.name)}</code></td><td>${escapeHtml(r.label)}</td><td>${escapeHtml(r.type)}</td>` +
        `<td>${escapeHtml(r.values)}</td><td>${escapeHtml(r.missing)}</td><td>${escapeHtml(r.condition)}</td>` +
        (groups ? `<td>${escapeHtml(r.actors)}</td>` : '') +
        (compare ? `<td>${escapeHtml(r.comparable)}</td>` : '') +
        '</tr>',
    )
    .join('\n');
  return `<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Codeboek — ${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2a37}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d9dee5;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:#f6f7f9}code{font-size:.9em}
@media print{th{position:static}}
</style></head><body>
<h1>Codeboek — ${escapeHtml(title)}</h1>
${printUrl ? `<p><a href="${escapeHtml(printUrl)}">De vragenlijst zelf, om af te drukken of als PDF op te slaan</a></p>\n` : ''}<p>Ontbrekende waarden: <strong>-9</strong> = niet gevraagd (de vraag hoorde niet bij de route van de school), <strong>-8</strong> = geen antwoord (wel gevraagd, niet beantwoord).</p>
${compare ? `<p>Vergeleken met de vorige meting: <strong>${escapeHtml(previousRound ?? '')}</strong>. Alleen variabelen met “ja” zijn zonder meer naast elkaar te zetten.</p>` : ''}
<table><thead><tr><th>Variabele</th><th>Vraag / label</th><th>Type</th><th>Waarden</th><th>Ontbrekend</th><th>Gesteld aan</th>${groups ? '<th>Groepen</th>' : ''}${compare ? '<th>Vergelijkbaar met vorige meting</th>' : ''}</tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}

export function codebookCsv(variables: ExportVariable[], consent?: { question: string; yes: string }, previousRound?: string | null): string {
  const compare = Boolean(previousRound);
  const groups = variables.some((v) => v.actors);
  const field = (s: string) => (/[",\n\r;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [['variabele', 'label', 'type', 'waarden', 'ontbrekend', 'gesteld_aan', ...(groups ? ['groepen'] : []), ...(compare ? ['vergelijkbaar'] : [])].join(',')];
  for (const r of codebookRows(variables, consent)) {
    lines.push([r.name, r.label, r.type, r.values, r.missing, r.condition, ...(groups ? [r.actors] : []), ...(compare ? [r.comparable] : [])].map(field).join(','));
  }
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}
