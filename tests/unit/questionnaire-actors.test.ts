import { describe, expect, it } from 'vitest';
import { getQuestionnaire, lintQuestionnaire, readMeta, validateResponse, variablesFor, type QuestionnaireContent } from '../../server/questionnaires';
import { buildSurvey } from '../../server/questionnaires';
import { checkRouting, describeFailure, makeChecker, run, settingsFor } from '../fixtures/routing-walk';

/**
 * Actor versions from one file (issue 20): the interaction study declares teachers, school
 * leaders and parents; wording and rows follow the respondent's group through variables, the lint
 * checks every group, and the routing walker walks every actor × path.
 */
const content = getQuestionnaire('image-interactie-2024').content as QuestionnaireContent;
const copy = (): Record<string, any> => JSON.parse(JSON.stringify(content));
const rowsOf = (json: Record<string, any>, page: string, question: string): any[] =>
  json.pages.find((p: any) => p.name === page).elements.find((e: any) => e.name === question).rows;

describe('actor groups declared in a questionnaire', () => {
  it('reads the three groups and their texts, and sets them as variables for the respondent', () => {
    const meta = readMeta(content);
    expect(meta.actors?.map((g) => g.role)).toEqual(['teacher', 'school_leader', 'parent']);
    const texts = (actor: 'teacher' | 'school_leader' | 'parent') => {
      const survey = buildSurvey(content, variablesFor({ situation: null, sector: null, schoolName: 'x', actor }));
      survey.data = { toestemming: 'ja' };
      const q = survey.getQuestionByName('betrokkenheid') as any;
      return { title: q.processedTitle as string, rows: q.visibleRows.map((r: any) => `${r.name}=${r.text}`) };
    };
    expect(texts('teacher')).toEqual({
      title: 'Hoe betrokken vindt u de volgende groepen bij het onderwijs aan uw leerlingen?',
      rows: ['leraren=Collega-leraren', 'schoolleiders=Schoolleiders', 'ouders=Ouders'],
    });
    expect(texts('school_leader').rows).toEqual(['leraren=Leraren', 'ouders=Ouders']);
    expect(texts('parent')).toEqual({
      title: 'Hoe betrokken vindt u de volgende groepen bij het onderwijs aan uw kind?',
      rows: ['leraren=De leraar/mentor van uw kind', 'schoolleiders=Schoolleiders', 'ouders=Andere ouders'],
    });
  });

  it('refuses malformed actor declarations with a message naming the problem', () => {
    const withMeta = (change: (m: Record<string, any>) => void) => {
      const json = copy();
      change(json.meetronde);
      return lintQuestionnaire(json).map((i) => `${i.rule}: ${i.message}`);
    };
    expect(withMeta((m) => (m.variables = []))).toEqual([expect.stringContaining('meetronde.actors needs "actor"')]);
    expect(withMeta((m) => delete m.actors)).toEqual([expect.stringContaining('declares no actor groups')]);
    expect(withMeta((m) => (m.actors[1].role = 'teacher'))).toEqual([expect.stringContaining('declared twice')]);
    expect(withMeta((m) => (m.actors[2].role = 'grandparent'))).toEqual([expect.stringContaining('.role must be one of')]);
    expect(withMeta((m) => delete m.actors[2].texts.ouders)).toEqual([expect.stringContaining('must define the same variables')]);
    expect(withMeta((m) => (m.actors[0].texts.ouders = '  '))).toEqual([expect.stringContaining('non-empty text')]);
    expect(withMeta((m) => (m.actors[0].texts = { ...m.actors[0].texts, situatie: 'x' }))).toEqual([expect.stringContaining('is an invitation variable')]);
  });

  it('the lint reports a row naming the respondent\'s own group, an actor value no group has, and a question left without rows', () => {
    const json = copy();
    delete rowsOf(json, 'betrokkenheid', 'betrokkenheid')[1].visibleIf;
    json.meetronde.actors[2].texts.ouders = 'Ouders';
    const issues = lintQuestionnaire(json);
    expect(issues.map((i) => `${i.where}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/school_leader.*betrokkenheid: the row "schoolleiders" \("Schoolleiders"\) names the respondent's own group/),
        expect.stringMatching(/parent.*communicatie_met: the option "ouders" \("Ouders"\) names the respondent's own group/),
      ]),
    );
    expect(issues.every((i) => i.rule === 'actors')).toBe(true);

    const empty = copy();
    for (const row of rowsOf(empty, 'tevredenheid', 'tevredenheid_communicatie')) row.visibleIf = "{actor} = 'teacher'";
    expect(lintQuestionnaire(empty).map((i) => i.message)).toEqual([
      'tevredenheid_communicatie: no row is shown to school_leader',
      'tevredenheid_communicatie: no row is shown to parent',
    ]);

    const wrongValue = copy();
    rowsOf(wrongValue, 'betrokkenheid', 'betrokkenheid')[1].visibleIf = "{actor} <> 'pupil'";
    expect(lintQuestionnaire(wrongValue).map((i) => i.rule)).toEqual(['values']);
  });

  it('validation uses the respondent\'s group: a school leader\'s answer for the hidden school-leader row is dropped, a parent\'s kept', () => {
    const body = { toestemming: 'ja', betrokkenheid: { leraren: 3, schoolleiders: 4, ouders: 2 } };
    const leader = validateResponse(content, variablesFor({ situation: null, sector: null, schoolName: 'x', actor: 'school_leader' }), body, { mode: 'partial' });
    const parent = validateResponse(content, variablesFor({ situation: null, sector: null, schoolName: 'x', actor: 'parent' }), body, { mode: 'partial' });
    expect(leader.ok && leader.data.betrokkenheid).toEqual({ leraren: 3, ouders: 2 });
    expect(parent.ok && parent.data.betrokkenheid).toEqual({ leraren: 3, schoolleiders: 4, ouders: 2 });
  });
});

describe('the routing walker walks every actor × path', () => {
  it('has a setting per actor group, and a run reaches each group without failures', async () => {
    expect(new Set(settingsFor(content).map((s) => s.actor))).toEqual(new Set(['teacher', 'school_leader', 'parent']));
    const result = await checkRouting(content, { seed: 7, count: 150 });
    if (result.shrunk) expect.fail(describeFailure(result.shrunk));
    expect([...result.coverage.actors].sort()).toEqual(['parent', 'school_leader', 'teacher']);
    expect(result.possible.actors).toEqual(['teacher', 'school_leader', 'parent']);
    expect(result.coverage.settings.size).toBe(result.possible.settings);
  }, 120_000);

  it('finds a self-naming row behind a filter, which the static lint cannot see, for that group only', () => {
    const json = copy();
    delete rowsOf(json, 'communicatie', 'communicatie_frequentie')[1].visibleIf;
    expect(lintQuestionnaire(json)).toEqual([]);
    const checker = makeChecker(json as QuestionnaireContent);
    const steps = [
      { question: 'toestemming', value: 'ja' },
      { question: 'communicatie_met', value: ['leraren'] },
    ];
    const base = { situation: null, sector: 'po' as const, schoolKind: 'po' as const };
    const failure = run(checker, { setting: { ...base, actor: 'school_leader' }, steps });
    expect(failure?.at).toBe(1);
    expect(failure?.message).toContain('communicatie_frequentie: the row "schoolleiders" ("Schoolleiders") names the respondent\'s own group');
    expect(describeFailure(failure!)).toContain('actor=school_leader');
    expect(run(checker, { setting: { ...base, actor: 'teacher' }, steps })).toBeNull();
    expect(run(makeChecker(content), { setting: { ...base, actor: 'school_leader' }, steps })).toBeNull();
  });
});
