import type { Role } from '../db/types';
import { formatMoment } from '../time';

/** The e-mail that invites a user to choose a password (Dutch; plain text and HTML). */
export interface InviteMailInput {
  name: string;
  role: Role;
  link: string;
  expiresAt: Date;
  inviterName: string;
  /** A new link for an account that already exists (password reset). */
  renewal: boolean;
}

export const ROLE_LABELS: Record<Role, string> = { admin: 'beheerder', researcher: 'onderzoeker' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function inviteMail(input: InviteMailInput): { subject: string; text: string; html: string } {
  const until = formatMoment(input.expiresAt);
  const subject = input.renewal ? 'Nieuwe link voor uw Meetronde-account' : 'Uitnodiging voor Meetronde';
  const intro = input.renewal
    ? `${input.inviterName} heeft een nieuwe link voor uw Meetronde-account aangevraagd. Kies via deze link een (nieuw) wachtwoord:`
    : `${input.inviterName} heeft een account voor u aangemaakt in Meetronde, met de rol ${ROLE_LABELS[input.role]}. Kies via deze link een wachtwoord:`;
  const outro = `De link werkt één keer en is geldig tot ${until}. Verwachtte u deze e-mail niet? Dan kunt u hem negeren.`;
  const text = `Beste ${input.name},\n\n${intro}\n\n${input.link}\n\n${outro}\n`;
  const html =
    `<p>Beste ${escapeHtml(input.name)},</p>` +
    `<p>${escapeHtml(intro)}</p>` +
    `<p><a href="${escapeHtml(input.link)}">${escapeHtml(input.link)}</a></p>` +
    `<p>${escapeHtml(outro)}</p>`;
  return { subject, text, html };
}
