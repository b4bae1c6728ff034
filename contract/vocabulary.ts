/**
 * The domain vocabulary and its Dutch labels, for both sides. Plain data: no imports.
 * No other file in server/ or client/ spells a samenwerkingssituatie's label
 * (tests/unit/vocabulary.test.ts checks it).
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

/** Plural Dutch names of the actor groups, for tables that compare them ("Leraren", "Ouders"). */
export const PERSON_ROLE_GROUP_LABELS: Record<PersonRole, string> = {
  pupil: 'Leerlingen',
  teacher: 'Leraren',
  coordinator: 'Coördinatoren',
  school_leader: 'Schoolleiders',
  professional: 'Professionals',
  parent: 'Ouders',
};

/**
 * How a questionnaire names an actor group as a whole. A matrix row or option with one of these
 * texts, shown to a respondent of that same group, asks them about "themselves" where another
 * version says "collega-leraren" or "andere ouders": the questionnaire lint reports it.
 */
export const PERSON_ROLE_SELF_NAMES: Record<PersonRole, readonly string[]> = {
  pupil: ['leerling', 'leerlingen'],
  teacher: ['leraar', 'leraren', 'leerkracht', 'leerkrachten', 'docent', 'docenten'],
  coordinator: ['coördinator', 'coördinatoren'],
  school_leader: ['schoolleider', 'schoolleiders', 'schoolleiding', 'directie'],
  professional: ['professional', 'professionals'],
  parent: ['ouder', 'ouders', 'ouders/verzorgers', 'ouder/verzorger'],
};

// ---- Samenwerkingssituaties (IMAGE report, Tabel 3 and Tabel B1)

/** The six samenwerkingssituaties, in the report's order. */
export const SITUATIONS = ['po-ko', 'po-vo', 'po-po', 'vo-vo', 'vso-vo', 'ow-jh'] as const;
export type Situation = (typeof SITUATIONS)[number];

/**
 * Full labels: the rows of the report's Tabel 3 (../shared/questionnaires/image-samenwerking.md).
 * The vso–vo label is the report's ("Tussen voortgezet speciaal en regulier onderwijs").
 */
export const SITUATION_LABELS: Record<Situation, string> = {
  'po-ko': 'Tussen po en kinderopvang',
  'po-vo': 'Tussen po en vo',
  'po-po': 'Samenwerking binnen po',
  'vo-vo': 'Samenwerking binnen vo',
  'vso-vo': 'Tussen voortgezet speciaal en regulier onderwijs',
  'ow-jh': 'Tussen onderwijs en jeugdhulp',
};

/** Short names for narrow places (tables, filters); the same as Tabel B1's block labels. */
export const SITUATION_SHORT: Record<Situation, string> = {
  'po-ko': 'Po-kinderopvang',
  'po-vo': 'Po-vo',
  'po-po': 'Binnen po',
  'vo-vo': 'Binnen vo',
  'vso-vo': 'Speciaal-regulier',
  'ow-jh': 'Onderwijs-jeugdhulp',
};

/** Lower-case names inside running text (a mailing's target: "situatie: po–vo, binnen po"). */
export const SITUATION_IN_TEXT: Record<Situation, string> = {
  'po-ko': 'po–kinderopvang',
  'po-vo': 'po–vo',
  'po-po': 'binnen po',
  'vo-vo': 'binnen vo',
  'vso-vo': 'vso–vo',
  'ow-jh': 'onderwijs–jeugdhulp',
};

/** Block order and labels of Tabel B1. */
export const SECTOR_BLOCKS: ReadonlyArray<{ situation: Situation; label: string }> = [
  { situation: 'po-po', label: 'Po-scholen' },
  { situation: 'vo-vo', label: 'Vo-scholen' },
  { situation: 'po-vo', label: 'Po-vo' },
  { situation: 'po-ko', label: 'Po-kinderopvang' },
  { situation: 'ow-jh', label: 'Onderwijs-jeugdhulp' },
  { situation: 'vso-vo', label: 'Speciaal-regulier' },
];

/**
 * An SWV without a samenwerkingssituatie: a round whose questionnaire has none (an SWV's own
 * monitor), or schools of an SWV that is not assigned to the round.
 */
export const NO_SITUATION_LABEL = 'Geen samenwerkingssituatie';
/** The same in narrow places (a table column). */
export const NO_SITUATION_SHORT = 'Geen situatie';

export function situationLabel(situation: Situation | null): string {
  return situation ? SITUATION_LABELS[situation] : NO_SITUATION_LABEL;
}

// ---- Sectors and school kinds

/** The sector of a samenwerkingsverband. */
export const SWV_SECTORS = ['po', 'vo'] as const;
export type SwvSector = (typeof SWV_SECTORS)[number];

/** The kind of a school (location), in the report's order. */
export const SCHOOL_KINDS = ['po', 'sbo', 'so', 'vso', 'vo'] as const;
export type SchoolKind = (typeof SCHOOL_KINDS)[number];
export const SCHOOL_KIND_LABELS: Record<SchoolKind, string> = {
  po: 'Basisonderwijs (po)',
  sbo: 'Speciaal basisonderwijs (sbo)',
  so: 'Speciaal onderwijs (so)',
  vso: 'Voortgezet speciaal onderwijs (vso)',
  vo: 'Voortgezet onderwijs (vo)',
};

// ---- Branches: the mate van samenwerking of the IMAGE questionnaire

export const BRANCHES = ['wel', 'plannen', 'geen'] as const;
export type Branch = (typeof BRANCHES)[number];
export const BRANCH_LABELS: Record<Branch, string> = {
  wel: 'Wel samenwerking',
  plannen: 'Plannen voor samenwerking',
  geen: 'Geen samenwerking',
};

// ---- Statuses

export const ROUND_STATUSES = ['draft', 'open', 'closed'] as const;
export type RoundStatus = (typeof ROUND_STATUSES)[number];
/** As the admin's round list shows it. */
export const ROUND_STATUS_LABELS: Record<RoundStatus, string> = { draft: 'Concept', open: 'Open', closed: 'Gesloten' };
/** As the tracking pages show it (a round being prepared, seen from the results' side). */
export const TRACKING_ROUND_STATUS_LABELS: Record<RoundStatus, string> = { draft: 'In voorbereiding', open: 'Open', closed: 'Gesloten' };

export const INVITATION_STATUSES = ['pending', 'invited', 'opened', 'refused', 'started', 'completed'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const MAILING_STATUSES = ['scheduled', 'sending', 'sent', 'cancelled'] as const;
export type MailingStatus = (typeof MAILING_STATUSES)[number];

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'bounced', 'cancelled'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];
/** A message's state in the outbox, as the mail pages show it. */
export const OUTBOX_STATUS_LABELS: Record<OutboxStatus, string> = {
  pending: 'wacht',
  sending: 'wordt verstuurd',
  sent: 'verstuurd',
  failed: 'mislukt',
  bounced: 'onbestelbaar',
  cancelled: 'niet verstuurd',
};

/** A school's state as the SWV view shows it (server/tracking/swv-view.ts derives it from the invitation). */
export const SCHOOL_STATES = ['not_invited', 'invited', 'unreachable', 'started', 'completed', 'declined'] as const;
export type SchoolState = (typeof SCHOOL_STATES)[number];
export const SCHOOL_STATE_LABELS: Record<SchoolState, string> = {
  not_invited: 'Nog niet uitgenodigd',
  invited: 'Uitgenodigd',
  unreachable: 'E-mail onbestelbaar',
  started: 'Begonnen',
  completed: 'Ingevuld',
  declined: 'Doet niet mee',
};

/** The status of a response in the export (SPSS value labels of `status`). */
export const RESPONSE_STATUS_LABELS: ReadonlyArray<readonly [number, string]> = [
  [1, 'Volledig ingevuld'],
  [2, 'Gedeeltelijk ingevuld'],
];

/** The unit of a round: one respondent per school location, or persons within a school (issue 19). */
export const UNIT_TYPES = ['school', 'person', 'partner'] as const;
export type UnitTypeWord = (typeof UNIT_TYPES)[number];
export const UNIT_TYPE_LABELS: Record<UnitTypeWord, string> = {
  school: 'Scholen (één vragenlijst per schoolvestiging)',
  person: 'Personen (leerlingen, leerkrachten) binnen scholen',
  partner: 'Partnerorganisaties die scholen noemden (sneeuwbalronde)',
};

/** The kind of organisation a school names as a partner (nomination question, issue 20). */
export const PARTNER_TYPES = ['kinderopvang', 'jeugdhulp', 'andere-school', 'anders'] as const;
export type PartnerType = (typeof PARTNER_TYPES)[number];
export const PARTNER_TYPE_LABELS: Record<PartnerType, string> = {
  kinderopvang: 'Kinderopvang',
  jeugdhulp: 'Jeugdhulp',
  'andere-school': 'Andere school',
  anders: 'Andere organisatie',
};

/** The admin's decision on a nominated partner (snowball round). */
export const PARTNER_STATES = ['pending', 'approved', 'rejected'] as const;
export type PartnerState = (typeof PARTNER_STATES)[number];
export const PARTNER_STATE_LABELS: Record<PartnerState, string> = {
  pending: 'Te beoordelen',
  approved: 'Goedgekeurd',
  rejected: 'Afgewezen',
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
