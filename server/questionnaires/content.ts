import { ComponentCollection, Model, Serializer } from 'survey-core';
import { NOMINATION_COMPONENT, NOMINATION_TYPE } from '../../contract/nominations';
import { runConditionsOnClearedAnswers } from '../../contract/survey-conditions';
import 'survey-core/i18n/dutch';
import { PERSON_ROLES, type PersonRole } from '../../contract/vocabulary';
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
  /**
   * The actor groups of a questionnaire with several versions (teachers, school leaders, parents
   * about each other), or null. The respondent's group is the variable `actor` (persons.role);
   * each group's `texts` are variables too (`{andere_ouders}`), so one file holds every version.
   */
  actors: ActorGroup[] | null;
}

export interface ActorGroup {
  role: PersonRole;
  /** Variable name → this group's wording. Every group defines the same names. */
  texts: Record<string, string>;
  /** Extra names (besides the vocabulary's) by which a row or option would mean this group as a whole. */
  self: string[];
}

const TEXT_VARIABLE = /^[a-z][a-z0-9_]{0,39}$/;
const MAX_ACTOR_TEXT = 300;

function readActors(raw: unknown, variables: VariableName[]): ActorGroup[] | null {
  if (raw === undefined || raw === null) {
    if (variables.includes('actor')) throw new QuestionnaireFormatError('meetronde.variables uses "actor" but meetronde.actors declares no actor groups');
    return null;
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new QuestionnaireFormatError('meetronde.actors must be a non-empty list of actor groups');
  if (!variables.includes('actor')) throw new QuestionnaireFormatError('meetronde.actors needs "actor" in meetronde.variables');
  const groups: ActorGroup[] = [];
  let keys: string[] | null = null;
  raw.forEach((entry, i) => {
    const at = `meetronde.actors[${i}]`;
    if (!isRecord(entry)) throw new QuestionnaireFormatError(`${at} must be an object`);
    const role = PERSON_ROLES.find((r) => r === entry.role);
    if (!role) throw new QuestionnaireFormatError(`${at}.role must be one of ${PERSON_ROLES.join(', ')}`);
    if (groups.some((g) => g.role === role)) throw new QuestionnaireFormatError(`${at}.role: ${role} is declared twice`);
    const textsRaw = entry.texts ?? {};
    if (!isRecord(textsRaw)) throw new QuestionnaireFormatError(`${at}.texts must be an object of variable name → text`);
    const texts: Record<string, string> = {};
    for (const [name, value] of Object.entries(textsRaw)) {
      if (!TEXT_VARIABLE.test(name)) throw new QuestionnaireFormatError(`${at}.texts: "${name}" is no variable name (a-z, 0-9, _; starts with a letter)`);
      if ((VARIABLE_NAMES as readonly string[]).includes(name)) throw new QuestionnaireFormatError(`${at}.texts: "${name}" is an invitation variable`);
      if (typeof value !== 'string' || value.trim() === '') throw new QuestionnaireFormatError(`${at}.texts.${name} must be a non-empty text`);
      if (value.length > MAX_ACTOR_TEXT) throw new QuestionnaireFormatError(`${at}.texts.${name} is longer than ${MAX_ACTOR_TEXT} characters`);
      texts[name] = value;
    }
    const names = Object.keys(texts).sort();
    if (keys === null) keys = names;
    else if (keys.join('\0') !== names.join('\0'))
      throw new QuestionnaireFormatError(`${at}.texts must define the same variables as the first group (${keys.join(', ') || 'none'}), so every version has every text`);
    const selfRaw = entry.self ?? [];
    if (!Array.isArray(selfRaw) || !selfRaw.every((s): s is string => typeof s === 'string' && s.trim() !== ''))
      throw new QuestionnaireFormatError(`${at}.self must be a list of texts`);
    groups.push({ role, texts, self: selfRaw });
  });
  return groups;
}

/** The names of the actor text variables a questionnaire declares (empty without actors). */
export function actorTextNames(meta: Pick<QuestionnaireMeta, 'actors'>): string[] {
  return meta.actors ? Object.keys(meta.actors[0]!.texts) : [];
}

/**
 * The actor text variables for one respondent's group: the group's texts, or '' for each name
 * when the group is not one of the questionnaire's (the lint reports texts that end up empty).
 */
export function actorTexts(meta: Pick<QuestionnaireMeta, 'actors'>, actor: string | undefined | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!meta.actors) return out;
  const group = meta.actors.find((g) => g.role === actor);
  for (const name of actorTextNames(meta)) out[name] = group?.texts[name] ?? '';
  return out;
}

/** actorTexts for content that may not be a valid questionnaire (then none). */
export function actorTextsOf(content: unknown, actor: string | undefined | null): Record<string, string> {
  try {
    return actorTexts(readMeta(content), actor);
  } catch (error) {
    if (error instanceof QuestionnaireFormatError) return {};
    throw error;
  }
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
  const actors = readActors(meta.actors, variables);
  return { key, version, variables, consent, branch, actors };
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
  // As on the page (client/shared/survey/model.ts): a cleared answer reruns every condition.
  runConditionsOnClearedAnswers(survey);
  for (const name of VARIABLE_NAMES) {
    const value = variables?.[name];
    survey.setVariable(name, value ?? '');
  }
  for (const [name, value] of Object.entries(actorTextsOf(content, variables?.actor))) survey.setVariable(name, value);
  return survey;
}
