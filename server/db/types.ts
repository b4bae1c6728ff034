import type { ColumnType, Generated, Selectable } from 'kysely';

/** The one file that declares the database's table types; every query is checked against it. */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** jsonb: read as parsed JSON, written as a JSON string (PGlite needs the string form). */
type Json<T> = ColumnType<T, string, string>;
type JsonWithDefault<T> = ColumnType<T, string | undefined, string>;

import type { InvitationStatus, MailingStatus, OutboxStatus, RoundStatus, SchoolKind, Situation, SwvSector } from '../../contract/vocabulary';

// The domain's words live in contract/vocabulary.ts; re-exported for the table types' readers.
export type { InvitationStatus, MailingStatus, OutboxStatus, RoundStatus, SchoolKind, Situation, SwvSector };
export type Role = 'admin' | 'researcher';
export type MailingKind = 'invitation' | 'reminder';

export interface ReminderPolicy {
  /** Days after each school's invitation on which a reminder goes out. */
  afterDays: number[];
}

export interface StudiesTable {
  id: Generated<number>;
  name: string;
  slug: string;
  description: string | null;
  sender_name: string | null;
  created_at: CreatedAt;
}

export interface QuestionnaireVersionsTable {
  id: Generated<number>;
  questionnaire_key: string;
  version: string;
  title: string;
  content: Json<unknown>;
  sha256: string;
  created_at: CreatedAt;
  /** 'file': a snapshot of a file in questionnaires/; 'upload': saved from the admin app (migration 0017). */
  source: ColumnType<'file' | 'upload', 'file' | 'upload' | undefined, never>;
  created_by: ColumnType<number | null, number | null | undefined, never>;
  based_on: ColumnType<number | null, number | null | undefined, never>;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  role: Role;
  password_hash: string | null;
  disabled_at: Timestamp | null;
  last_login_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface SessionsTable {
  /** sha256 of the cookie value; the cookie itself is never stored. */
  id: string;
  user_id: number;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
}

export interface RoundsTable {
  id: Generated<number>;
  study_id: number;
  name: string;
  questionnaire_version_id: number | null;
  status: ColumnType<RoundStatus, RoundStatus | undefined, RoundStatus>;
  opens_at: Timestamp | null;
  closes_at: Timestamp | null;
  reminder_policy: JsonWithDefault<ReminderPolicy>;
  target_respondents: number | null;
  retention_until: Timestamp | null;
  previous_round_id: number | null;
  /** When the retention purge removed the round's contact data (migration 0002). */
  purged_at: Timestamp | null;
  /** 'school' (one respondent per school location) or 'person' (pupils, teachers; migration 0018). */
  unit_type: ColumnType<UnitType, UnitType | undefined, UnitType>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface SwvsTable {
  id: Generated<number>;
  code: string;
  name: string;
  sector: SwvSector;
  city: string | null;
  province: string | null;
  email: string | null;
  website: string | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface SchoolsTable {
  id: Generated<number>;
  location_code: string;
  brin: string;
  name: string;
  kind: SchoolKind;
  board_number: string | null;
  street: string | null;
  house_number: string | null;
  postcode: string | null;
  city: string | null;
  municipality: string | null;
  province: string | null;
  denomination: string | null;
  phone: string | null;
  website: string | null;
  email: string | null;
  email_source: string | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  /** DUO's pupil count of the location, as a range (small counts are masked as "<5"; migration 0012). */
  pupils_min: ColumnType<number | null, number | null | undefined, number | null>;
  pupils_max: ColumnType<number | null, number | null | undefined, number | null>;
  /** The reference date (peildatum) of the pupil count, as the file gives it. */
  pupils_reference: ColumnType<string | null, string | null | undefined, string | null>;
  /** Set when DUO gave this location's code to another school: `location_code` is then `<code>#<id>`. */
  retired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  former_location_code: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface SchoolSwvsTable {
  school_id: number;
  swv_id: number;
}

export interface RoundSwvsTable {
  round_id: number;
  swv_id: number;
  /** Null for a round whose questionnaire has no samenwerkingssituatie (migration 0013). */
  situation: Situation | null;
  region_letter: string | null;
}

/** An admin's choice about one school in one round (migration 0004). */
export interface RoundSchoolChoicesTable {
  round_id: number;
  school_id: number;
  choice: 'include' | 'exclude';
  /** For `include`: the round's SWV the school is counted under. */
  swv_id: number | null;
  created_by: number | null;
  created_at: Timestamp;
}

export interface InvitationsTable {
  id: Generated<number>;
  round_id: number;
  /** Null once the round's retention purge has pseudonymised the invitation (migration 0002). */
  school_id: number | null;
  swv_id: number;
  /** Random nonce; the token is HMAC(secret, nonce), so a database reader cannot rebuild links. */
  token_nonce: string;
  /** sha256 of the token, for lookup. */
  token_hash: string;
  email: string | null;
  status: ColumnType<InvitationStatus, InvitationStatus | undefined, InvitationStatus>;
  excluded_at: Timestamp | null;
  opted_out_at: Timestamp | null;
  bounced_at: Timestamp | null;
  invited_at: Timestamp | null;
  opened_at: Timestamp | null;
  consent_at: Timestamp | null;
  refused_at: Timestamp | null;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  last_activity_at: Timestamp | null;
  /** When an admin deleted this school's data in the round (GDPR request; migration 0002). */
  erased_at: Timestamp | null;
  created_at: CreatedAt;
  /** Pseudonym in exports, assigned on first export (migration 0008). */
  respondent_number: ColumnType<number | null, number | null | undefined, number | null>;
  /**
   * The school as it was when invited (migration 0012; filled by a trigger on insert). Exports,
   * tracking and analysis read these, so later DUO imports never relabel this round's answers.
   * The retention purge empties code, BRIN, name and address.
   */
  school_location_code: ColumnType<string | null, string | null | undefined, string | null>;
  school_brin: ColumnType<string | null, string | null | undefined, string | null>;
  school_name: ColumnType<string | null, string | null | undefined, string | null>;
  school_kind: ColumnType<SchoolKind | null, SchoolKind | null | undefined, SchoolKind | null>;
  school_street: ColumnType<string | null, string | null | undefined, string | null>;
  school_house_number: ColumnType<string | null, string | null | undefined, string | null>;
  school_postcode: ColumnType<string | null, string | null | undefined, string | null>;
  school_city: ColumnType<string | null, string | null | undefined, string | null>;
  school_province: ColumnType<string | null, string | null | undefined, string | null>;
  school_denomination: ColumnType<string | null, string | null | undefined, string | null>;
  school_pupils_min: ColumnType<number | null, number | null | undefined, number | null>;
  school_pupils_max: ColumnType<number | null, number | null | undefined, number | null>;
  /** Temporary delivery failures reported by DSNs (migration 0016). */
  soft_bounces: Generated<number>;
  /** Last delivery status code reported for this invitation's mail (migration 0016). */
  bounce_status: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ResponsesTable {
  id: Generated<number>;
  invitation_id: number;
  data: JsonWithDefault<Record<string, unknown>>;
  current_page: ColumnType<number, number | undefined, number>;
  revision: ColumnType<number, number | undefined, number>;
  branch: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface MailingsTable {
  id: Generated<number>;
  round_id: number;
  kind: MailingKind;
  target: JsonWithDefault<Record<string, unknown>>;
  due_at: Timestamp;
  status: ColumnType<MailingStatus, MailingStatus | undefined, MailingStatus>;
  created_by: number | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface OutboxMessagesTable {
  id: Generated<number>;
  mailing_id: number | null;
  invitation_id: number | null;
  idempotency_key: string;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  headers: JsonWithDefault<Record<string, string>>;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  locked_at: Timestamp | null;
  locked_by: string | null;
  sent_at: Timestamp | null;
  last_error: string | null;
  created_at: CreatedAt;
  /** How the message left: 'smtp' (the relay) or 'capture' (kept in the database, no SMTP_URL). */
  transport: string | null;
  /** The relay's last answer, for the message log. */
  smtp_response: string | null;
}

export interface MailTemplatesTable {
  round_id: number;
  kind: MailingKind;
  subject: string;
  body_text: string;
  body_html: string;
  updated_by: number | null;
  updated_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  user_id: number | null;
  /** Who it was at the time (kept when the account is deleted). */
  user_label: string | null;
  action: string;
  target: string | null;
  details: JsonWithDefault<Record<string, unknown>>;
}

/** Failed logins, for throttling; `key` is `account:<sha256>` or `address:<sha256>`. */
export interface LoginFailuresTable {
  id: Generated<number>;
  key: string;
  at: Timestamp;
}

/** One-time links that let an invited user choose a password; only sha256(token) is stored. */
export interface UserInvitesTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  created_by: number | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AppSettingsTable {
  key: string;
  value: Json<unknown>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** Folded tracking counts per round, SWV, facet and key (migrations/0007_tracking.ts). */
export interface TrackingCountsTable {
  round_id: number;
  swv_id: number;
  facet: string;
  key: string;
  n: number;
}

/** Append-only count changes written by the tracking triggers, folded into tracking_counts. */
export interface TrackingDeltasTable {
  round_id: number;
  swv_id: number;
  facet: string;
  key: string;
  n: number;
}

/** Per invitation, what the tracking counts hold for it: sent messages, completed branch, exclusion. */
export interface TrackingInvitationsTable {
  invitation_id: number;
  round_id: number;
  swv_id: number;
  is_excluded: boolean;
  sent: number;
  branch_key: string | null;
}

/** Read-only links for an SWV's project leader: one SWV, one round; the token is stored hashed. */
export interface SwvViewLinksTable {
  id: Generated<number>;
  round_id: number;
  swv_id: number;
  /** sha256 of the token; the token itself is shown once, when the link is made. */
  token_hash: string;
  label: string | null;
  created_by: number | null;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

/** Inputs and result of a round's sample-size calculation (migration 0009, server/analysis/target.ts). */
export interface RoundTargetCalculationsTable {
  round_id: number;
  population_source: 'manual' | 'invited';
  population: number;
  margin: number;
  confidence: number;
  spread: number;
  breakdown: ColumnType<'none' | 'swv' | 'situation', 'none' | 'swv' | 'situation' | undefined, 'none' | 'swv' | 'situation'>;
  required: number;
  without_correction: number;
  /** Per-group targets when a breakdown was asked for (TargetGroup[]). */
  groups: JsonWithDefault<unknown>;
  updated_by: number | null;
  updated_at: Timestamp;
}

export type InboundKind = 'bounce' | 'delivered' | 'complaint' | 'auto-reply' | 'reply';

/** Mail that came back, one row per message, processed once (migration 0016, server/inbound/). */
export interface InboundMessagesTable {
  id: Generated<number>;
  dedup_key: string;
  channel: 'imap' | 'smtp';
  source_ref: string | null;
  received_at: Timestamp;
  kind: InboundKind;
  permanent: boolean | null;
  status_code: string | null;
  reason: string;
  /** What processing did: 'unreachable', 'soft-bounce', 'opted-out', 'noted', 'listed', 'ignored', 'unmatched'. */
  effect: string;
  outbox_message_id: number | null;
  invitation_id: number | null;
  round_id: number | null;
  school_id: number | null;
  from_address: string | null;
  from_name: string | null;
  subject: string | null;
  body_text: string | null;
  forwarded_outbox_id: number | null;
  handled_at: Timestamp | null;
  handled_by: number | null;
}

export type UnitType = 'school' | 'person' | 'partner';
export type ConsentMode = 'passive' | 'active';
export type PersonStatus = 'issued' | 'started' | 'completed' | 'refused' | 'excluded';
export type ConsentEventKind = 'info_sent' | 'objection' | 'consent' | 'assent' | 'assent_refused' | 'erased';
export type ConsentEventSource = 'parent_online' | 'school' | 'pupil' | 'researcher' | 'system';

/** Snowball rounds: partners that schools named (migration 0023, server/snowball/). */
export interface PartnerRoundsTable {
  round_id: number;
  source_round_id: number;
  created_at: Timestamp;
}

export type PartnerTypeWord = 'kinderopvang' | 'jeugdhulp' | 'andere-school' | 'anders';
export type PartnerStateWord = 'pending' | 'approved' | 'rejected';

export interface PartnersTable {
  id: Generated<number>;
  source_round_id: number;
  /** Null once purged (retention), like every contact field here. */
  organisation: string | null;
  /** normaliseOrganisation(organisation), for merging. */
  org_key: string | null;
  partner_type: PartnerTypeWord;
  contact_name: string | null;
  email: string | null;
  state: ColumnType<PartnerStateWord, PartnerStateWord | undefined, PartnerStateWord>;
  invitation_id: number | null;
  reviewed_by: number | null;
  reviewed_at: Timestamp | null;
  purged_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PartnerNominationsTable {
  id: Generated<number>;
  source_round_id: number;
  /** The nominating school's invitation in the school round. */
  invitation_id: number;
  position: number;
  partner_id: number | null;
  organisation: string | null;
  partner_type: string;
  contact_name: string | null;
  email: string | null;
  created_at: Timestamp;
}

/** Person-level rounds (migration 0018, server/persons/). */
export interface PersonRoundsTable {
  round_id: number;
  consent_mode: ConsentMode;
  roles: Json<string[]>;
  /** The earlier person round this one follows (migration 0021), or null. */
  previous_round_id: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Migration 0022: the teachers' questionnaire and a linked school round. */
  teacher_questionnaire_version_id: ColumnType<number | null, number | null | undefined, number | null>;
  linked_school_round_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface PersonSitesTable {
  id: Generated<number>;
  round_id: number;
  invitation_id: number;
  participation: ColumnType<'unknown' | 'yes' | 'no', 'unknown' | 'yes' | 'no' | undefined, 'unknown' | 'yes' | 'no'>;
  decided_at: Timestamp | null;
  created_at: Timestamp;
}

export interface PersonClassesTable {
  id: Generated<number>;
  round_id: number;
  site_id: number;
  label: string;
  grade: string;
  pupils: number;
  link_nonce: string;
  created_at: Timestamp;
}

export interface PersonsTable {
  id: Generated<number>;
  round_id: number;
  /** Null for professionals only (migration 0024): they are invited from a list, not through a school. */
  site_id: number | null;
  class_id: number | null;
  role: string;
  panel_id: string;
  seq: number | null;
  code_nonce: string | null;
  code_hash: string | null;
  status: ColumnType<PersonStatus, PersonStatus | undefined, PersonStatus>;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  created_at: Timestamp;
  /** Migration 0021: the previous round's person this one continues, and the keyed hash of the e-mail address. */
  previous_person_id: ColumnType<number | null, number | null | undefined, number | null>;
  contact_hash: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0024: a professional's SWV (optional) and function ("ambulant begeleider"). */
  swv_id: ColumnType<number | null, number | null | undefined, number | null>;
  function: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PersonContactsTable {
  person_id: number;
  email: string;
  /** Migration 0022: the teacher's mail state. */
  invited_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  reminders_sent: ColumnType<number, number | undefined, number>;
  opted_out_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  bounced_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** Migration 0022 (server/persons/teachers.ts, external-scores.ts). */
export interface TeacherConsentsTable {
  id: Generated<string>;
  person_id: number;
  consent: boolean;
  at: Timestamp;
}

export interface TeacherResponsesTable {
  person_id: number;
  class_id: number;
  data: JsonWithDefault<Record<string, unknown>>;
  revision: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface PersonExternalScoresTable {
  person_id: number;
  round_id: number;
  variable: string;
  value_number: number | null;
  value_text: string | null;
  imported_at: Timestamp;
}

export interface TeacherClassesTable {
  person_id: number;
  class_id: number;
}

export interface ConsentEventsTable {
  id: Generated<string>;
  round_id: number;
  class_id: number | null;
  person_id: number | null;
  kind: ConsentEventKind;
  source: ConsentEventSource;
  at: Timestamp;
}

export interface PersonResponsesTable {
  person_id: number;
  data: JsonWithDefault<Record<string, unknown>>;
  revision: ColumnType<number, number | undefined, number>;
  current_page: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface PersonCodeFailuresTable {
  id: Generated<string>;
  class_id: number;
  at: Timestamp;
}

export interface DB {
  partner_nominations: PartnerNominationsTable;
  partner_rounds: PartnerRoundsTable;
  partners: PartnersTable;
  person_rounds: PersonRoundsTable;
  person_sites: PersonSitesTable;
  person_classes: PersonClassesTable;
  persons: PersonsTable;
  person_contacts: PersonContactsTable;
  teacher_classes: TeacherClassesTable;
  consent_events: ConsentEventsTable;
  person_responses: PersonResponsesTable;
  person_code_failures: PersonCodeFailuresTable;
  teacher_consents: TeacherConsentsTable;
  teacher_responses: TeacherResponsesTable;
  person_external_scores: PersonExternalScoresTable;
  inbound_messages: InboundMessagesTable;
  studies: StudiesTable;
  questionnaire_versions: QuestionnaireVersionsTable;
  users: UsersTable;
  sessions: SessionsTable;
  rounds: RoundsTable;
  swvs: SwvsTable;
  schools: SchoolsTable;
  school_swvs: SchoolSwvsTable;
  round_swvs: RoundSwvsTable;
  round_school_choices: RoundSchoolChoicesTable;
  invitations: InvitationsTable;
  responses: ResponsesTable;
  mailings: MailingsTable;
  outbox_messages: OutboxMessagesTable;
  mail_templates: MailTemplatesTable;
  audit_log: AuditLogTable;
  app_settings: AppSettingsTable;
  login_failures: LoginFailuresTable;
  user_invites: UserInvitesTable;
  tracking_counts: TrackingCountsTable;
  tracking_deltas: TrackingDeltasTable;
  tracking_invitations: TrackingInvitationsTable;
  swv_view_links: SwvViewLinksTable;
  round_target_calculations: RoundTargetCalculationsTable;
}

export type User = Selectable<UsersTable>;
export type Round = Selectable<RoundsTable>;
export type School = Selectable<SchoolsTable>;
export type Invitation = Selectable<InvitationsTable>;
export type Mailing = Selectable<MailingsTable>;
export type OutboxMessage = Selectable<OutboxMessagesTable>;
