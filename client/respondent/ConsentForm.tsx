import { useId, useState } from 'react';
import { sanitizeHtml } from '../shared/survey/sanitize';
import type { SurveyPayload } from './respondent-api';

/**
 * The consent page as plain HTML, shown at once while SurveyJS (most of the page's code) loads in
 * the background (issue 21: first question visible in under a second). It shows what SurveyJS
 * shows on the first page: the page title, the introduction folded into "Over dit onderzoek" and
 * the consent question; nothing is sent from here. The answer, and a press on the button, are
 * handed to the SurveyJS page as soon as it is loaded, which then does what it always did (POST
 * consent and go on, or record the refusal), so there is one path for consent.
 */

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A questionnaire text: plain or localised ({ nl, default }). */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isRecord(value)) {
    const nl = value.nl ?? value.default;
    if (typeof nl === 'string') return nl;
  }
  return '';
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `{name}` of an invitation variable replaced as SurveyJS does; escaped when the text is HTML. */
function pipe(value: string, variables: Record<string, unknown>, html: boolean): string {
  return value.replace(/\{([a-z_]+)\}/g, (match, name: string) => {
    if (!(name in variables)) return match;
    const replaced = String(variables[name] ?? '');
    return html ? escapeHtml(replaced) : replaced;
  });
}

export interface ConsentPageContent {
  title: string;
  intro: string[];
  question: { name: string; title: string; description: string; required: boolean; choices: Array<{ value: string; text: string }> };
}

/**
 * What the consent page shows, or null when the first page holds anything this form does not
 * render (then the SurveyJS page is waited for, as before).
 */
export function consentPageContent(survey: SurveyPayload): ConsentPageContent | null {
  const pages = (survey.questionnaire as Json).pages;
  const first = Array.isArray(pages) ? pages[0] : null;
  if (!isRecord(first) || (first.visibleIf !== undefined && first.visibleIf !== '')) return null;
  const elements = Array.isArray(first.elements) ? first.elements : [];
  const variables = survey.variables as Record<string, unknown>;
  const intro: string[] = [];
  let question: ConsentPageContent['question'] | null = null;
  for (const element of elements) {
    if (!isRecord(element) || (element.visibleIf !== undefined && element.visibleIf !== '')) return null;
    if (element.type === 'html' && question === null) {
      intro.push(sanitizeHtml(pipe(text(element.html), variables, true)));
      continue;
    }
    if (element.type !== 'radiogroup' || element.name !== survey.consent.question || question !== null) return null;
    const choices: Array<{ value: string; text: string }> = [];
    for (const choice of Array.isArray(element.choices) ? element.choices : []) {
      if (!isRecord(choice) || typeof choice.value !== 'string' || Object.keys(choice).some((k) => k !== 'value' && k !== 'text')) return null;
      choices.push({ value: choice.value, text: pipe(text(choice.text) || choice.value, variables, false) });
    }
    const allowed = new Set(['type', 'name', 'title', 'description', 'isRequired', 'choices']);
    if (Object.keys(element).some((k) => !allowed.has(k))) return null;
    const title = pipe(text(element.title) || element.name, variables, false);
    const description = pipe(text(element.description), variables, false);
    // Markup in a title or description: SurveyJS renders it; leave the page to SurveyJS.
    if (title.includes('<') || description.includes('<')) return null;
    question = { name: element.name, title, description, required: element.isRequired === true, choices };
  }
  if (!question || !choices(question).includes(survey.consent.yes) || !choices(question).includes(survey.consent.no)) return null;
  return { title: pipe(text(first.title), variables, false), intro, question };
}

const choices = (question: ConsentPageContent['question']) => question.choices.map((c) => c.value);

interface Props {
  content: ConsentPageContent;
  consent: SurveyPayload['consent'];
  /** True once the button was pressed and the SurveyJS page is awaited. */
  waiting: boolean;
  answer: string | null;
  onAnswer: (value: string) => void;
  onSubmit: () => void;
}

export function ConsentForm({ content, consent, waiting, answer, onAnswer, onSubmit }: Props) {
  const id = useId();
  const [touched, setTouched] = useState(false);
  const { question } = content;
  const missing = touched && question.required && answer === null;
  return (
    <form
      className="mr-card mr-consent"
      data-testid="consent-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        setTouched(true);
        if (question.required && answer === null) return;
        onSubmit();
      }}
    >
      {content.title && <h2 className="mr-consent-title sd-page__title">{content.title}</h2>}
      {content.intro.length > 0 && (
        <details className="mr-intro sd-question--html">
          <summary>Over dit onderzoek</summary>
          {content.intro.map((html, i) => (
            <div key={i} dangerouslySetInnerHTML={{ __html: html }} />
          ))}
        </details>
      )}
      <fieldset className="mr-consent-question sd-question" aria-describedby={question.description ? `${id}-d` : undefined} aria-invalid={missing || undefined}>
        <legend>
          {question.title}
          {question.required && <span aria-hidden="true"> *</span>}
        </legend>
        {question.description && (
          <p id={`${id}-d`} className="mr-muted">
            {question.description}
          </p>
        )}
        {missing && (
          <p role="alert" className="mr-consent-error">
            Dit is een vereiste vraag
          </p>
        )}
        {question.choices.map((choice) => (
          <label key={choice.value} className="mr-consent-choice">
            <input
              type="radio"
              name={`${id}-answer`}
              value={choice.value}
              checked={answer === choice.value}
              disabled={waiting}
              required={question.required}
              onChange={() => onAnswer(choice.value)}
            />
            <span>{choice.text}</span>
          </label>
        ))}
      </fieldset>
      <div className="mr-consent-actions">
        <button type="submit" disabled={waiting}>
          {answer === consent.yes ? 'Volgende' : 'Verzenden'}
        </button>
        {waiting && (
          <span role="status" className="mr-muted">
            Bezig met laden…
          </span>
        )}
      </div>
    </form>
  );
}
