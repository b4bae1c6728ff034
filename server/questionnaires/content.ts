import { ComponentCollection, Model, Serializer } from 'survey-core';
import { NOMINATION_COMPONENT, NOMINATION_TYPE } from '../../contract/nominations';
import 'survey-core/i18n/dutch';
import { VARIABLE_NAMES, type QuestionnaireVariables, type VariableName } from './variables';

/**
 * A questionnaire version's content: the SurveyJS JSON of one file in questionnaires/, with our
 * own metadata under the top-level key `meetronde`. This is what a round pins in
 * questionnaire_versions.content, so everything needed to validate a response travels with it.
 */
export type QuestionnaireContent = Readonly<Record<string, unknown>>;

export interface QuestionnaireMeta {
  /** Stable across measurements: 'image-samenwerking'. */
  key: string;
  /** The measurement this file belongs to: '2023'. Together with the key it names the file. */
  version: string;
  /** The invitation variables the questionnaire uses (see variables.ts). */
  variables: VariableName[];
  /** The first question; `no` ends the questionnaire and nothing else is kept. */
  consent: { question: string; yes: string; no: string };
  /** The question whose answer is the response's branch (reported in tracking), or null. */
  branch: { question: string; values: string[] } | null;
}

/** A questionnaire file or snapshot that is not what we expect; the message is for developers. */
export class QuestionnaireFormatError extends Error {}

// Our metadata is a survey-level property, so survey-core neither reports it in jsonErrors nor
// drops it from toJSON(). Registered once per process, on first import.
if (!Serializer.findProperty('survey', 'meetronde')) {
  Serializer.addProperty('survey', { name: 'meetronde', visible: false });
}
// The nomination question (contract/nominations.ts), the same specialised question as in the browser.
if (!ComponentCollection.Instance.getCustomQuestionByName(NOMINATION_TYPE)) {
  ComponentCollection.Instance.add(structuredClone(NOMINATION_COMPONENT) as never);
}

const KEY = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.]*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new QuestionnaireFormatError(`${where} must be a non-empty string`);
  return value;
}

export function isQuestionnaireContent(value: unknown): value is QuestionnaireContent {
  return isRecord(value);
}

/** Reads and checks the `meetronde` block of a questionnaire. Throws QuestionnaireFormatError. */
export function readMeta(content: unknown): QuestionnaireMeta {
  if (!isRecord(content)) throw new QuestionnaireFormatError('a questionnaire must be a JSON object');
  const meta = content.meetronde;
  if (!isRecord(meta)) throw new QuestionnaireFormatError('the questionnaire has no "meetronde" block');
  const key = text(meta.key, 'meetronde.key');
  if (!KEY.test(key)) throw new QuestionnaireFormatError('meetronde.key must be kebab-case (a-z, 0-9, -)');
  const version = text(meta.version, 'meetronde.version');
  if (!VERSION.test(version)) throw new QuestionnaireFormatError('meetronde.version must be letters, digits and dots');
  const variablesRaw = meta.variables ?? [];
  if (!Array.isArray(variablesRaw)) throw new QuestionnaireFormatError('meetronde.variables must be a list');
  const variables: VariableName[] = [];
  for (const name of variablesRaw) {
    const known = VARIABLE_NAMES.find((v) => v === name);
    if (!known) throw new QuestionnaireFormatError(`meetronde.variables: unknown variable ${JSON.stringify(name)} (known: ${VARIABLE_NAMES.join(', ')})`);
    variables.push(known);
  }
  if (!isRecord(meta.consent)) throw new QuestionnaireFormatError('meetronde.consent is missing');
  const consent = {
    question: text(meta.consent.question, 'meetronde.consent.question'),
    yes: text(meta.consent.yes, 'meetronde.consent.yes'),
    no: text(meta.consent.no, 'meetronde.consent.no'),
  };
  if (consent.yes === consent.no) throw new QuestionnaireFormatError('meetronde.consent.yes and .no must differ');
  let branch: QuestionnaireMeta['branch'] = null;
  if (meta.branch !== undefined && meta.branch !== null) {
    if (!isRecord(meta.branch)) throw new QuestionnaireFormatError('meetronde.branch must be an object');
    const values = meta.branch.values;
    if (!Array.isArray(values) || values.length === 0 || !values.every((v): v is string => typeof v === 'string' && v !== '')) {
      throw new QuestionnaireFormatError('meetronde.branch.values must be a non-empty list of strings');
    }
    branch = { question: text(meta.branch.question, 'meetronde.branch.question'), values };
  }
  return { key, version, variables, consent, branch };
}

/** The questionnaire's title as text (the `nl` or default text of a localised title). */
export function titleOf(content: QuestionnaireContent): string {
  const title = content.title;
  if (typeof title === 'string') return title;
  if (isRecord(title)) {
    const nl = title.nl ?? title.default;
    if (typeof nl === 'string') return nl;
  }
  return '';
}

/**
 * A fresh survey-core model with the invitation's variables set, ready for `data` to be
 * assigned. A model is mutable: build one per use, never share it.
 */
export function buildSurvey(content: QuestionnaireContent, variables?: Partial<QuestionnaireVariables>): Model {
  const survey = new Model(content);
  survey.locale = 'nl';
  for (const name of VARIABLE_NAMES) {
    const value = variables?.[name];
    survey.setVariable(name, value ?? '');
  }
  return survey;
}
