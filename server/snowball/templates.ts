import type { MailingKind } from '../db/types';
import { mailPage, mailText, type TemplateContent } from '../mailings/templates';

/**
 * The partner's invitation and reminder (Dutch), installed as the partner round's templates when
 * the round starts; the admin can edit them like any other template. The invitation says where the
 * address came from ({{genoemd_door}}: the schools that named the partner), because it is personal
 * data we did not get from a public list, and offers the one-click opt-out in the first mail.
 */
const OPT_OUT_TEXT = 'Wilt u geen e-mail meer over dit onderzoek ontvangen? Meld u af met één klik via {{afmelden}}';
const page = (paragraphs: string[]) =>
  mailPage(
    paragraphs,
    'Naar de vragenlijst',
    ['<p>De vragenlijst is open tot en met {{sluitingsdatum}}.</p>'],
    'Wilt u geen e-mail meer over dit onderzoek ontvangen? <a href="{{afmelden}}">Meld u af met één klik</a>. Uw adres wordt dan niet meer gebruikt en na afloop van het onderzoek verwijderd.',
  );

export const PARTNER_TEMPLATES: Record<MailingKind, TemplateContent> = {
  invitation: {
    subject: 'Uitnodiging: vragenlijst {{onderzoek}} voor {{school}}',
    text: mailText([
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
    ], [OPT_OUT_TEXT, 'Uw adres wordt dan niet meer gebruikt en na afloop van het onderzoek verwijderd.']),
    html: page([
      '<p>Beste contactpersoon van {{school}},</p>',
      '<p><strong>Waarom krijgt u deze e-mail?</strong> {{genoemd_door}} noemde uw organisatie als samenwerkingspartner rondom (hoog)begaafdheid en gaf ons daarbij uw e-mailadres, voor het onderzoek {{onderzoek}}. Wij hebben uw adres dus van die school, niet uit een openbare lijst.</p>',
      '<p>Wij horen graag hoe u de samenwerking met scholen ervaart. De vragenlijst duurt ongeveer tien minuten; u kunt tussendoor stoppen en later verdergaan via dezelfde link.</p>',
    ]),
  },
  reminder: {
    subject: 'Herinnering: vragenlijst {{onderzoek}} voor {{school}}',
    text: mailText([
      'Beste contactpersoon van {{school}},',
      '',
      'Onlangs nodigden wij u uit voor een korte vragenlijst over de samenwerking met scholen rondom',
      '(hoog)begaafdheid ({{onderzoek}}). {{genoemd_door}} noemde uw organisatie als partner. Wij hebben',
      'uw antwoorden nog niet (volledig) ontvangen. Via uw persoonlijke link gaat u verder waar u was:',
      '{{link}}',
      '',
      'De vragenlijst is open tot en met {{sluitingsdatum}}.',
    ], [OPT_OUT_TEXT]),
    html: page([
      '<p>Beste contactpersoon van {{school}},</p>',
      '<p>Onlangs nodigden wij u uit voor een korte vragenlijst over de samenwerking met scholen rondom (hoog)begaafdheid ({{onderzoek}}). {{genoemd_door}} noemde uw organisatie als partner. Wij hebben uw antwoorden nog niet (volledig) ontvangen. Via uw persoonlijke link gaat u verder waar u was.</p>',
    ]),
  },
};
