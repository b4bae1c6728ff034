import { describe, expect, it } from 'vitest';
import { getQuestionnaire, validateResponse, variablesFor, visibleQuestionNames, type QuestionnaireContent } from '../../server/questionnaires';
import { answerEverything } from '../fixtures/questionnaire-answers';

/**
 * The routing of the Eemland monitor (measurement 2, spring 2025): goal blocks only for the goals
 * a school works on, the 'own goals' block only for schools that (also) pursue their own, the two
 * new themes, and the (hoog)begaafden block only for schools that have the HB subsidy.
 */
const eemland = getQuestionnaire('eemland-monitor-2025');
const content = eemland.content as QuestionnaireContent;
const variables = variablesFor({ situation: null, sector: 'vo', schoolName: 'Het Eemland College' });

const EIGEN = ['eigen_waarom', 'eigen_activiteiten', 'eigen_resultaten'];
const goal = (p: 'a' | 'b' | 'c', toelichting: boolean) => [
  `${p}_activiteiten`, `${p}_knelpunten`, ...(toelichting ? [`${p}_knelpunten_toelichting`] : []), `${p}_resultaten`,
];
const HB_BASE = ['hb_inzet', 'hb_inzet_toelichting', 'hb_sop', 'hb_rol', 'hb_zichtbaar'];
const HB_END = ['hb_borging', 'hb_succes', 'hb_knelpunten', 'hb_verbetering'];

const paths: Array<{ name: string; given: Record<string, unknown>; branch: string; visible: string[] }> = [
  {
    name: 'only SWV goals, one goal without knelpunten, budget spent on training, no HB subsidy',
    given: { inzet_type: 'alleen_swv', swv_doelen: ['kwaliteit'], a_knelpunten: ['none'], pok_budget_ingezet: 'ja', pok_inzet: ['pok_02', 'pok_04'], hb_filter: 'nee' },
    branch: 'alleen_swv',
    visible: ['toestemming', 'inzet_type', 'swv_doelen', ...goal('a', false), 'pok_profijt', 'pok_budget_ingezet', 'pok_inzet', 'pok_scholing', 'hb_filter'],
  },
  {
    name: 'SWV and own goals, all three goals with knelpunten, budget planned, HB with gaps',
    given: {
      inzet_type: 'swv_en_eigen',
      swv_doelen: ['kwaliteit', 'inclusief', 'povo'],
      a_knelpunten: ['kp_wachtlijst', 'kp_werkdruk'],
      b_knelpunten: ['kp_samenwerking_extern'],
      c_knelpunten: ['c_kp_02'],
      pok_budget_ingezet: 'nee',
      pok_inzet_gepland: ['pok_01'],
      hb_filter: 'ja',
      hb_sop: 'nee',
      hb_zichtbaar: { professionals: 'onvoldoende', leerlingen_ouders: 'voldoende' },
      hb_novilo: 'ja',
    },
    branch: 'swv_en_eigen',
    visible: [
      'toestemming', 'inzet_type', ...EIGEN, 'swv_doelen', ...goal('a', true), ...goal('b', true), ...goal('c', true),
      'pok_profijt', 'pok_budget_ingezet', 'pok_inzet_gepland', 'hb_filter', ...HB_BASE.slice(0, 3), 'hb_sop_waarom_niet', 'hb_rol', 'hb_zichtbaar',
      'hb_zichtbaar_llo_hoe', 'hb_zichtbaar_waarom_onvoldoende', 'hb_novilo', 'hb_novilo_eigen', 'hb_novilo_anderen', ...HB_END,
    ],
  },
  {
    name: 'only own goals: no SWV goals and no goal blocks; HB fully in place',
    given: {
      inzet_type: 'alleen_eigen',
      pok_budget_ingezet: 'ja',
      pok_inzet: ['pok_01'],
      hb_filter: 'ja',
      hb_sop: 'ja',
      hb_zichtbaar: { professionals: 'zeer_goed', leerlingen_ouders: 'zeer_goed' },
      hb_novilo: 'nee',
    },
    branch: 'alleen_eigen',
    visible: [
      'toestemming', 'inzet_type', ...EIGEN, 'pok_profijt', 'pok_budget_ingezet', 'pok_inzet', 'hb_filter', ...HB_BASE,
      'hb_zichtbaar_prof_hoe', 'hb_zichtbaar_llo_hoe', 'hb_novilo', 'hb_novilo_waarom_niet', ...HB_END,
    ],
  },
  {
    name: 'only SWV goals, inclusion only, training planned, no HB subsidy',
    given: { inzet_type: 'alleen_swv', swv_doelen: ['inclusief'], b_knelpunten: ['none'], pok_budget_ingezet: 'nee', pok_inzet_gepland: ['pok_02'], hb_filter: 'nee' },
    branch: 'alleen_swv',
    visible: ['toestemming', 'inzet_type', 'swv_doelen', ...goal('b', false), 'pok_profijt', 'pok_budget_ingezet', 'pok_inzet_gepland', 'pok_scholing', 'hb_filter'],
  },
  {
    name: 'SWV and own goals, po–vo only',
    given: { inzet_type: 'swv_en_eigen', swv_doelen: ['povo'], c_knelpunten: ['other'], 'c_knelpunten-Comment': 'Missende documenten', pok_budget_ingezet: 'ja', pok_inzet: ['other'], 'pok_inzet-Comment': 'Klas met extra voorzieningen', hb_filter: 'nee' },
    branch: 'swv_en_eigen',
    visible: ['toestemming', 'inzet_type', ...EIGEN, 'swv_doelen', ...goal('c', true), 'pok_profijt', 'pok_budget_ingezet', 'pok_inzet', 'hb_filter'],
  },
];

describe('Eemland monitor 2025 routing', () => {
  it('is lint-clean', () => {
    expect(eemland.issues).toEqual([]);
  });

  for (const path of paths) {
    it(`${path.name}: shows exactly the questions of the path`, () => {
      const data = answerEverything(content, variables, { toestemming: 'ja', ...path.given });
      const result = validateResponse(content, variables, data, { mode: 'complete' });
      if (!result.ok) throw new Error(`the full path did not validate: ${JSON.stringify(result.errors)}`);
      expect(result.branch).toBe(path.branch);
      expect(visibleQuestionNames(content, variables, result.data)).toEqual(path.visible);
      const comments = Object.keys(path.given).filter((k) => k.endsWith('-Comment'));
      expect(Object.keys(result.data).sort()).toEqual([...path.visible, ...comments].sort());
    });
  }

  it('refusal: ends at the consent question and keeps nothing else', () => {
    const data = { ...answerEverything(content, variables, { toestemming: 'ja', inzet_type: 'alleen_swv' }), toestemming: 'nee' };
    expect(validateResponse(content, variables, data, { mode: 'complete' })).toEqual({ ok: true, data: { toestemming: 'nee' }, branch: null, consent: 'refused' });
    expect(visibleQuestionNames(content, variables, data)).toEqual(['toestemming']);
  });

  it('drops a goal block when the school no longer ticks that goal', () => {
    const before = answerEverything(content, variables, { toestemming: 'ja', inzet_type: 'alleen_swv', swv_doelen: ['kwaliteit', 'inclusief'], hb_filter: 'nee' });
    const result = validateResponse(content, variables, { ...before, swv_doelen: ['inclusief'] }, { mode: 'complete' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(Object.keys(result.data).filter((k) => k.startsWith('a_'))).toEqual([]);
    expect(Object.keys(result.data).filter((k) => k.startsWith('b_')).length).toBeGreaterThan(0);
  });

  it('does not accept "no knelpunten" together with a knelpunt', () => {
    const data = answerEverything(content, variables, { toestemming: 'ja', inzet_type: 'alleen_swv', swv_doelen: ['kwaliteit'], a_knelpunten: ['none', 'kp_werkdruk'], hb_filter: 'nee' });
    const result = validateResponse(content, variables, data, { mode: 'partial' });
    expect(result).toEqual({
      ok: false,
      errors: [{ question: 'a_knelpunten', message: "'We zijn niet tegen knelpunten aangelopen bij de uitvoering van de activiteiten' kan niet samen met andere antwoorden worden gekozen." }],
    });
  });

  it('keeps the option lists that differ between goals apart', () => {
    const data = answerEverything(content, variables, {
      toestemming: 'ja', inzet_type: 'alleen_swv', swv_doelen: ['kwaliteit', 'inclusief'],
      a_knelpunten: ['kp_verwachting_ouders', 'kp_samenwerking_extern'], b_knelpunten: ['kp_verwachting_ouders', 'kp_samenwerking_extern'], hb_filter: 'nee',
    });
    const result = validateResponse(content, variables, data, { mode: 'complete' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.data.a_knelpunten).toEqual(['kp_verwachting_ouders']);
    expect(result.data.b_knelpunten).toEqual(['kp_samenwerking_extern']);
  });
});
