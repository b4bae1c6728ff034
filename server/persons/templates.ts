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
 * (server/persons/invited-mail.ts). Fixed texts: `{{link}}` and `{{afmelden}}` are the teacher's
 * own link and opt-out link, filled in by the outbox worker at send time.
 */
const teacherPage = (paragraphs: string[]) => mailPage(paragraphs, 'Naar de vragenlijst');

export const TEACHER_TEMPLATES: Record<MailingKind, TemplateContent> = {
  invitation: {
    subject: 'Uitnodiging: vragenlijst voor leerkrachten van {{school}} ({{onderzoek}})',
    text: mailText([
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
    ]),
    html: teacherPage([
      '<p>Beste leerkracht,</p>',
      '<p>Uw school, {{school}}, doet mee aan {{onderzoek}} ({{meting}}). De contactpersoon van uw school heeft u aangemeld als leerkracht van een of meer klassen die meedoen. Wij vragen u een korte vragenlijst in te vullen over elke klas waaraan u lesgeeft.</p>',
      '<p>Uw antwoorden worden gekoppeld aan de klas, niet aan uw naam; leerlingen en de school zien uw antwoorden niet. Dat kan tot en met {{sluitingsdatum}}. Deze link is alleen voor u; stuur hem niet door.</p>',
    ]),
  },
  reminder: {
    subject: 'Herinnering: vragenlijst voor leerkrachten van {{school}} ({{onderzoek}})',
    text: mailText([
      'Beste leerkracht,',
      '',
      'Onlangs vroegen wij u een korte vragenlijst in te vullen voor {{onderzoek}} ({{meting}}), over de',
      'klassen van {{school}} waaraan u lesgeeft. Wij hebben nog niet al uw antwoorden ontvangen. U kunt',
      'verdergaan waar u gebleven was:',
      '',
      '{{link}}',
      '',
      'Dat kan tot en met {{sluitingsdatum}}.',
    ]),
    html: teacherPage([
      '<p>Beste leerkracht,</p>',
      '<p>Onlangs vroegen wij u een korte vragenlijst in te vullen voor {{onderzoek}} ({{meting}}), over de klassen van {{school}} waaraan u lesgeeft. Wij hebben nog niet al uw antwoorden ontvangen. U kunt verdergaan waar u gebleven was, tot en met {{sluitingsdatum}}.</p>',
    ]),
  },
};

/**
 * The professional's invitation and reminder (Dutch), sent to each professional of the round's
 * list (server/persons/invited-mail.ts). Fixed texts like the teachers': `{{link}}` and
 * `{{afmelden}}` are the professional's own link and opt-out link, filled in at send time.
 */
export const PROFESSIONAL_TEMPLATES: Record<MailingKind, TemplateContent> = {
  invitation: {
    subject: 'Uitnodiging: vragenlijst voor professionals ({{onderzoek}})',
    text: mailText([
      'Beste professional,',
      '',
      'Voor {{onderzoek}} ({{meting}}) vragen wij onderwijsprofessionals een vragenlijst in te vullen over',
      'hun werk. Uw antwoorden worden niet aan uw naam of e-mailadres gekoppeld; niemand van uw organisatie',
      'of school ziet ze.',
      '',
      '{{link}}',
      '',
      'Dat kan tot en met {{sluitingsdatum}}. Deze link is alleen voor u; stuur hem niet door.',
    ]),
    html: teacherPage([
      '<p>Beste professional,</p>',
      '<p>Voor {{onderzoek}} ({{meting}}) vragen wij onderwijsprofessionals een vragenlijst in te vullen over hun werk.</p>',
      '<p>Uw antwoorden worden niet aan uw naam of e-mailadres gekoppeld; niemand van uw organisatie of school ziet ze. Dat kan tot en met {{sluitingsdatum}}. Deze link is alleen voor u; stuur hem niet door.</p>',
    ]),
  },
  reminder: {
    subject: 'Herinnering: vragenlijst voor professionals ({{onderzoek}})',
    text: mailText([
      'Beste professional,',
      '',
      'Onlangs vroegen wij u een vragenlijst in te vullen voor {{onderzoek}} ({{meting}}). Wij hebben uw',
      'antwoorden nog niet ontvangen. U kunt verdergaan waar u gebleven was:',
      '',
      '{{link}}',
      '',
      'Dat kan tot en met {{sluitingsdatum}}.',
    ]),
    html: teacherPage([
      '<p>Beste professional,</p>',
      '<p>Onlangs vroegen wij u een vragenlijst in te vullen voor {{onderzoek}} ({{meting}}). Wij hebben uw antwoorden nog niet ontvangen. U kunt verdergaan waar u gebleven was, tot en met {{sluitingsdatum}}.</p>',
    ]),
  },
};
