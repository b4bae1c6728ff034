import { ComponentCollection, Model, settings, type Question } from 'survey-core';
import { NOMINATION_COMPONENT, NOMINATION_TYPE } from '../../../contract/nominations';
import { runConditionsOnClearedAnswers } from '../../../contract/survey-conditions';
// SurveyJS's own texts (buttons, "Vereist", progress) in Dutch.
import 'survey-core/i18n/dutch';
import { sanitizeHtml } from './sanitize';

/**
 * Building survey-core models for the respondent page and the admin preview alike: the same
 * locale, theme and variables as the server's buildSurvey (server/questionnaires/content.ts), so
 * what a school sees is what the server validates against.
 */

// A plain bar with "Pagina 3 van 7" reads better on a phone than a row of page buttons.
settings.legacyProgressBarView = true;

// The nomination question (contract/nominations.ts): the same specialised question as on the server.
if (!ComponentCollection.Instance.getCustomQuestionByName(NOMINATION_TYPE)) {
  ComponentCollection.Instance.add(structuredClone(NOMINATION_COMPONENT) as never);
}

export type QuestionnaireJson = Record<string, unknown>;
export type Answers = Record<string, unknown>;

/** A calm look: the app's own blue, a light background, the system font (no web fonts: CSP). */
const THEME = {
  themeName: 'meetronde',
  colorPalette: 'light',
  isPanelless: false,
  cssVariables: {
    '--sjs2-color-project-brand-600': '#1d5e8c',
    '--sjs2-color-utility-surface-survey': '#f6f7f9',
    '--sjs2-typography-font-family-text': "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  },
};

/** Keys whose strings are not text for people: expressions, names and values (an expression's `<` is not markup). */
const NOT_TEXT = /(If|[eE]xpression|^name|^valueName|^value|^type|^visibleIf)$/;

/** Every questionnaire text that holds markup, through the sanitiser; everything else as it is. */
function sanitizeTexts(value: unknown, key: string): unknown {
  if (typeof value === 'string') return value.includes('<') && !NOT_TEXT.test(key) ? sanitizeHtml(value) : value;
  if (Array.isArray(value)) return value.map((item) => sanitizeTexts(item, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, sanitizeTexts(v, k)]));
  }
  return value;
}

export function createSurveyModel(questionnaire: QuestionnaireJson, variables: Record<string, unknown>): Model {
  // Our metadata block is for the server; survey-core would only warn about an unknown property.
  const { meetronde: _meta, ...raw } = questionnaire;
  // Sanitised before survey-core sees it: the model computes texts while it loads, before any
  // event handler below is attached, and React would render those once.
  const json = sanitizeTexts(raw, '') as QuestionnaireJson;
  const model = new Model(json);
  model.locale = 'nl';
  // survey-core skips `{matrix.row}` conditions when the matrix is cleared; the server's
  // buildSurvey does the same, so page and server agree (contract/survey-conditions.ts).
  runConditionsOnClearedAnswers(model);
  model.applyTheme(THEME);
  model.showProgressBar = true;
  model.progressBarType = 'pages';
  // Saves while typing (debounced by the caller) rather than only when a field loses focus.
  model.textUpdateMode = 'onTyping';
  model.autoFocusFirstQuestion = false;
  // The page shows its own thank-you page with the summary.
  model.showCompletePage = false;
  for (const [name, value] of Object.entries(variables)) model.setVariable(name, value ?? '');
  // Questionnaire HTML is data, not code (issue 27): html questions and texts with markup are
  // sanitised before SurveyJS puts them in the page; texts without markup stay plain text.
  model.onProcessHtml.add((_, options) => {
    options.html = sanitizeHtml(options.html);
  });
  model.onTextMarkdown.add((_, options) => {
    if (options.text.includes('<')) options.html = sanitizeHtml(options.text);
  });
  return model;
}

export interface SummaryItem {
  name: string;
  title: string;
  /** One line per answer; matrix questions give "row: column" lines. */
  lines: string[];
}

function displayLines(question: Question): string[] {
  const value: unknown = question.displayValue;
  const lines: string[] = [];
  if (value === undefined || value === null || value === '') {
    // fall through: nothing answered
  } else if (Array.isArray(value)) {
    lines.push(value.map(String).join(', '));
  } else if (typeof value === 'object') {
    for (const [row, answer] of Object.entries(value as Record<string, unknown>)) {
      if (answer !== undefined && answer !== null && answer !== '') lines.push(`${row}: ${String(answer)}`);
    }
  } else {
    lines.push(String(value));
  }
  const comment = question.comment;
  if (typeof comment === 'string' && comment.trim() !== '') lines.push(comment);
  return lines;
}

/** The answered questions the routing shows, in questionnaire order, as titles and display texts. */
export function summarize(model: Model): SummaryItem[] {
  const items: SummaryItem[] = [];
  for (const question of model.getAllQuestions(true)) {
    if (question.getType() === 'html' || question.isEmpty()) continue;
    const lines = displayLines(question);
    if (lines.length > 0) items.push({ name: question.name, title: question.processedTitle, lines });
  }
  return items;
}
