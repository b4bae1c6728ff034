import { PARTNER_TYPES, PARTNER_TYPE_LABELS, type PartnerType } from './vocabulary';

/**
 * The nomination question (issue 20): a school names the organisations it works with. One
 * definition for both sides: the server registers it with survey-core (validation at
 * completion, server/questionnaires/content.ts) and the browser with survey-react-ui
 * (client/shared/survey/model.ts), as a SurveyJS specialised question built on a dynamic panel
 * ("Partner toevoegen" adds a row). A questionnaire uses it as `{ "type": "nominations", "name": … }`.
 *
 * The answer is a list of rows `{ organisatie, soort, contactpersoon?, email }`. The browser's
 * validators and `checkNominations` (the server's, which never trusts the browser) apply the same
 * rules with the same Dutch messages.
 */
export const NOMINATION_TYPE = 'nominations';

export const NOMINATION_LIMITS = { rows: 10, organisation: 200, contact: 120, email: 254 } as const;

export interface Nomination {
  organisatie: string;
  soort: PartnerType;
  contactpersoon?: string;
  email: string;
}

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// Control characters have no business in a name or an address (U+0000 cannot even be stored in jsonb).
const CONTROL = /[\u0000-\u001F\u007F]/;

export const NOMINATION_MESSAGES = {
  shape: 'De genoemde partners hebben niet de juiste vorm.',
  tooMany: `U kunt hier maximaal ${NOMINATION_LIMITS.rows} partners noemen.`,
  organisation: 'Vul de naam van de organisatie in.',
  organisationLong: `De naam van de organisatie is te lang (maximaal ${NOMINATION_LIMITS.organisation} tekens).`,
  type: 'Kies de soort organisatie.',
  contactLong: `De naam van de contactpersoon is te lang (maximaal ${NOMINATION_LIMITS.contact} tekens).`,
  email: 'Vul een geldig e-mailadres in (bijvoorbeeld naam@organisatie.nl).',
  characters: 'Het antwoord bevat tekens die niet zijn toegestaan.',
} as const;

/** The address normalised (trimmed, domain lower-cased), or null when it is not a plausible single address. */
export function normaliseNominationEmail(raw: string): string | null {
  const value = raw.trim();
  if (value === '' || value.length > NOMINATION_LIMITS.email) return null;
  const at = value.lastIndexOf('@');
  if (at <= 0 || value.indexOf('@') !== at) return null;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  if (local.length > 64 || !LOCAL.test(local)) return null;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label)) || !/^[a-z]{2,63}$/.test(labels.at(-1)!)) return null;
  return `${local}@${domain}`;
}

/**
 * The organisation's name as compared for merging duplicates across schools: lower case,
 * accents off, punctuation and the legal form ("B.V.", "stichting") dropped, spaces collapsed.
 */
export function normaliseOrganisation(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(/\b(stichting|b ?v|n ?v|vereniging)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export type NominationCheck = { ok: true; rows: Nomination[] } | { ok: false; message: string; malformed: boolean };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/**
 * The server's check of a nomination answer. Rows the respondent left entirely empty are
 * dropped; every other row needs an organisation, a kind and a valid address. `malformed` is a
 * shape no page sends (not a list, fields that are not text, far too many rows).
 */
export function checkNominations(value: unknown): NominationCheck {
  if (value === null || value === undefined) return { ok: true, rows: [] };
  if (!Array.isArray(value)) return { ok: false, message: NOMINATION_MESSAGES.shape, malformed: true };
  // More rows than the page allows cannot come from it; refuse before looking at them.
  if (value.length > NOMINATION_LIMITS.rows * 2) return { ok: false, message: NOMINATION_MESSAGES.tooMany, malformed: true };
  const rows: Nomination[] = [];
  for (const raw of value) {
    if (!isRecord(raw)) return { ok: false, message: NOMINATION_MESSAGES.shape, malformed: true };
    for (const [key, field] of Object.entries(raw)) {
      if (!['organisatie', 'soort', 'contactpersoon', 'email'].includes(key) || (field !== null && field !== undefined && typeof field !== 'string')) {
        return { ok: false, message: NOMINATION_MESSAGES.shape, malformed: true };
      }
      if (typeof field === 'string' && (CONTROL.test(field) || field.length > 1000)) return { ok: false, message: NOMINATION_MESSAGES.characters, malformed: true };
    }
    const organisatie = str(raw.organisatie);
    const soort = str(raw.soort);
    const contactpersoon = str(raw.contactpersoon);
    const email = str(raw.email);
    if (!organisatie && !soort && !contactpersoon && !email) continue;
    if (!organisatie) return { ok: false, message: NOMINATION_MESSAGES.organisation, malformed: false };
    if (organisatie.length > NOMINATION_LIMITS.organisation) return { ok: false, message: NOMINATION_MESSAGES.organisationLong, malformed: false };
    if (!(PARTNER_TYPES as readonly string[]).includes(soort)) return { ok: false, message: NOMINATION_MESSAGES.type, malformed: false };
    if (contactpersoon.length > NOMINATION_LIMITS.contact) return { ok: false, message: NOMINATION_MESSAGES.contactLong, malformed: false };
    const normalised = normaliseNominationEmail(email);
    if (!normalised) return { ok: false, message: NOMINATION_MESSAGES.email, malformed: false };
    rows.push({ organisatie, soort: soort as PartnerType, ...(contactpersoon ? { contactpersoon } : {}), email: normalised });
  }
  if (rows.length > NOMINATION_LIMITS.rows) return { ok: false, message: NOMINATION_MESSAGES.tooMany, malformed: false };
  return { ok: true, rows };
}

/**
 * The SurveyJS specialised question (`ComponentCollection.Instance.add(NOMINATION_COMPONENT)`):
 * a dynamic panel in list mode, one panel per partner, with the same limits and messages as
 * checkNominations. Plain data, so the contract stays free of survey-core.
 */
export const NOMINATION_COMPONENT = {
  name: NOMINATION_TYPE,
  title: 'Genoemde partners',
  questionJSON: {
    type: 'paneldynamic',
    panelCount: 0,
    minPanelCount: 0,
    maxPanelCount: NOMINATION_LIMITS.rows,
    panelAddText: 'Partner toevoegen',
    panelRemoveText: 'Deze partner verwijderen',
    noEntriesText: 'U hebt nog geen partner genoemd. Kies "Partner toevoegen" om er een te noemen.',
    templateTitle: 'Partner {panelIndex}',
    // Titles above the fields. Left to "default", survey-core 3 puts them on the left: a
    // specialised question answers "left" to its content's getQuestionTitleLocation
    // (QuestionCustomModelBase). On a narrow screen a field with titles on the left wraps while
    // its character counter shows (only while focused), so a mouse press on a "Soort organisatie"
    // option blurred the name field, the page shrank by a line, the release landed on another
    // option, and the click went to the group: nothing was selected.
    templateQuestionTitleLocation: 'top',
    templateElements: [
      { type: 'text', name: 'organisatie', title: 'Naam van de organisatie', isRequired: true, maxLength: NOMINATION_LIMITS.organisation, requiredErrorText: NOMINATION_MESSAGES.organisation },
      {
        type: 'radiogroup',
        name: 'soort',
        colCount: 2,
        title: 'Soort organisatie',
        isRequired: true,
        requiredErrorText: NOMINATION_MESSAGES.type,
        choices: PARTNER_TYPES.map((value) => ({ value, text: PARTNER_TYPE_LABELS[value] })),
      },
      { type: 'text', name: 'contactpersoon', title: 'Contactpersoon (naam of functie)', maxLength: NOMINATION_LIMITS.contact },
      {
        type: 'text',
        name: 'email',
        title: 'E-mailadres van de contactpersoon',
        inputType: 'email',
        isRequired: true,
        maxLength: NOMINATION_LIMITS.email,
        requiredErrorText: NOMINATION_MESSAGES.email,
        validators: [{ type: 'email', text: NOMINATION_MESSAGES.email }],
      },
    ],
  },
} as const;
