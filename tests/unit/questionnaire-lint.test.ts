import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { lintQuestionnaire, listQuestionnaires, loadQuestionnaireFile, loadQuestionnaireFiles, lintVersions, spssNameProblem, type LintIssue } from '../../server/questionnaires';
import { aCheckbox, aComment, aMatrix, aPage, aQuestionnaire, aRadio, CONSENT_IF } from '../fixtures/questionnaires';

const rules = (issues: LintIssue[]) => issues.map((i) => i.rule);
const lint = (pages: Parameters<typeof aQuestionnaire>[0]) => lintQuestionnaire(aQuestionnaire(pages));

describe('lintQuestionnaire', () => {
  it('finds nothing wrong with a plain questionnaire (so every other case shows one rule)', () => {
    expect(lint({})).toEqual([]);
  });

  it('passes every questionnaire in questionnaires/', () => {
    const files = listQuestionnaires();
    expect(files.map((f) => f.id)).toContain('image-samenwerking-2023');
    for (const file of files) expect({ id: file.id, issues: file.issues }).toEqual({ id: file.id, issues: [] });
  });

  it('reports what survey-core does not know', () => {
    const issues = lint({ pages: [aPage('p', [aRadio('a', ['x'], { titel: 'typo' })])] });
    expect(issues).toEqual([expect.objectContaining({ rule: 'surveyjs', message: expect.stringContaining("'titel'") })]);
  });

  it('refuses question types the validator does not handle', () => {
    const issues = lint({ pages: [aPage('p', [{ type: 'paneldynamic', name: 'lijst', title: 'Lijst' }])] });
    expect(rules(issues)).toContain('types');
  });

  it('refuses a name used twice, also when only the case differs', () => {
    const issues = lint({ pages: [aPage('p', [aRadio('kleur', ['a']), aRadio('Kleur', ['a'])])] });
    expect(issues).toEqual([expect.objectContaining({ rule: 'names', message: expect.stringContaining('already used') })]);
  });

  it('refuses elements and pages without a name', () => {
    const nameless = { type: 'radiogroup', title: 'Geen naam', choices: ['a'] };
    expect(rules(lint({ pages: [aPage('p', [nameless])] }))).toContain('names');
    expect(rules(lint({ pages: [{ name: '', elements: [aRadio('a', ['x'])] }] }))).toContain('names');
  });

  it.each([
    ['1e_vraag', 'must start with a letter'],
    ['vraag-1', 'must start with a letter'],
    ['AND', 'reserved'],
    ['vraag_', 'must not end with _'],
    ['v'.repeat(65), 'longer than 64 bytes'],
  ])('refuses the SPSS-unsafe name %s', (name, problem) => {
    const issues = lint({ pages: [aPage('p', [aRadio(name, ['a'])])] });
    expect(issues).toEqual([expect.objectContaining({ rule: 'spss', message: expect.stringContaining(problem) })]);
  });

  it('refuses choice values and matrix rows that make SPSS-unsafe export variables', () => {
    expect(rules(lint({ pages: [aPage('p', [aCheckbox('doel', ['a b'])])] }))).toEqual(['spss']);
    expect(rules(lint({ pages: [aPage('p', [aMatrix('m'.repeat(60), ['rij_lang'], [1])])] }))).toEqual(['spss']);
    expect(spssNameProblem('Q_kenmerken_leerlingen_hb')).toBeNull();
  });

  it('refuses a choice, row or column value used twice', () => {
    expect(rules(lint({ pages: [aPage('p', [aRadio('a', ['x', 'y', 'x'])])] }))).toEqual(['choices']);
    expect(rules(lint({ pages: [aPage('p', [aMatrix('m', ['r', 'r'], [1, 2])])] }))).toEqual(['choices']);
    expect(rules(lint({ pages: [aPage('p', [aMatrix('m', ['r'], [1, '1'])])] }))).toEqual(['choices']);
  });

  it('refuses a reference to something that is neither a question nor a declared variable', () => {
    const inExpression = lint({ pages: [aPage('p', [aRadio('a', ['x']), aRadio('b', ['y'], { visibleIf: "{c} = 'x'" })])] });
    expect(issues(inExpression)).toEqual([['refs', expect.stringContaining('{c} names no question')]]);
    const inText = lint({ pages: [aPage('p', [aRadio('a', ['x'], { title: 'Samen met {partner}?' })])] });
    expect(issues(inText)).toEqual([['refs', expect.stringContaining('{partner} names no question')]]);
    const declared = lint({ meta: { variables: ['partner'] }, pages: [aPage('p', [aRadio('a', ['x'], { title: 'Samen met {partner}?' })])] });
    expect(declared).toEqual([]);
  });

  it('refuses a declared variable that is unknown to the platform or never used', () => {
    expect(issues(lint({ meta: { variables: ['leeftijd'] } }))).toEqual([['meta', expect.stringContaining('unknown variable "leeftijd"')]]);
    expect(issues(lint({ meta: { variables: ['thema'] } }))).toEqual([['refs', expect.stringContaining('thema is declared but never used')]]);
  });

  it('refuses a comparison with a value the question or variable can never have', () => {
    const typo = lint({ pages: [aPage('p', [aRadio('a', ['wel', 'geen']), aComment('b', { visibleIf: "{a} anyof ['wel', 'gen']" })])] });
    expect(issues(typo)).toEqual([['values', expect.stringContaining('"gen"')]]);
    const situation = lint({ meta: { variables: ['situatie'] }, pages: [aPage('p', [aComment('b', { visibleIf: "{situatie} = 'po_ko'" })])] });
    expect(issues(situation)).toEqual([['values', expect.stringContaining('"po_ko"')]]);
    const row = lint({ pages: [aPage('p', [aMatrix('m', ['r1'], [1, 2]), aComment('b', { visibleIf: '{m.r1} = 3' })])] });
    expect(issues(row)).toEqual([['values', expect.stringContaining('3')]]);
    const missingRow = lint({ pages: [aPage('p', [aMatrix('m', ['r1'], [1, 2]), aComment('b', { visibleIf: '{m.r2} = 1' })])] });
    expect(issues(missingRow)).toEqual([['refs', expect.stringContaining('has no row "r2"')]]);
  });

  it('refuses an expression survey-core cannot parse', () => {
    const issues = lint({ pages: [aPage('p', [aRadio('a', ['x']), aComment('b', { visibleIf: "{a} = 'x' and" })])] });
    expect(rules(issues)).toContain('expression');
  });

  it('refuses pages that can never be reached', () => {
    const hidden = lint({ pages: [aPage('p', [aRadio('a', ['x'])], { visible: false })] });
    expect(rules(hidden)).toContain('reachable');
    const empty = lint({ pages: [aPage('p', [])] });
    expect(rules(empty)).toEqual(['reachable']);
    const later = lint({
      pages: [
        aPage('eerst', [aComment('b')], { visibleIf: `${CONSENT_IF} and {a} = 'x'` }),
        aPage('later', [aRadio('a', ['x'])]),
      ],
    });
    expect(issues(later)).toEqual([['reachable', expect.stringContaining('on this or a later page')]]);
  });

  it('refuses a question whose condition depends on a later question', () => {
    const issues = lint({ pages: [aPage('p', [aComment('b', { visibleIf: "{a} = 'x'" }), aRadio('a', ['x'])])] });
    expect(rules(issues)).toEqual(['reachable']);
  });

  it('refuses piping free text into HTML', () => {
    const html = { type: 'html', name: 'intro', html: '<p>Welkom, {school_naam}</p>' };
    expect(issues(lint({ meta: { variables: ['school_naam'] }, pages: [aPage('p', [html])] }))).toEqual([['refs', expect.stringContaining('may not be piped into HTML')]]);
    const answer = { type: 'html', name: 'terug', html: '<p>U koos {a}</p>' };
    expect(rules(lint({ pages: [aPage('p', [aRadio('a', ['x']), answer])] }))).toEqual(['refs']);
    const safe = { type: 'html', name: 'intro', html: '<p>Samen met {partner}</p>' };
    expect(lint({ meta: { variables: ['partner'] }, pages: [aPage('p', [safe])] })).toEqual([]);
  });

  it('requires consent first, and nothing visible before it is given', () => {
    const ungated = aQuestionnaire({ pages: [aPage('p', [aRadio('a', ['x'])], { visibleIf: "{toestemming} notempty" })] });
    expect(issues(lintQuestionnaire(ungated))).toEqual([['meta', expect.stringContaining('nothing but the consent question')]]);
    const missing = aQuestionnaire({ meta: { consent: { question: 'akkoord', yes: 'ja', no: 'nee' } } });
    expect(issues(lintQuestionnaire(missing))).toEqual([['meta', 'no question named akkoord']]);
    const values = aQuestionnaire({ meta: { consent: { question: 'toestemming', yes: 'ja', no: 'neen' } } });
    expect(rules(lintQuestionnaire(values))).toContain('meta');
  });

  it('requires the branch question to offer exactly the branch values', () => {
    const content = aQuestionnaire({ meta: { branch: { question: 'kleur', values: ['rood', 'groen'] } } });
    expect(issues(lintQuestionnaire(content))).toEqual([['meta', expect.stringContaining('must be meetronde.branch.values')]]);
  });

  it('requires titles, Dutch and text limits', () => {
    expect(rules(lint({ pages: [aPage('p', [{ type: 'comment', name: 'open' }])] }))).toEqual(['texts']);
    expect(rules(lint({ extra: { locale: 'en' } }))).toEqual(['locale']);
    expect(rules(lint({ extra: { maxTextLength: undefined, maxCommentLength: 0 } }))).toEqual(['limits', 'limits']);
  });

  it('reports a missing or malformed meetronde block instead of throwing', () => {
    const { meetronde: _ignored, ...bare } = aQuestionnaire();
    expect(issues(lintQuestionnaire(bare))).toEqual([['meta', 'the questionnaire has no "meetronde" block']]);
    expect(rules(lintQuestionnaire(aQuestionnaire({ meta: { key: 'Met Spaties' } })))).toEqual(['meta']);
    expect(rules(lintQuestionnaire([]))).toEqual(['meta']);
  });
});

function issues(list: LintIssue[]): Array<[string, string]> {
  return list.map((i) => [i.rule, i.message]);
}

describe('questionnaire files', () => {
  function folderWith(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'meetronde-lint-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }

  it('reports a file that is no JSON, too big, or named after another version', () => {
    const dir = folderWith({
      'stuk-1.json': '{ "pages": [',
      'groot-1.json': JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }),
      'andere-naam-1.json': JSON.stringify(aQuestionnaire()),
    });
    expect(loadQuestionnaireFile(path.join(dir, 'stuk-1.json')).issues).toEqual([expect.objectContaining({ rule: 'json', message: expect.stringContaining('not valid JSON') })]);
    expect(loadQuestionnaireFile(path.join(dir, 'groot-1.json')).issues).toEqual([expect.objectContaining({ rule: 'json', message: expect.stringContaining('larger than') })]);
    expect(loadQuestionnaireFile(path.join(dir, 'andere-naam-1.json')).issues).toEqual([
      expect.objectContaining({ rule: 'meta', message: 'the file must be named test-vragenlijst-1.json' }),
    ]);
  });

  describe('routing guards', () => {
    const kind = aRadio('soort', ['eigen', 'swv'], { isRequired: true });
    const goals = aCheckbox('doelen', ['a', 'b'], { isRequired: true });
    const goalA = aComment('doel_a', { isRequired: true });

    it('refuses a page that reads a question whose page can be hidden, without the same guard (the Eemland defect)', () => {
      const issues = lint({
        pages: [
          aPage('soort', [kind]),
          aPage('doelen', [goals], { visibleIf: `${CONSENT_IF} and {soort} = 'swv'` }),
          aPage('doel_a', [goalA], { visibleIf: `${CONSENT_IF} and {doelen} contains 'a'` }),
        ],
      });
      expect(issues).toEqual([
        expect.objectContaining({ rule: 'guard', where: 'pages[3] (doel_a).visibleIf', message: expect.stringContaining("reads {doelen}, which is only shown when ({soort} == 'swv')") }),
      ]);
    });

    it('accepts the guard on the page, in an element, or next to the reference inside an "or"', () => {
      const guardedPage = lint({
        pages: [
          aPage('soort', [kind]),
          aPage('doelen', [goals], { visibleIf: `${CONSENT_IF} and {soort} = 'swv'` }),
          aPage('doel_a', [goalA], { visibleIf: `${CONSENT_IF} and {soort} = 'swv' and {doelen} contains 'a'` }),
        ],
      });
      expect(guardedPage).toEqual([]);
      const inOr = lint({
        pages: [
          aPage('soort', [kind, aCheckbox('x', ['a'], { visibleIf: "{soort} = 'swv'" }), aCheckbox('y', ['a'], { visibleIf: "{soort} = 'eigen'" })]),
          aPage('volg', [aComment('welke', { visibleIf: "({soort} = 'swv' and {x} contains 'a') or ({soort} = 'eigen' and {y} contains 'a')" })]),
        ],
      });
      expect(inOr).toEqual([]);
      const unguardedOr = lint({
        pages: [
          aPage('soort', [kind, aCheckbox('x', ['a'], { visibleIf: "{soort} = 'swv'" })]),
          aPage('volg', [aComment('welke', { visibleIf: "{x} contains 'a' or {soort} = 'eigen'" })]),
        ],
      });
      expect(rules(unguardedOr)).toEqual(['guard']);
    });

    it('needs no guard for a question on the same page or one that is always shown', () => {
      const issues = lint({
        pages: [aPage('p', [kind, aComment('waarom', { visibleIf: "{soort} = 'eigen'" }), aComment('nog', { visibleIf: "{waarom} notempty and {soort} = 'eigen'" })])],
      });
      expect(issues).toEqual([]);
    });
  });

  describe('names across versions', () => {
    const version = (v: string, pages: NonNullable<Parameters<typeof aQuestionnaire>[0]>['pages']) => ({
      id: `test-vragenlijst-${v}`,
      content: aQuestionnaire({ pages, meta: { version: v } }),
    });

    it('refuses a name reused for another question type, text, scale or choice meaning', () => {
      const issues = lintVersions([
        version('1', [aPage('p', [aComment('knelpunten'), aRadio('oordeel', [1, 2]), aMatrix('m', ['r1'], [1, 2])])]),
        version('2', [
          aPage('p', [
            aCheckbox('knelpunten', ['a']),
            aRadio('oordeel', [1, 2], { choices: [{ value: 1, text: 'Keuze 1' }, { value: 2, text: 'Iets heel anders' }] }),
            aMatrix('m', ['r1'], [1, 2, 3]),
          ]),
        ]),
      ]);
      const found = issues.get('test-vragenlijst-2') ?? [];
      expect(found.map((i) => i.message)).toEqual([
        expect.stringContaining('the name knelpunten is used for another question in test-vragenlijst-1 (its type was comment, now checkbox)'),
        expect.stringContaining('optie 2 was "Keuze 2", now "Iets heel anders"'),
        expect.stringContaining('its answer scale (columns) changed'),
      ]);
      expect(issues.has('test-vragenlijst-1')).toBe(false);
    });

    it('allows added options, another reference year and another questionnaire key', () => {
      const issues = lintVersions([
        version('1', [aPage('p', [aRadio('soort', ['a'], { title: 'In schooljaar 2022-2023?' })])]),
        version('2', [aPage('p', [aRadio('soort', ['a', 'b'], { title: 'In schooljaar 2023-2024?' })])]),
        { id: 'ander-1', content: aQuestionnaire({ pages: [aPage('p', [aComment('soort')])], meta: { key: 'ander' } }) },
      ]);
      expect([...issues]).toEqual([]);
    });

    it('is part of loading the files, so questionnaires:check and snapshots refuse it', () => {
      const dir = folderWith({
        'test-vragenlijst-1.json': JSON.stringify(aQuestionnaire({ pages: [aPage('p', [aComment('knelpunten')])], meta: { version: '1' } })),
        'test-vragenlijst-2.json': JSON.stringify(aQuestionnaire({ pages: [aPage('p', [aCheckbox('knelpunten', ['a'])])], meta: { version: '2' } })),
      });
      const files = loadQuestionnaireFiles(dir);
      expect(files.map((f) => rules(f.issues))).toEqual([[], ['versions']]);
    });
  });

  it('npm run questionnaires:check exits non-zero on any problem and zero when all is well', async () => {
    const run = promisify(execFile);
    const cli = path.resolve('server/questionnaires/check-cli.ts');
    const good = folderWith({ 'test-vragenlijst-1.json': JSON.stringify(aQuestionnaire()) });
    const bad = folderWith({ 'test-vragenlijst-1.json': JSON.stringify(aQuestionnaire({ extra: { locale: 'en' } })) });
    const ok = await run(process.execPath, ['--import', 'tsx', cli, good]);
    expect(ok.stdout).toContain('1 file(s) checked, no problems');
    const failed = await run(process.execPath, ['--import', 'tsx', cli, bad]).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('[locale]');
  });
});
