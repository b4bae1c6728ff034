import { createHmac } from 'node:crypto';
import { hmac, randomToken, safeEqual } from '../crypto';

/**
 * The links of a person round, all `<row id>-<HMAC(secret, purpose, id:nonce)>` like the opt-out
 * link: checked without storing the link, and dead once the nonce is gone. A database reader
 * (backup, admin) can build none of them without the server secret.
 *
 * - coordinator link `/c/<invitation id>-<mac>`: from the school's invitation nonce, so the waves
 *   and reminders of today's invitations carry it (server/mailings/outbox.ts `mailLinks`).
 * - class link `/l/<class id>-<mac>` (pupils start here with their code; printed as QR code);
 * - parent link `/o/<class id>-<mac>` (parents object or agree with their child's code);
 * - parent questionnaire link `/ov/<class id>-<mac>` (parents as respondents, issue 20: a parent
 *   who opens it becomes a person with role parent in that class);
 * - parent session `<person id>-<mac>`: what the parent's page holds after starting;
 * - teacher link `/t/<person id>-<mac>`, and the teacher's opt-out link
 *   `/api/persons/a/<person id>-<mac>` (its own purpose: it opts out, it does not open the page);
 * - pupil session `<person id>-<mac>`: what the pupil page holds after a code was accepted.
 * - professional link `/pr/<person id>-<mac>` (issue 19: professionals invited from a list, by
 *   e-mail; their opt-out link is the teachers' `/api/persons/a/…`, same purpose and nonce).
 */
const TOKEN = /^([1-9][0-9]{0,9})-([A-Za-z0-9_-]{16,24})$/;

export type LinkPurpose =
  | 'coordinator-link'
  | 'class-link'
  | 'parent-link'
  | 'parent-survey-link'
  | 'teacher-link'
  | 'teacher-optout'
  | 'pupil-session'
  | 'parent-session'
  | 'professional-link';

const LENGTH: Record<LinkPurpose, number> = {
  'coordinator-link': 24,
  'class-link': 16,
  'parent-link': 16,
  'parent-survey-link': 16,
  'parent-session': 22,
  'teacher-link': 22,
  'teacher-optout': 20,
  'pupil-session': 22,
  'professional-link': 22,
};

function mac(secret: string, purpose: LinkPurpose, id: number, nonce: string): string {
  return hmac(secret, purpose, `${id}:${nonce}`).slice(0, LENGTH[purpose]);
}

export function linkToken(secret: string, purpose: LinkPurpose, id: number, nonce: string): string {
  return `${id}-${mac(secret, purpose, id, nonce)}`;
}

/** The id a token names, or null for anything that cannot be a token of that purpose. */
export function tokenId(token: string, purpose: LinkPurpose): number | null {
  const match = TOKEN.exec(token);
  if (!match || match[2]!.length !== LENGTH[purpose]) return null;
  const id = Number(match[1]);
  return id > 2_147_483_647 ? null : id;
}

/** Whether `token` is the link of row `id` with `nonce`. */
export function tokenMatches(secret: string, purpose: LinkPurpose, token: string, id: number, nonce: string): boolean {
  return safeEqual(linkToken(secret, purpose, id, nonce), token);
}

export function coordinatorLink(publicUrl: string, secret: string, invitationId: number, nonce: string): string {
  return `${publicUrl}/c/${linkToken(secret, 'coordinator-link', invitationId, nonce)}`;
}
export function classLink(publicUrl: string, secret: string, classId: number, nonce: string): string {
  return `${publicUrl}/l/${linkToken(secret, 'class-link', classId, nonce)}`;
}
export function parentLink(publicUrl: string, secret: string, classId: number, nonce: string): string {
  return `${publicUrl}/o/${linkToken(secret, 'parent-link', classId, nonce)}`;
}
export function parentSurveyLink(publicUrl: string, secret: string, classId: number, nonce: string): string {
  return `${publicUrl}/ov/${linkToken(secret, 'parent-survey-link', classId, nonce)}`;
}
export function teacherLink(publicUrl: string, secret: string, personId: number, nonce: string): string {
  return `${publicUrl}/t/${linkToken(secret, 'teacher-link', personId, nonce)}`;
}
export function professionalLink(publicUrl: string, secret: string, personId: number, nonce: string): string {
  return `${publicUrl}/pr/${linkToken(secret, 'professional-link', personId, nonce)}`;
}

export function teacherOptOutLink(publicUrl: string, secret: string, personId: number, nonce: string): string {
  return `${publicUrl}/api/persons/a/${linkToken(secret, 'teacher-optout', personId, nonce)}`;
}

export const newNonce = (): string => randomToken(18);

/**
 * Personal pupil codes. Alphabet without 0/O, 1/I/l (upper case only, so no l either): 24 letters
 * and 8 digits, 32 symbols = 5 bits each; 8 symbols = 40 bits, shown as two groups of four
 * ("K7QM-3XWD"). The code is derived from a random nonce (node:crypto) with the secret, so the
 * server can print a class's sheet again from what it stores, while the database holds only the
 * nonce and a keyed hash (`codeHash`) by which a typed code is found.
 */
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 8;

export function pupilCode(secret: string, nonce: string): string {
  const bytes = createHmac('sha256', secret).update(`pupil-code\0${nonce}`).digest();
  // 32 symbols: each byte's low five bits, unbiased.
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[bytes[i]! & 31];
  return code;
}

export function formatCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** Keyed lookup hash of a code (unique within a round). */
export function codeHash(secret: string, code: string): string {
  return hmac(secret, 'pupil-code-lookup', code);
}

/**
 * What a pupil or parent typed, as a code: upper case, without spaces and dashes. Null when it
 * cannot be a code (wrong length, or a character outside the alphabet, e.g. a 0 or an O).
 */
export function normaliseCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== CODE_LENGTH) return null;
  for (const ch of code) if (!CODE_ALPHABET.includes(ch)) return null;
  return code;
}
