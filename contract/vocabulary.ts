/**
 * The domain vocabulary and its Dutch labels, for both sides. Plain data: no imports.
 * (Situations, sectors, branches and statuses move here from their copies in server/ and client/.)
 */

/** Roles of a person in a person-level round (../shared/person-level-rounds.md). */
export const PERSON_ROLES = ['pupil', 'teacher', 'coordinator', 'school_leader', 'professional', 'parent'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];
export const PERSON_ROLE_LABELS: Record<PersonRole, string> = {
  pupil: 'Leerling',
  teacher: 'Leerkracht',
  coordinator: 'Coördinator',
  school_leader: 'Schoolleider',
  professional: 'Professional',
  parent: 'Ouder',
};

/** The unit of a round: one respondent per school location, or persons within a school (issue 19). */
export const UNIT_TYPES = ['school', 'person'] as const;
export type UnitTypeWord = (typeof UNIT_TYPES)[number];
export const UNIT_TYPE_LABELS: Record<UnitTypeWord, string> = {
  school: 'Scholen (één vragenlijst per schoolvestiging)',
  person: 'Personen (leerlingen, leerkrachten) binnen scholen',
};

/** Parental consent in a person round: passive (parents may object) or active (parents must agree). */
export const CONSENT_MODES = ['passive', 'active'] as const;
export type ConsentModeWord = (typeof CONSENT_MODES)[number];
export const CONSENT_MODE_LABELS: Record<ConsentModeWord, string> = {
  passive: 'Passieve toestemming (ouders kunnen bezwaar maken)',
  active: 'Actieve toestemming (ouders moeten toestemming geven)',
};

/** The grade of a class a coordinator registers: groep (po) or leerjaar (vo). */
export const CLASS_GRADES = ['g3', 'g4', 'g5', 'g6', 'g7', 'g8', 'vo1', 'vo2', 'vo3', 'vo4', 'vo5', 'vo6'] as const;
export type ClassGrade = (typeof CLASS_GRADES)[number];
export const CLASS_GRADE_LABELS: Record<ClassGrade, string> = {
  g3: 'Groep 3',
  g4: 'Groep 4',
  g5: 'Groep 5',
  g6: 'Groep 6',
  g7: 'Groep 7',
  g8: 'Groep 8',
  vo1: 'Leerjaar 1',
  vo2: 'Leerjaar 2',
  vo3: 'Leerjaar 3',
  vo4: 'Leerjaar 4',
  vo5: 'Leerjaar 5',
  vo6: 'Leerjaar 6',
};

/** Consent events of a person round (append-only). */
export const CONSENT_EVENT_LABELS: Record<'info_sent' | 'objection' | 'consent' | 'assent' | 'assent_refused' | 'erased', string> = {
  info_sent: 'Ouderbrief verstuurd',
  objection: 'Bezwaar van ouder',
  consent: 'Toestemming van ouder',
  assent: 'Leerling doet mee',
  assent_refused: 'Leerling doet niet mee',
  erased: 'Antwoorden gewist',
};
