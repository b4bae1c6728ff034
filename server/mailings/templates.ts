import type { Kysely } from 'kysely';
import type { DB, MailingKind } from '../db/types';
import { badRequest } from '../errors';
import { formatCloseMoment } from '../time';

/**
 * Mail templates per round and kind, with {{placeholders}}. What users write is Dutch, so the
 * placeholder names are too. Values are escaped in HTML; the personal link and the opt-out link
 * are not rendered into the stored outbox row but left as markers and filled in at send time,
 * so the database never holds a working link (tokens are HMAC(secret, nonce)).
 */
export const PLACEHOLDERS = {
  school: 'naam van de school',
  swv: 'naam van het samenwerkingsverband',
  link: 'persoonlijke link naar de vragenlijst',
  sluitingsdatum: 'laatste dag waarop de vragenlijst open is (met de tijd, als de meting eerder op die dag sluit)',
  onderzoek: 'naam van het onderzoek',
  meting: 'naam van de meting',
  afzender: 'naam van de afzender',
  afmelden: 'link om af te melden',
  genoemd_door: 'de scholen die deze partner noemden (alleen in een partnerronde, server/snowball/)',
} as const;

export type PlaceholderName = keyof typeof PLACEHOLDERS;
/** `genoemd_door` is empty outside partner rounds. */
export type PlaceholderValues = Record<Exclude<PlaceholderName, 'genoemd_door'>, string> & { genoemd_door?: string };

/** Filled in at send time from the invitation's nonce and the secret. */
export const DEFERRED: readonly PlaceholderName[] = ['link', 'afmelden'];
const MARK_OPEN = '\uE000';
const MARK_CLOSE = '\uE001';
const marker = (name: PlaceholderName) => `${MARK_OPEN}${name}${MARK_CLOSE}`;

export interface TemplateContent {
  subject: string;
  text: string;
  html: string;
}

/**
 * The shell every default mail shares: the text body ends in the greeting and the opt-out line;
 * the HTML page has the paragraphs, a button to `{{link}}` with the link written out below it,
 * the paragraphs after the link, the greeting and the opt-out footer.
 */
export function mailText(body: string[], optOut: string[] = ['Wilt u geen e-mail meer over deze meting ontvangen? Meld u af via {{afmelden}}']): string {
  return [...body, '', 'Met vriendelijke groet,', '{{afzender}}', '', '--', ...optOut].join('\n');
}

export function mailPage(
  paragraphs: string[],
  button: string,
  afterLink: string[] = [],
  optOut = 'Wilt u geen e-mail meer over deze meting ontvangen? <a href="{{afmelden}}">Meld u af</a>.',
): string {
  return [
    '<!doctype html>',
    '<html lang="nl"><head><meta charset="utf-8"><title>{{onderzoek}}</title></head>',
    '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #1a1a1a; max-width: 600px; margin: 0 auto; padding: 16px;">',
    ...paragraphs,
    `<p><a href="{{link}}" style="display: inline-block; background: #1d4f91; color: #ffffff; padding: 10px 18px; border-radius: 4px; text-decoration: none;">${button}</a></p>`,
    '<p style="font-size: 13px; color: #555;">Werkt de knop niet? Kopieer dan deze link in uw browser:<br>{{link}}</p>',
    ...afterLink,
    '<p>Met vriendelijke groet,<br>{{afzender}}</p>',
    '<hr style="border: 0; border-top: 1px solid #ddd;">',
    `<p style="font-size: 12px; color: #666;">${optOut}</p>`,
    '</body></html>',
  ].join('\n');
}

export const DEFAULT_TEMPLATES: Record<MailingKind, TemplateContent> = {
  invitation: {
    subject: 'Uitnodiging: vragenlijst {{onderzoek}} voor {{school}}',
    text: mailText([
      'Beste schoolleider of intern begeleider van {{school}},',
      '',
      'Uw samenwerkingsverband {{swv}} doet mee aan {{onderzoek}}. Wij nodigen uw school uit om de',
      'vragenlijst van de meting {{meting}} in te vullen. U kunt tussendoor stoppen en later verdergaan',
      'via dezelfde link.',
      '',
      'Uw persoonlijke link:',
      '{{link}}',
      '',
      'De vragenlijst is open tot en met {{sluitingsdatum}}. Deze link is alleen voor uw school;',
      'stuur hem niet door buiten de school.',
    ]),
    html: mailPage(
      [
        '<p>Beste schoolleider of intern begeleider van {{school}},</p>',
        '<p>Uw samenwerkingsverband {{swv}} doet mee aan {{onderzoek}}. Wij nodigen uw school uit om de vragenlijst van de meting {{meting}} in te vullen. U kunt tussendoor stoppen en later verdergaan via dezelfde link.</p>',
      ],
      'Naar de vragenlijst',
      ['<p>De vragenlijst is open tot en met {{sluitingsdatum}}. Deze link is alleen voor uw school; stuur hem niet door buiten de school.</p>'],
    ),
  },
  reminder: {
    subject: 'Herinnering: vragenlijst {{onderzoek}} voor {{school}}',
    text: mailText([
      'Beste schoolleider of intern begeleider van {{school}},',
      '',
      'Onlangs nodigden wij uw school uit voor de vragenlijst van {{onderzoek}} ({{meting}}). Wij hebben',
      'uw antwoorden nog niet (volledig) ontvangen. Wilt u de vragenlijst alsnog invullen? Als u al',
      'begonnen bent, gaat u verder waar u gebleven was.',
      '',
      'Uw persoonlijke link:',
      '{{link}}',
      '',
      'De vragenlijst is open tot en met {{sluitingsdatum}}.',
    ]),
    html: mailPage(
      [
        '<p>Beste schoolleider of intern begeleider van {{school}},</p>',
        '<p>Onlangs nodigden wij uw school uit voor de vragenlijst van {{onderzoek}} ({{meting}}). Wij hebben uw antwoorden nog niet (volledig) ontvangen. Wilt u de vragenlijst alsnog invullen? Als u al begonnen bent, gaat u verder waar u gebleven was.</p>',
      ],
      'Naar de vragenlijst',
      ['<p>De vragenlijst is open tot en met {{sluitingsdatum}}.</p>'],
    ),
  },
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

function isPlaceholder(name: string): name is PlaceholderName {
  return Object.prototype.hasOwnProperty.call(PLACEHOLDERS, name);
}

export interface TemplateProblem {
  field: 'subject' | 'text' | 'html';
  problem: string;
}

/** Everything wrong with a template, in Dutch; empty when it can be saved. */
export function templateProblems(t: TemplateContent): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const fields: Array<['subject' | 'text' | 'html', string]> = [
    ['subject', t.subject],
    ['text', t.text],
    ['html', t.html],
  ];
  for (const [field, value] of fields) {
    for (const match of value.matchAll(PLACEHOLDER)) {
      if (!isPlaceholder(match[1]!)) problems.push({ field, problem: `Onbekende plaatshouder {{${match[1]}}}.` });
    }
    if (/\{\{|\}\}/.test(value.replace(PLACEHOLDER, ''))) {
      problems.push({ field, problem: 'Er staat een onvolledige plaatshouder in (gebruik {{naam}}).' });
    }
    if (/[\uE000\uE001]/.test(value)) problems.push({ field, problem: 'De tekst bevat ongeldige tekens.' });
  }
  if (!t.subject.trim()) problems.push({ field: 'subject', problem: 'Vul een onderwerp in.' });
  if (/[\r\n]/.test(t.subject)) problems.push({ field: 'subject', problem: 'Het onderwerp moet op één regel staan.' });
  const used = (value: string) => new Set([...value.matchAll(PLACEHOLDER)].map((m) => m[1]));
  for (const name of DEFERRED) {
    if (used(t.subject).has(name)) problems.push({ field: 'subject', problem: `{{${name}}} hoort niet in het onderwerp.` });
  }
  for (const field of ['text', 'html'] as const) {
    const names = used(t[field]);
    if (!names.has('link')) problems.push({ field, problem: 'De persoonlijke link {{link}} ontbreekt.' });
    if (!names.has('afmelden')) problems.push({ field, problem: 'De afmeldlink {{afmelden}} ontbreekt.' });
  }
  return problems;
}

export function assertValidTemplate(t: TemplateContent): void {
  const problems = templateProblems(t);
  if (problems.length) throw badRequest('invalid_template', 'Het sjabloon kan zo niet worden opgeslagen.', problems);
}

/**
 * A value as it may appear in a mail: no markers, and on one line everywhere. Values are names
 * (of schools, SWVs, rounds) from imported lists; a line break or other control character in one
 * (a DUO file can carry them) would otherwise start a new line in the body that reads like a
 * header ("Van: …", "Link: …"). Bidirectional overrides and zero-width characters go too.
 */
function clean(value: string): string {
  return value
    .replace(/[\uE000\uE001\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g, '')
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

function fill(template: string, values: Partial<PlaceholderValues>, mode: 'text' | 'html' | 'subject', defer: boolean): string {
  // One pass over the template: text inside a value is never scanned for placeholders again.
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (!isPlaceholder(name)) return whole;
    if (defer && DEFERRED.includes(name)) return marker(name);
    const value = clean(values[name] ?? '');
    return mode === 'html' ? escapeHtml(value) : value;
  });
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Renders a template. With `deferLinks`, {{link}} and {{afmelden}} become markers that
 * `resolveLinks` fills in at send time.
 */
export function renderTemplate(t: TemplateContent, values: Partial<PlaceholderValues>, options: { deferLinks?: boolean } = {}): RenderedMail {
  const defer = options.deferLinks ?? false;
  return {
    subject: fill(t.subject, values, 'subject', defer).trim(),
    text: fill(t.text, values, 'text', defer),
    html: fill(t.html, values, 'html', defer),
  };
}

const MARKERS = new RegExp(`${MARK_OPEN}(link|afmelden)${MARK_CLOSE}`, 'g');

/** Replaces the link markers of a stored body. */
export function resolveLinks(body: string, links: { link: string; afmelden: string }, html: boolean): string {
  return body.replace(MARKERS, (_m, name: 'link' | 'afmelden') => (html ? escapeHtml(links[name]) : links[name]));
}

/**
 * Account links (user invitations, password resets) are stored as a marker holding the link's
 * nonce, never as the link: `resolveAccountLinks` fills them in when the mail is sent (or shows
 * them masked on the outbox page).
 */
const ACCOUNT_MARKERS = new RegExp(`${MARK_OPEN}account:([A-Za-z0-9_-]{1,64})${MARK_CLOSE}`, 'g');

export function accountLinkMarker(nonce: string): string {
  return `${MARK_OPEN}account:${nonce}${MARK_CLOSE}`;
}

export function resolveAccountLinks(body: string, link: (nonce: string) => string, html: boolean): string {
  return body.replace(ACCOUNT_MARKERS, (_m, nonce: string) => (html ? escapeHtml(link(nonce)) : link(nonce)));
}

/**
 * Teacher links of person rounds (server/persons/invited-mail.ts) are stored the same way: a
 * marker with the teacher's person id and link nonce, for the teacher link and for the teacher's
 * own opt-out link; `resolveTeacherLinks` fills them in at send time (or masks them).
 * Professionals (the same module) use the same markers: kind 'professional'
 * for their own link, 'afmelden' for the shared opt-out link.
 */
const TEACHER_MARKERS = new RegExp(`${MARK_OPEN}teacher-(link|afmelden|professional):([1-9][0-9]{0,9}):([A-Za-z0-9_-]{1,64})${MARK_CLOSE}`, 'g');

/** A marker's kind: the teacher link, the opt-out link (teachers and professionals), or a professional's link (/pr/). */
export type PersonLinkKind = 'link' | 'afmelden' | 'professional';

export function teacherLinkMarker(kind: PersonLinkKind, personId: number, nonce: string): string {
  return `${MARK_OPEN}teacher-${kind}:${personId}:${nonce}${MARK_CLOSE}`;
}

export function resolveTeacherLinks(body: string, link: (kind: PersonLinkKind, personId: number, nonce: string) => string, html: boolean): string {
  return body.replace(TEACHER_MARKERS, (_m, kind: PersonLinkKind, id: string, nonce: string) => {
    const value = link(kind, Number(id), nonce);
    return html ? escapeHtml(value) : value;
  });
}

/** The first teacher opt-out marker of a body, as [person id, nonce], or null. */
export function teacherOptOutOf(body: string): [number, string] | null {
  for (const m of body.matchAll(TEACHER_MARKERS)) if (m[1] === 'afmelden') return [Number(m[2]), m[3]!];
  return null;
}

export function hasLinkMarkers(body: string): boolean {
  return body.includes(MARK_OPEN);
}

/**
 * The last day a round is open, in Dutch ("vrijdag 10 april 2026"), or the day and the time when
 * the admin set one ("vrijdag 10 april 2026, 17:00 uur"). A round that closes at midnight closes
 * at the end of the day before, which is the day the mail names (server/time.ts).
 */
export function formatCloseDate(closesAt: Date | null): string {
  return formatCloseMoment(closesAt);
}

/** The round's template of `kind`, or the shipped default. */
export async function loadTemplate(db: Kysely<DB>, roundId: number, kind: MailingKind): Promise<TemplateContent & { isDefault: boolean }> {
  const row = await db
    .selectFrom('mail_templates')
    .select(['subject', 'body_text', 'body_html'])
    .where('round_id', '=', roundId)
    .where('kind', '=', kind)
    .executeTakeFirst();
  if (!row) return { ...DEFAULT_TEMPLATES[kind], isDefault: true };
  return { subject: row.subject, text: row.body_text, html: row.body_html, isDefault: false };
}

export async function saveTemplate(
  db: Kysely<DB>,
  roundId: number,
  kind: MailingKind,
  t: TemplateContent,
  userId: number | null,
  now: Date,
): Promise<void> {
  assertValidTemplate(t);
  await db
    .insertInto('mail_templates')
    .values({ round_id: roundId, kind, subject: t.subject.trim(), body_text: t.text, body_html: t.html, updated_by: userId, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['round_id', 'kind']).doUpdateSet({ subject: t.subject.trim(), body_text: t.text, body_html: t.html, updated_by: userId, updated_at: now }),
    )
    .execute();
}

export async function resetTemplate(db: Kysely<DB>, roundId: number, kind: MailingKind): Promise<void> {
  await db.deleteFrom('mail_templates').where('round_id', '=', roundId).where('kind', '=', kind).execute();
}

/** The display name in "Name <address>", for {{afzender}} when a study names no sender. */
export function displayName(mailFrom: string): string {
  const match = mailFrom.match(/^\s*"?([^"<]*?)"?\s*<[^>]+>\s*$/);
  return match?.[1]?.trim() || mailFrom.trim();
}

export function mailAddress(mailFrom: string): string {
  const match = mailFrom.match(/<([^>]+)>/);
  return (match?.[1] ?? mailFrom).trim();
}
