import { QuestionMatrixModel, QuestionSelectBase } from 'survey-core';
import { describe, expect, it } from 'vitest';
import { buildSurvey, getQuestionnaire, validateResponse, variablesFor, visibleQuestionNames, type QuestionnaireContent } from '../../server/questionnaires';
import type { SchoolKind, Situation, SwvSector } from '../../server/db/types';
import { answerEverything } from '../fixtures/questionnaire-answers';

/**
 * The routing matrix of the IMAGE school questionnaire (2023): every situation, every branch,
 * and a refusal. Each case walks a full path and states exactly which questions it saw, so a
 * change to the file that changes a path fails here.
 */
const image = getQuestionnaire('image-samenwerking-2023');
const content = image.content as QuestionnaireContent;

const START = ['Q_consent', 'Q_functie', 'Q_kenmerken', 'Q_mate'];
const BRANCH_A = [
  'A_doelen', 'A_positie_hb', 'A_contact_frequentie', 'A_vorm_inhoud', 'A_betrokken_school', 'A_betrokken_partner',
  'A_opbrengsten_uitvoering', 'A_tevredenheid_samenwerking',
  'A_wf_communicatie', 'A_wf_visie', 'A_wf_vertrouwen', 'A_wf_gelijkwaardigheid', 'A_wf_sturing', 'A_condities',
];
const POLICY = ['P_bestuur_beleid', 'P_swv_beleid', 'P_stimulering', 'P_manier_stimulering'];

const branches = {
  wel: {
    given: { Q_mate: 'wel' },
    visible: [...START, ...BRANCH_A, ...POLICY, 'A_manier_stimulering', 'P_tevredenheid_ondersteuning', 'P_opbrengsten_beleid'],
  },
  plannen: {
    given: { Q_mate: 'plannen', C_andere_themas: 'ja' },
    visible: [...START, 'C_reden', 'C_andere_themas', 'C_andere_themas_welke', ...POLICY, 'P_tevredenheid_ondersteuning', 'P_opbrengsten_beleid'],
  },
  geen: {
    given: { Q_mate: 'geen', C_andere_themas: 'nee' },
    visible: [...START, 'C_reden', 'C_andere_themas', 'C_nodig', ...POLICY, 'P_opbrengsten_beleid'],
  },
} as const;

const KO_ROWS = ['ko_locatieleiders', 'ko_pedagogisch_medewerkers', 'ko_vve_coaches'];
const JH_ROWS = ['jh_wijkteam', 'jh_specialisten', 'jh_onderwijszorg'];
const SCHOOL_ROWS = ['school_schoolleiding', 'school_intern_begeleiders', 'school_hb_experts', 'school_leraren'];
const HB = '(hoog)begaafdheid';

interface SituationCase {
  situation: Situation;
  sector: SwvSector;
  schoolKind?: SchoolKind;
  partner: string;
  theme: string;
  partnerRows: string[];
  /** The policy-level "signalering" result: the report's base of 188 = 230 − the 42 jeugdhulp schools. */
  signalering: boolean;
}

const situations: SituationCase[] = [
  { situation: 'po-ko', sector: 'po', partner: 'de kinderopvang', theme: `${HB}/ontwikkelingsvoorsprong`, partnerRows: KO_ROWS, signalering: true },
  { situation: 'po-vo', sector: 'po', partner: 'vo-scholen', theme: HB, partnerRows: SCHOOL_ROWS, signalering: true },
  { situation: 'po-vo', sector: 'vo', partner: 'po-scholen', theme: HB, partnerRows: SCHOOL_ROWS, signalering: true },
  { situation: 'po-po', sector: 'po', partner: 'andere po-scholen', theme: HB, partnerRows: SCHOOL_ROWS, signalering: true },
  { situation: 'vo-vo', sector: 'vo', partner: 'andere vo-scholen', theme: HB, partnerRows: SCHOOL_ROWS, signalering: true },
  { situation: 'vso-vo', sector: 'vo', schoolKind: 'vo', partner: 'scholen voor voortgezet speciaal onderwijs (vso)', theme: HB, partnerRows: SCHOOL_ROWS, signalering: true },
  { situation: 'vso-vo', sector: 'vo', schoolKind: 'vso', partner: 'reguliere vo-scholen', theme: HB, partnerRows: SCHOOL_ROWS, signalering: true },
  { situation: 'ow-jh', sector: 'po', partner: 'jeugdhulp', theme: HB, partnerRows: JH_ROWS, signalering: false },
];

function visibleRows(survey: ReturnType<typeof buildSurvey>, name: string): string[] {
  const question = survey.getQuestionByName(name);
  if (!(question instanceof QuestionMatrixModel)) throw new Error(`${name} is not a matrix`);
  return question.rows.filter((r) => r.isVisible).map((r) => String(r.value));
}

function visibleChoices(survey: ReturnType<typeof buildSurvey>, name: string): string[] {
  const question = survey.getQuestionByName(name);
  if (!(question instanceof QuestionSelectBase)) throw new Error(`${name} is not a choice question`);
  return question.visibleChoices.map((c) => String(c.value));
}

describe('IMAGE 2023 routing', () => {
  it('is lint-clean', () => {
    expect(image.issues).toEqual([]);
  });

  for (const s of situations) {
    const label = `${s.situation} (${s.sector}${s.schoolKind ? `, ${s.schoolKind}` : ''})`;
    const variables = variablesFor({ situation: s.situation, sector: s.sector, schoolKind: s.schoolKind, schoolName: 'Basisschool De Test' });
    // One page model per situation, shared by its branches; each test starts it from no answers.
    let model: ReturnType<typeof buildSurvey> | undefined;

    for (const [branch, path] of Object.entries(branches)) {
      it(`${label}, ${branch}: shows exactly the questions of the branch and names the partner`, () => {
        const data = answerEverything(content, variables, { Q_consent: 'ja', ...path.given });
        const result = validateResponse(content, variables, data, { mode: 'complete' });
        if (!result.ok) throw new Error(`the full path did not validate: ${JSON.stringify(result.errors)}`);
        expect(result.branch).toBe(branch);
        expect(result.consent).toBe('given');
        expect(visibleQuestionNames(content, variables, result.data)).toEqual(path.visible);
        expect(Object.keys(result.data).sort()).toEqual([...path.visible].sort());

        const survey = (model ??= buildSurvey(content, variables));
        survey.data = {};
        survey.data = result.data;
        expect(survey.getQuestionByName('Q_mate').processedTitle).toBe(
          `Welke situatie is van toepassing op uw school als het gaat om samenwerking met ${s.partner} rondom ${s.theme}?`,
        );
        const mate = survey.getQuestionByName('Q_mate');
        if (!(mate instanceof QuestionSelectBase)) throw new Error('Q_mate is not a choice question');
        expect(mate.visibleChoices.map((c) => c.text)).toEqual([
          `Mijn school werkt samen rondom ${s.theme}`,
          `Mijn school heeft nog geen samenwerking rondom ${s.theme}, maar hier zijn wel plannen voor`,
          `Mijn school heeft geen samenwerking rondom ${s.theme}, en hier zijn ook geen plannen voor`,
        ]);
        expect(survey.getQuestionByName('P_stimulering').processedTitle).toContain(`tussen uw school en ${s.partner} rondom ${s.theme}`);
        if (branch === 'wel') {
          expect(visibleRows(survey, 'A_betrokken_partner')).toEqual(s.partnerRows);
          expect(survey.getQuestionByName('A_betrokken_partner').processedTitle).toBe(
            `Wie zijn er vanuit ${s.partner} betrokken bij de samenwerking, en in welke mate?`,
          );
        } else {
          expect(survey.getQuestionByName('C_reden').processedTitle).toBe(
            `Wat is de reden dat uw school (nog) niet samenwerkt met ${s.partner} rondom ${s.theme}?`,
          );
        }
        expect(visibleChoices(survey, 'P_opbrengsten_beleid').includes('signalering')).toBe(s.signalering);
      });
    }

    it(`${label}, refusal: ends at the consent question and keeps nothing else`, () => {
      const answered = answerEverything(content, variables, { Q_consent: 'ja', Q_mate: 'wel' });
      const data = { ...answered, Q_consent: 'nee' };
      const result = validateResponse(content, variables, data, { mode: 'complete' });
      expect(result).toEqual({ ok: true, data: { Q_consent: 'nee' }, branch: null, consent: 'refused' });
      expect(visibleQuestionNames(content, variables, data)).toEqual(['Q_consent']);
    });
  }

  it('does not let a path skip a question the branch requires', () => {
    const variables = variablesFor({ situation: 'po-po', sector: 'po', schoolName: 'X' });
    const data = answerEverything(content, variables, { Q_consent: 'ja', Q_mate: 'wel' });
    delete data.A_tevredenheid_samenwerking;
    const partialMatrix = { ...data, P_stimulering: { schoolbestuur: 1 } };
    const result = validateResponse(content, variables, partialMatrix, { mode: 'complete' });
    expect(result).toEqual({
      ok: false,
      errors: [
        { question: 'A_tevredenheid_samenwerking', message: 'Dit is een vereiste vraag' },
        { question: 'P_stimulering', message: 'Deze vraag vereist één antwoord per rij' },
      ],
    });
  });

  it('drops the branch-A answers of a school that switches to "geen"', () => {
    const variables = variablesFor({ situation: 'po-vo', sector: 'po', schoolName: 'X' });
    const asWel = answerEverything(content, variables, { Q_consent: 'ja', Q_mate: 'wel' });
    const switched = answerEverything(content, variables, { ...asWel, Q_mate: 'geen', C_andere_themas: 'nee' });
    const result = validateResponse(content, variables, switched, { mode: 'complete' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(Object.keys(result.data).filter((k) => k.startsWith('A_'))).toEqual([]);
    expect(result.branch).toBe('geen');
  });
});
