import { QuestionMatrixModel, QuestionSelectBase } from 'survey-core';
import { describe, expect, it } from 'vitest';
import { buildSurvey, getQuestionnaire, variablesFor, type QuestionnaireContent } from '../../server/questionnaires';

/**
 * The answer options and item texts the specifications mark EXACT, letter for letter and in
 * order, as a respondent sees them (the IMAGE ones in a situation whose theme is plain
 * "(hoog)begaafdheid"). Typos of the source are kept on purpose (see questionnaires/README.md).
 */
type Expected = { choices?: string[]; rows?: string[]; columns?: string[]; none?: string; other?: string; title?: string };

const surveys = new Map<string, ReturnType<typeof buildSurvey>>();

function texts(id: string, name: string, situation: 'po-po' | null) {
  let survey = surveys.get(id);
  if (!survey) {
    const content = getQuestionnaire(id).content as QuestionnaireContent;
    survey = buildSurvey(content, variablesFor({ situation, sector: situation ? 'po' : 'vo', schoolName: 'X' }));
    surveys.set(id, survey);
  }
  const question = survey.getQuestionByName(name);
  if (!question) throw new Error(`${id} has no question ${name}`);
  const found: Expected = {};
  if (question instanceof QuestionMatrixModel) {
    found.rows = question.rows.map((r) => r.text);
    found.columns = question.columns.map((c) => c.text);
  } else if (question instanceof QuestionSelectBase) {
    found.choices = question.choices.map((c) => c.text);
    if (question.showNoneItem) found.none = question.noneItem.text;
    if (question.showOtherItem) found.other = question.otherItem.text;
  }
  found.title = question.processedTitle;
  return found;
}

const B10 = ['Helemaal niet van toepassing', 'Niet van toepassing', 'Neutraal', 'Van toepassing', 'Helemaal van toepassing', 'Geen zicht op toepassing'];
const B9 = ['Niet', 'Nauwelijks', 'Een beetje', 'Redelijk veel', 'Veel', 'Weet niet/geen zicht op'];

const image: Record<string, Expected> = {
  Q_functie: {
    choices: ['Schoolleider/adjunct directeur', 'Intern begeleider/zorgcoördinator', 'Expert (hoog)begaafdheid', 'Leraar', 'Gedragswetenschapper/orthopedagoog', 'Teamleider/coördinator'],
  },
  Q_kenmerken: {
    columns: ['Niet van toepassing', 'Een beetje van toepassing', 'Erg van toepassing', 'Ik weet het niet'],
    rows: [
      'Onze school heeft leerlingen met kenmerken van (hoog)begaafdheid',
      'Onze school geeft prioriteit aan het thema (hoog)begaafdheid',
      'Onze school krijgt subsidie/middelen specifiek voor het thema (hoog)begaafdheid',
      'Ons team heeft de kennis en vaardigheden om (hoog)begaafde leerlingen te signaleren',
      'Ons team heeft de kennis en vaardigheden om (hoog)begaafde leerlingen te ondersteunen',
      'Onze school biedt extra ondersteuning voor (hoog)begaafde leerlingen',
    ],
  },
  Q_mate: {
    choices: [
      'Mijn school werkt samen rondom (hoog)begaafdheid',
      'Mijn school heeft nog geen samenwerking rondom (hoog)begaafdheid, maar hier zijn wel plannen voor',
      'Mijn school heeft geen samenwerking rondom (hoog)begaafdheid, en hier zijn ook geen plannen voor',
    ],
  },
  A_doelen: {
    choices: [
      'Maatwerk voor (hoog)begaafde leerlingen',
      'Voorkomen van uitval van (hoog)begaafde leerlingen',
      'Benutten van potentieel van (hoog)begaafde leerlingen / onderpresteren voorkomen',
      'Tijdige ondersteuning en zorg voor (hoog)begaafde leerlingen',
      'Betere signalering van (hoog)begaafde leerlingen',
      'Preventie van (escalatie van) problematiek bij (hoog)begaafde leerlingen',
      'Een betere overstap naar vervolgonderwijs voor (hoog)begaafde leerlinge',
      'Meer kennis rondom (hoog)begaafdheid bij leraren van onze school',
      'Meer kennis rondom (hoog)begaafdheid bij het ondersteunings-/zorgteam van onze school',
    ],
  },
  A_opbrengsten_uitvoering: {
    columns: ['Nee, en hoeft niet', 'Nee, maar willen we wel', 'Ja, maar kan/moet nog meer', 'Ja', 'Geen zicht op'],
    rows: [
      'Passende ondersteuning en zorg voor (hoog)begaafde leerlingen',
      'Tijdige inzet van hulp en ondersteuning voor (hoog)begaafde leerlingen',
      'Een soepele overgang tussen sectoren voor (hoog)begaafde leerlingen',
      'Kennis onder professionals in onze school rondom (hoog)begaafdheid',
      'Vroegtijdiger signaleren van (hoog)begaafde leerlingen',
    ],
  },
  A_tevredenheid_samenwerking: {
    choices: ['Helemaal niet tevreden', 'Niet tevreden', 'Enigszins niet tevreden', 'Noch ontevreden, noch tevreden', 'Enigszins tevreden', 'Tevreden', 'helemaal wel tevreden'],
  },
  C_nodig: {
    choices: [
      'Hulp bij contact leggen met potentiële partners',
      'Informatie over meerwaarde van samenwerking voor mijn school',
      'Facilitering van samenwerking door middel van gezamenlijke bijeenkomsten',
      'Stimulering en facilitering door middel van richtlijnen om samenwerking vorm te geven',
      'Meer middelen (geld, tijd, etc.)',
    ],
  },
  P_bestuur_beleid: {
    columns: B9,
    rows: [
      'Maakt afspraken over gezamenlijke doelen',
      'Maakt afspraken over gezamenlijke werkwijze',
      'Maakt afspraken over benodigde kennis',
      'Organiseert gezamenlijke scholing',
      'Organiseert activiteiten voor professionals in de praktijk',
    ],
  },
  P_stimulering: { columns: B9, rows: ['Schoolbestuur', 'Samenwerkingsverband'] },
  P_manier_stimulering: {
    columns: B10,
    rows: ['Speerpunten worden gecommuniceerd', 'Samenwerking is onderwerp bij overleggen', 'Voortgang wordt gecommuniceerd', 'Activiteiten om in contact te komen'],
  },
  A_manier_stimulering: { columns: B10, rows: ['Duidelijk aanspreekpunt of procedure', 'Input wordt actief opgehaald', 'Professionals krijgen handvatten'] },
  P_tevredenheid_ondersteuning: {
    columns: ['Zeer ontevreden', 'Ontevreden', 'Noch ontevreden, noch tevreden', 'Tevreden', 'Zeer tevreden', 'Niet van toepassing'],
    rows: ['Schoolbestuur', 'Samenwerkingsverband'],
  },
  P_opbrengsten_beleid: {
    choices: [
      'Meer kennis over (hoog)begaafdheid onder professionals in de praktijk',
      'Betere basisondersteuning voor (hoog)begaafde leerlingen',
      'Meer kennisdeling over (hoog)begaafdheid in de praktijk',
      'Betere (vroeg)signalering van (hoog)begaafde leerlingen',
      'Betere extra ondersteuning voor (hoog)begaafde leerlingen',
      'Betere lichte ondersteuning voor (hoog)begaafde leerlingen',
      'Ik zie hier (nog) geen opbrengsten van',
      'Ik weet niet / geen zicht op',
    ],
  },
};

const KP_INTERN =
  'Knelpunten in relatie tot interne organisatie (ontwikkelingen verlopen ‘stroperig’, vragen veel tijd, niet eenvoudig om verschillende lagen op één lijn te krijgen, tekort aan personeel, wisselingen personeel)';
const NONE = 'We zijn niet tegen knelpunten aangelopen bij de uitvoering van de activiteiten';
const POK = [
  'We zetten interne deskundigen in om docenten (extra) te ondersteunen',
  'We organiseren scholing(en)',
  'We zetten externe deskundigen in om docenten (extra) te ondersteunen',
  'We organiseren intervisiebijeenkomsten',
  'We zetten (extra) onderwijsassistenten in',
];

const eemland: Record<string, Expected> = {
  eigen_activiteiten: {
    choices: [
      'Nascholing en trainingen (mentoren/coaches/ortho’s)',
      'Aanschaf (preventie-)programma’s zoals pesten etc.',
      'Inrichting schoolgebouw',
      'Huur/inrichting spreekruimtes voor ortho’s e/o (zorg-)ketenpartners',
      '(RT)materialen, abonnementen',
      'Verbouwing schoolgebouw, schoolplein',
    ],
    other: 'Ander doel/actie, namelijk:',
  },
  swv_doelen: { choices: ['Hoge kwaliteit van ondersteuning', 'Samen naar meer inclusief onderwijs', 'Samenwerking SWV-PO en SWV-VO'] },
  a_activiteiten: {
    choices: [
      'Optimaliseren kwaliteit ondersteuningsstructuur',
      'Uitvoeren zorgplicht bij aangemelde en zittende leerlingen',
      'Realiseren ondersteuning voor toegelaten leerlingen',
      'Organiseren maatwerk voor leerlingen die niet binnen bestaande zorgstructuur bediend kunnen worden',
      'Actualiseren (jaarlijks) van SOP',
      'Verstevigen, optimaliseren en borgen kwaliteitsinstrumenten',
      'Formuleren en stellen van gezamenlijke doelen',
      'Delen van kennis',
      'Formuleren van SOP op basis van eenduidige uitgangspunten',
    ],
  },
  a_knelpunten: {
    none: NONE,
    other: 'Anders',
    choices: [
      'Wachtlijsten bij externe hulpverlening',
      'Toename aantal en complexiteit ondersteuningsvragen',
      KP_INTERN,
      'Vaardigheid docenten w.b. adequaat oppakken ondersteuningsvraagstukken',
      'Veranderingen bij externe hulporganisaties (bijv. w.b. doelen, werkwijze en bezetting)',
      'Werkdruk',
      'Verwachtingspatroon ouders',
      'Samenwerking met ouders',
      'Wettelijke kaders',
    ],
  },
  a_resultaten: {
    other: 'Anders, namelijk:',
    choices: [
      'Mentor is belangrijke spil in ondersteuningsstructuur',
      'SOP is geactualiseerd',
      'Aantal verwijzingen naar VSO is gedaald',
      'Druk op ondersteuningsteam is verminderd',
      'Aantal verwijzingen naar tussenvoorzieningen is gedaald',
    ],
  },
  b_activiteiten: {
    other: 'Anders, namelijk:',
    choices: [
      'Intensiveren samenwerking school en jeugdzorgpartners',
      'Organiseren expertise en specifieke ondersteuning in de school',
      'Zorgen voor een ononderbroken ontwikkeling',
      'Intensiveren samenwerking tussen school en speciaal onderwijs',
    ],
  },
  b_knelpunten: {
    none: NONE,
    other: 'Anders, namelijk:',
    choices: [
      'Toename aantal en complexiteit ondersteuningsvragen',
      'Wachtlijsten bij externe hulpverlening',
      KP_INTERN,
      'Werkdruk',
      'Samenwerking met externe partners',
      'Vaardigheid docenten w.b. adequaat oppakken ondersteuningsvraagstukken',
      'Veranderingen bij externe hulporganisaties (bijv. w.b. doelen, werkwijze en bezetting)',
      'Wettelijke kaders',
    ],
  },
  b_resultaten: {
    choices: [
      'Integratie van ondersteuning binnen de school',
      'Kwalitatief goed AOJ-team in de school',
      'Kennis en ervaring rond hoogbegaafdheid geborgd in de school',
      'Aantal thuiszitters is gedaald',
      'Specialistische jeugdzorg in de school',
      'Aantal TLV’s is gedaald',
      'Minder verwijzingen naar vso',
      'Toename zij-instroom van leerlingen vanuit vso',
    ],
  },
  c_activiteiten: { choices: ['Verbinding van de ondersteuning po/vo', 'Aandacht in OPP’s voor aansluiting po/vo'] },
  c_knelpunten: {
    none: NONE,
    choices: [
      'Informatie overgedragen vanuit PO is onvolledig of kwalitatief onvoldoende',
      'Niet altijd een warme overdracht',
      'Informatievoorziening vanuit vo over verwachtingen, proces en procedures is onvoldoende',
      'Moeilijk om op één lijn te komen met basisschool',
      'Moeilijk om contact met basisscholen te onderhouden',
      'Onbekendheid met praktijkonderwijs bij PO',
    ],
  },
  c_resultaten: {
    choices: [
      'Contact met basisscholen over aansluiting van de ondersteuning',
      'In OPP’s wordt ingegaan op aansluiting po/vo',
      'Contact met SO over de mogelijkheid dat leerlingen in de overgang doorstromen naar regulier VO',
    ],
  },
  pok_inzet: { choices: POK, other: 'Anders, namelijk:' },
  pok_inzet_gepland: { choices: POK, other: 'Anders, namelijk:' },
  hb_inzet: {
    other: 'Anders',
    choices: [
      '(Grotere) inzet expertisedrager HB',
      'Individuele begeleiding voor (hoog)begaafden',
      'Opstellen en/of aanpassen HB-beleid',
      'Versnellen (werken aan leerstof bedoeld voor oudere leerlingen)',
      'Verrijking van de lesstof',
      'Arrangementen voor (hoog)begaafden die dreigen uit te vallen of thuis zitten',
      'Differentiatie in de lessen',
      'Groepsgewijze begeleiding voor (hoog)begaafden',
      'Arrangementen met extra ondersteuning en begeleiding voor dubbel bijzondere leerlingen',
      'Compacten van de lesstof',
      'Deeltijd groepsonderwijs voor (hoog)begaafden',
      'Activiteit(en) t.b.v. een soepele overgang van po naar vo',
      '‘Tussenjaar’ tussen het PO en VO voor (hoog)begaafden',
      'Versnellen (klas overslaan)',
      'Voltijd groepsonderwijs voor (hoog)begaafden',
    ],
  },
  hb_rol: {
    other: 'Anders',
    choices: [
      'Deelname in kennisnetwerk(en) (binnen of buiten het samenwerkingsverband)',
      'Opstellen, aanpassen en/of aanscherpen HB-beleid',
      'Docenten ondersteunen bij bieden passend aanbod voor HB-leerlingen',
      'Hoogbegaafdheid bij leerlingen (helpen) signaleren',
      'Professionals in de school informeren over het HB-beleid en HB (signalering, aanbod e.d.)',
      'Afstemmen met evt. betrokken (externe) HB-deskundigen',
      'Communicatie met HB-leerling en ouders',
      'Monitoren (afspraken over) aanbod voor HB-leerlingen',
    ],
  },
  hb_zichtbaar: {
    title: 'Is de expertisedrager HB zichtbaar, merkbaar en herkenbaar aanwezig?',
    rows: ['voor onderwijsprofessionals in de school', 'voor HB-leerlingen en hun ouders'],
    columns: ['(Zeer) goed', 'Voldoende', '(Nog) onvoldoende'],
  },
  hb_borging: {
    other: 'Anders, namelijk:',
    choices: [
      'Kennisoverdracht van expertisedrager HB naar docenten/mentoren',
      'Scholing van anderen dan de expertisedrager op thema HB',
      'Eenduidig vastleggen van beleid op thema HB',
      'HB als thema opnemen op studiedagen',
      'Eenduidig vastleggen van procedures/werkwijzen op thema HB',
    ],
  },
};

describe('EXACT texts', () => {
  for (const [name, expected] of Object.entries(image)) {
    it(`IMAGE ${name}`, () => {
      expect(texts('image-samenwerking-2023', name, 'po-po')).toMatchObject(expected);
    });
  }
  for (const [name, expected] of Object.entries(eemland)) {
    it(`Eemland ${name}`, () => {
      expect(texts('eemland-monitor-2025', name, null)).toMatchObject(expected);
    });
  }
});
