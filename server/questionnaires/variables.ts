import { PERSON_ROLES, SITUATIONS, SWV_SECTORS, type PersonRole } from '../../contract/vocabulary';
import type { SchoolKind, Situation, SwvSector } from '../db/types';

/**
 * The variables a questionnaire may use in expressions (`{situatie} = 'po-ko'`) and texts
 * (`samenwerking met {partner}`). They are set from the invitation, never answered by the
 * respondent. A questionnaire declares the ones it uses in `meetronde.variables`; the linter
 * refuses any other `{ref}` that is not a question.
 */
export const VARIABLE_NAMES = ['situatie', 'sector', 'partner', 'thema', 'school_naam', 'actor'] as const;
export type VariableName = (typeof VARIABLE_NAMES)[number];
export type QuestionnaireVariables = Readonly<Record<VariableName, string>>;

export { SITUATIONS };
export const SECTORS: readonly SwvSector[] = SWV_SECTORS;

/**
 * Variables whose values come from a closed list; the linter checks that expressions compare
 * them only with values from that list (so `{situatie} = 'po_ko'` is caught). '' means "not set".
 */
export const VARIABLE_VALUES: Partial<Record<VariableName, readonly string[]>> = {
  situatie: ['', ...SITUATIONS],
  sector: ['', ...SECTORS],
  actor: ['', ...PERSON_ROLES],
};

/**
 * Variables that may be piped into HTML (`html` elements, completed pages). Only values our own
 * code chooses from a fixed list qualify; a school name from DUO is text, not HTML.
 */
export const HTML_SAFE_VARIABLES: ReadonlySet<string> = new Set<VariableName>(['situatie', 'sector', 'partner', 'thema', 'actor']);

export const DEFAULT_THEME = '(hoog)begaafdheid';
/** In the po–kinderopvang situation the theme for young children includes ontwikkelingsvoorsprong (IMAGE report §2.1). */
export const PO_KO_THEME = '(hoog)begaafdheid/ontwikkelingsvoorsprong';
/** The generic term of the report's table titles, used when no situation is known. */
export const GENERIC_PARTNER = 'samenwerkingspartners';

export interface VariablesInput {
  /** The situation of the school's SWV in this round; null for questionnaires that have none (Eemland). */
  situation: Situation | null;
  /** Sector of the school's SWV. */
  sector: SwvSector | null;
  schoolName: string;
  /**
   * The school's own kind, when known. Only matters in vso–vo, where a vso school collaborates
   * with regular vo schools and a regular vo school with vso schools.
   */
  schoolKind?: SchoolKind | null;
  /**
   * The respondent's actor group in a person round (persons.role), for questionnaires that
   * declare `meetronde.actors`; null or absent for school rounds.
   */
  actor?: PersonRole | null;
}

/**
 * The partner noun phrase, with article where Dutch needs one, so it reads in
 * "samenwerking met {partner}", "door {partner}" and "vertrouwen in {partner}".
 */
export function partnerFor(situation: Situation | null, sector: SwvSector | null, schoolKind?: SchoolKind | null): string {
  switch (situation) {
    case 'po-ko':
      return 'de kinderopvang';
    case 'po-vo':
      // A primary school works with secondary schools and vice versa; the SWV's sector says which side the school is on.
      if (sector ? sector === 'vo' : schoolKind === 'vo' || schoolKind === 'vso') return 'po-scholen';
      return 'vo-scholen';
    case 'po-po':
      return 'andere po-scholen';
    case 'vo-vo':
      return 'andere vo-scholen';
    case 'vso-vo':
      return schoolKind === 'vso' ? 'reguliere vo-scholen' : 'scholen voor voortgezet speciaal onderwijs (vso)';
    case 'ow-jh':
      return 'jeugdhulp';
    case null:
      return GENERIC_PARTNER;
  }
}

export function themeFor(situation: Situation | null): string {
  return situation === 'po-ko' ? PO_KO_THEME : DEFAULT_THEME;
}

/** Longest school name we pipe into a text; DUO names are far shorter. */
const MAX_SCHOOL_NAME = 200;

/** The variables for one invitation; set them on the survey before its data. */
export function variablesFor(input: VariablesInput): QuestionnaireVariables {
  const schoolName = input.schoolName.replace(/\s+/g, ' ').trim().slice(0, MAX_SCHOOL_NAME);
  return {
    situatie: input.situation ?? '',
    sector: input.sector ?? '',
    partner: partnerFor(input.situation, input.sector, input.schoolKind),
    thema: themeFor(input.situation),
    school_naam: schoolName || 'uw school',
    actor: input.actor ?? '',
  };
}
