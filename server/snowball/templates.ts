import type { MailingKind } from '../db/types';
import type { TemplateContent } from '../mailings/templates';

/**
 * The partner's invitation and reminder (Dutch), installed as the partner round's templates when
 * the round starts; the admin can edit them like any other template. The invitation says where the
 * address came from ({{genoemd_door}}: the schools that named the partner), because it is personal
 * data we did not get from a public list, and offers the one-click opt-out in the first mail.
 */
const page = (paragraphs: string[]) =>
  [
    '<!doctype html>',
    '<html lang="nl"><head><meta charset="utf-8"><title>{{onderzoek}}</title></head>',
    '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #1a1a1a; max-width: 600px; margin: 0 auto; padding: 16px;">',
    ...paragraphs,
    '<p><a href="{{link}}" style="display: inline-block; background: #1d4f91; color: #ffffff; padding: 10px 18px; border-radius: 4px; text-decoration: none;">Naar de vragenlijst</a></p>',
    '<p style="font-size: 13px; color: #555;">Werkt de knop niet? Kopieer dan deze link in uw browser:<br>{{link}}</p>',
    '<p>De vragenlijst is open tot en met {{sluitingsdatum}}.</p>',
    '<p>Met vriendelijke groet,<br>{{afzender}}</p>',
    '<hr style="border: 0; border-top: 1px solid #ddd;">',
    '<p style="font-size: 12px; color: #666;">Wilt u geen e-mail meer over dit onderzoek ontvangen? <a href="{{afmelden}}">Meld u af met één klik</a>. Uw adres wordt dan niet meer gebruikt en na afloop van het onderzoek verwijderd.</p>',
    '</body></html>',
  ].join('\n');

export const PARTNER_TEMPLATES: Record<MailingKind, TemplateContent> = {
  invitation: {
    subject: 'Uitnodiging: vragenlijst {{onderzoek}} voor {{school}}',
    text: [
      'Beste contactpersoon van {{school}},',
      '',
      'Waarom krijgt u deze e-mail? {{genoemd_door}} noemde uw organisatie als samenwerkingspartner',
      'rondom (hoog)begaafdheid en gaf ons daarbij uw e-mailadres, voor het onderzoek {{onderzoek}}.',
      'Wij hebben uw adres dus van die school, niet uit een openbare lijst.',
      '',
      'Wij horen graag hoe u de samenwerking met scholen ervaart. De vragenlijst duurt ongeveer tien',
      'minuten; u kunt tussendoor stoppen en later verdergaan via dezelfde link:',
      '{{link}}',
      '',
      'De vragenlijst is open tot en met {{sluitingsdatum}}.',
      '',
      'Met vriendelijke groet,',
      '{{afzender}}',
      '',
      '--',
      'Wilt u geen e-mail meer over dit onderzoek ontvangen? Meld u af met één klik via {{afmelden}}',
      'Uw adres wordt dan niet meer gebruikt en na afloop van het onderzoek verwijderd.',
    ].join('\n'),
    html: page([
      '<p>Beste contactpersoon van {{school}},</p>',
      '<p><strong>Waarom krijgt u deze e-mail?</strong> {{genoemd_door}} noemde uw organisatie als samenwerkingspartner rondom (hoog)begaafdheid en gaf ons daarbij uw e-mailadres, voor het onderzoek {{onderzoek}}. Wij hebben uw adres dus van die school, niet uit een openbare lijst.</p>',
      '<p>Wij horen graag hoe u de samenwerking met scholen ervaart. De vragenlijst duurt ongeveer tien minuten; u kunt tussendoor stoppen en later verdergaan via dezelfde link.</p>',
    ]),
  },
  reminder: {
    subject: 'Herinnering: vragenlijst {{onderzoek}} voor {{school}}',
    text: [
      'Beste contactpersoon van {{school}},',
      '',
      'Onlangs nodigden wij u uit voor een korte vragenlijst over de samenwerking met scholen rondom',
      '(hoog)begaafdheid ({{onderzoek}}). {{genoemd_door}} noemde uw organisatie als partner. Wij hebben',
      'uw antwoorden nog niet (volledig) ontvangen. Via uw persoonlijke link gaat u verder waar u was:',
      '{{link}}',
      '',
      'De vragenlijst is open tot en met {{sluitingsdatum}}.',
      '',
      'Met vriendelijke groet,',
      '{{afzender}}',
      '',
      '--',
      'Wilt u geen e-mail meer over dit onderzoek ontvangen? Meld u af met één klik via {{afmelden}}',
    ].join('\n'),
    html: page([
      '<p>Beste contactpersoon van {{school}},</p>',
      '<p>Onlangs nodigden wij u uit voor een korte vragenlijst over de samenwerking met scholen rondom (hoog)begaafdheid ({{onderzoek}}). {{genoemd_door}} noemde uw organisatie als partner. Wij hebben uw antwoorden nog niet (volledig) ontvangen. Via uw persoonlijke link gaat u verder waar u was.</p>',
    ]),
  },
};
