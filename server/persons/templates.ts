import type { MailingKind } from '../db/types';
import { mailPage, mailText, type TemplateContent } from '../mailings/templates';

/**
 * The coordinator's invitation and reminder of a person round (Dutch). Installed as the round's
 * templates when an admin makes a round a person round; the admin can edit them like any other
 * template. `{{link}}` is the coordinator link there (server/mailings/outbox.ts `mailLinks`).
 */
const page = (paragraphs: string[]) => mailPage(paragraphs, 'Naar de aanmeldpagina');

export const COORDINATOR_TEMPLATES: Record<MailingKind, TemplateContent> = {
  invitation: {
    subject: 'Uitnodiging: doet {{school}} mee aan {{onderzoek}}?',
    text: mailText([
      'Beste contactpersoon van {{school}},',
      '',
      'Uw samenwerkingsverband {{swv}} doet mee aan {{onderzoek}}. Voor de meting {{meting}} vragen wij',
      'leerlingen (en hun leerkrachten) een korte vragenlijst in te vullen, in de klas.',
      '',
      'Via uw persoonlijke link geeft u aan of uw school meedoet, welke klassen meedoen en met hoeveel',
      'leerlingen. Daarna downloadt u per klas een vel met codes voor de leerlingen, een sleutellijst',
      'die alleen op school blijft, en een brief voor de ouders.',
      '',
      '{{link}}',
      '',
      'Dat kan tot en met {{sluitingsdatum}}. Deze link is alleen voor uw school.',
    ]),
    html: page([
      '<p>Beste contactpersoon van {{school}},</p>',
      '<p>Uw samenwerkingsverband {{swv}} doet mee aan {{onderzoek}}. Voor de meting {{meting}} vragen wij leerlingen (en hun leerkrachten) een korte vragenlijst in te vullen, in de klas.</p>',
      '<p>Via uw persoonlijke link geeft u aan of uw school meedoet, welke klassen meedoen en met hoeveel leerlingen. Daarna downloadt u per klas een vel met codes voor de leerlingen, een sleutellijst die alleen op school blijft, en een brief voor de ouders. Dat kan tot en met {{sluitingsdatum}}.</p>',
    ]),
  },
  reminder: {
    subject: 'Herinnering: doet {{school}} mee aan {{onderzoek}}?',
    text: mailText([
      'Beste contactpersoon van {{school}},',
      '',
      'Onlangs vroegen wij of uw school meedoet aan {{onderzoek}} ({{meting}}). Wij hebben uw aanmelding',
      'nog niet ontvangen. Via uw persoonlijke link geeft u aan of en met welke klassen uw school meedoet:',
      '',
      '{{link}}',
      '',
      'Dat kan tot en met {{sluitingsdatum}}.',
    ]),
    html: page([
      '<p>Beste contactpersoon van {{school}},</p>',
      '<p>Onlangs vroegen wij of uw school meedoet aan {{onderzoek}} ({{meting}}). Wij hebben uw aanmelding nog niet ontvangen. Via uw persoonlijke link geeft u aan of en met welke klassen uw school meedoet, tot en met {{sluitingsdatum}}.</p>',
    ]),
  },
};

/**
 * The teacher's invitation and reminder (Dutch), sent to each teacher a coordinator registered
 * (server/persons/teacher-mail.ts). Fixed texts: `{{link}}` and `{{afmelden}}` are the teacher's
 * own link and opt-out link, filled in by the outbox worker at send time.
 */
const teacherPage = (paragraphs: string[]) =>
  [
    '<!doctype html>',
    '<html lang="nl"><head><meta charset="utf-8"><title>{{onderzoek}}</title></head>',
    '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #1a1a1a; max-width: 600px; margin: 0 auto; padding: 16px;">',
    ...paragraphs,
    '<p><a href="{{link}}" style="display: inline-block; background: #1d4f91; color: #ffffff; padding: 10px 18px; border-radius: 4px; text-decoration: none;">Naar de vragenlijst</a></p>',
    '<p style="font-size: 13px; color: #555;">Werkt de knop niet? Kopieer dan deze link in uw browser:<br>{{link}}</p>',
    '<p>Met vriendelijke groet,<br>{{afzender}}</p>',
    '<hr style="border: 0; border-top: 1px solid #ddd;">',
    '<p style="font-size: 12px; color: #666;">Wilt u geen e-mail meer over deze meting ontvangen? <a href="{{afmelden}}">Meld u af</a>.</p>',
    '</body></html>',
  ].join('\n');

export const TEACHER_TEMPLATES: Record<MailingKind, TemplateContent> = {
  invitation: {
    subject: 'Uitnodiging: vragenlijst voor leerkrachten van {{school}} ({{onderzoek}})',
    text: [
      'Beste leerkracht,',
      '',
      'Uw school, {{school}}, doet mee aan {{onderzoek}} ({{meting}}). De contactpersoon van uw school heeft u',
      'aangemeld als leerkracht van een of meer klassen die meedoen. Wij vragen u een korte vragenlijst in te',
      'vullen over elke klas waaraan u lesgeeft. Uw antwoorden worden gekoppeld aan de klas, niet aan',
      'uw naam; leerlingen en de school zien uw antwoorden niet.',
      '',
      '{{link}}',
      '',
      'Dat kan tot en met {{sluitingsdatum}}. Deze link is alleen voor u; stuur hem niet door.',
      '',
      'Met vriendelijke groet,',
      '{{afzender}}',
      '',
      '--',
      'Wilt u geen e-mail meer over deze meting ontvangen? Meld u af via {{afmelden}}',
    ].join('\n'),
    html: teacherPage([
      '<p>Beste leerkracht,</p>',
      '<p>Uw school, {{school}}, doet mee aan {{onderzoek}} ({{meting}}). De contactpersoon van uw school heeft u aangemeld als leerkracht van een of meer klassen die meedoen. Wij vragen u een korte vragenlijst in te vullen over elke klas waaraan u lesgeeft.</p>',
      '<p>Uw antwoorden worden gekoppeld aan de klas, niet aan uw naam; leerlingen en de school zien uw antwoorden niet. Dat kan tot en met {{sluitingsdatum}}. Deze link is alleen voor u; stuur hem niet door.</p>',
    ]),
  },
  reminder: {
    subject: 'Herinnering: vragenlijst voor leerkrachten van {{school}} ({{onderzoek}})',
    text: [
      'Beste leerkracht,',
      '',
      'Onlangs vroegen wij u een korte vragenlijst in te vullen voor {{onderzoek}} ({{meting}}), over de',
      'klassen van {{school}} waaraan u lesgeeft. Wij hebben nog niet al uw antwoorden ontvangen. U kunt',
      'verdergaan waar u gebleven was:',
      '',
      '{{link}}',
      '',
      'Dat kan tot en met {{sluitingsdatum}}.',
      '',
      'Met vriendelijke groet,',
      '{{afzender}}',
      '',
      '--',
      'Wilt u geen e-mail meer over deze meting ontvangen? Meld u af via {{afmelden}}',
    ].join('\n'),
    html: teacherPage([
      '<p>Beste leerkracht,</p>',
      '<p>Onlangs vroegen wij u een korte vragenlijst in te vullen voor {{onderzoek}} ({{meting}}), over de klassen van {{school}} waaraan u lesgeeft. Wij hebben nog niet al uw antwoorden ontvangen. U kunt verdergaan waar u gebleven was, tot en met {{sluitingsdatum}}.</p>',
    ]),
  },
};
