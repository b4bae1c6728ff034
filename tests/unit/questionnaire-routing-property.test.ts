import { describe, expect, it } from 'vitest';
import { getQuestionnaire, listQuestionnaires, type QuestionnaireContent } from '../../server/questionnaires';
import { checkRouting, describeFailure, makeChecker, run, shrink, type Sequence } from '../fixtures/routing-walk';

/**
 * The routing property (issue 18), for every questionnaire in questionnaires/: random answer
 * sequences on the real survey-core model, going back and changing or clearing earlier answers,
 * checked after every step (see tests/fixtures/routing-walk.ts for what is checked).
 *
 * `npm test` runs 120 sequences per questionnaire (six questionnaires now; the suite must stay
 * under 15 minutes on two cores), plus walks aimed at
 * any setting or routing question those left out, and asserts that together they reached every
 * setting (situation, sector, school kind) and answered every question a routing condition reads,
 * so the sample can never silently shrink to nothing. The long variant is
 * ROUTING_SEQUENCES=2000 (the old default, ~3 CPU minutes for all) or 100000 nightly
 * (tests/README.md). ROUTING_BUDGET_MS=<ms> caps each questionnaire's wall time (off by default;
 * a capped run checks no coverage). ROUTING_SEED=<n> replays a run; otherwise the seed is random
 * and printed.
 */
// A fixed seed in npm test, so it never fails on chance; ROUTING_SEED=random (or a number)
// explores, as the long runs do. Random seeds found survey-core's skipped `{matrix.row}`
// conditions after a clear (contract/survey-conditions.ts; replayed below).
const seedSetting = process.env.ROUTING_SEED ?? '20261207';
const seed = seedSetting === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(seedSetting);
const count = Number(process.env.ROUTING_SEQUENCES ?? 120);
const cap = Number(process.env.ROUTING_BUDGET_MS ?? 0);
const budgetMs = cap > 0 ? cap : undefined;

describe('routing property: no school is stranded and hidden answers never count', () => {
  for (const file of listQuestionnaires()) {
    it(`${file.id}: every random answer sequence keeps page, server, exports and completion in step`, async () => {
      const started = Date.now();
      const cpu = process.cpuUsage();
      const result = await checkRouting(file.content as QuestionnaireContent, { seed, count, budgetMs });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const used = process.cpuUsage(cpu);
      const cpuSeconds = ((used.user + used.system) / 1e6).toFixed(1);
      const routing = result.possible.routing;
      const unanswered = routing.filter((name) => !result.coverage.routingAnswered.has(name));
      console.log(
        `[routing] ${file.id}: ${result.sequences} of ${count} sequences in ${seconds} s (CPU ${cpuSeconds} s), ${result.states} distinct routing states, ` +
          `${result.coverage.settings.size} of ${result.possible.settings} settings, ${routing.length - unanswered.length} of ${routing.length} routing questions answered (${result.aimed} aimed walks), seed ${seed}`,
      );
      if (result.shrunk) {
        expect.fail(`routing property fails for ${file.id} (ROUTING_SEED=${seed}); shortest failing sequence:\n${describeFailure(result.shrunk)}`);
      }
      if (result.sequences === count) {
        expect(result.coverage.settings.size, `settings walked (ROUTING_SEED=${seed})`).toBe(result.possible.settings);
        expect(unanswered, `routing questions never answered (ROUTING_SEED=${seed})`).toEqual([]);
        expect(result.states, 'distinct routing states').toBeGreaterThan(1);
      }
    }, 600_000);
  }
});

describe('the routing walker', () => {
  const eemland = getQuestionnaire('eemland-monitor-2025').content as QuestionnaireContent;
  /** The Eemland file as it was before issue 18: goal pages guarded by the goals only. */
  const unguarded = JSON.parse(JSON.stringify(eemland), (key, value: unknown) =>
    key === 'visibleIf' && typeof value === 'string' ? value.replace(" and {inzet_type} anyof ['alleen_swv', 'swv_en_eigen'] and {swv_doelen}", ' and {swv_doelen}') : value,
  ) as QuestionnaireContent;

  it('finds the stranded school in the unguarded Eemland file and shrinks it to the four steps that matter', async () => {
    // Seed 10 meets the defect in its first sequence; seed 1 needed 262 (~25 CPU s of the suite).
    // What is asserted is what the walker reports and how far it shrinks, for any seed.
    const result = await checkRouting(unguarded, { seed: 10, count: 5000 });
    expect(result.failure).not.toBeNull();
    const shrunk = result.shrunk!;
    const text = describeFailure(shrunk);
    expect(shrunk.sequence.steps.length, text).toBe(4);
    const [consent, first, goals, change] = shrunk.sequence.steps;
    expect(consent).toEqual({ question: 'toestemming', value: 'ja' });
    expect(first!.question).toBe('inzet_type');
    expect(goals!.question).toBe('swv_doelen');
    expect(goals!.value as string[]).toHaveLength(1);
    // Either answer hides the SWV goals: switching to alleen_eigen, or clearing the type.
    expect(change!.question).toBe('inzet_type');
    expect([null, 'alleen_eigen']).toContain(change!.value);
    expect(shrunk.message).toContain('required');
  }, 600_000);

  it('replays a sequence exactly, and shrinking keeps it failing', async () => {
    const checker = makeChecker(unguarded);
    const sequence = {
      setting: { situation: null, sector: 'vo' as const, schoolKind: 'vo' as const },
      steps: [
        { question: 'toestemming', value: 'ja' },
        { question: 'inzet_type', value: 'swv_en_eigen' },
        { question: 'eigen_waarom', value: 'Omdat het moet', open: true as const },
        { question: 'swv_doelen', value: ['kwaliteit', 'povo'] },
        { question: 'a_activiteiten', value: ['a_act_01'] },
        { question: 'inzet_type', value: 'alleen_eigen' },
      ],
    };
    const failure = run(checker, sequence);
    expect(failure?.at).toBe(5);
    const shrunk = await shrink(checker, failure!);
    expect(shrunk.sequence.steps.map((s) => s.question)).toEqual(['toestemming', 'inzet_type', 'swv_doelen', 'inzet_type']);
    expect(run(makeChecker(eemland), sequence)).toBeNull();
  }, 600_000);

  it('a cleared matrix hides the question its row showed, on the page as in the routing (ROUTING_SEED=1625250510 shrank to this)', () => {
    const sequence: Sequence = {
      setting: { situation: null, sector: 'vo' as const, schoolKind: 'vo' as const },
      steps: [
        { question: 'toestemming', value: 'ja' },
        { question: 'hb_filter', value: 'ja' },
        { question: 'hb_zichtbaar', value: { professionals: 'zeer_goed' } },
        { question: 'hb_zichtbaar', value: null },
        { question: 'hb_zichtbaar', value: { leerlingen_ouders: 'voldoende' } },
        { question: 'hb_filter', value: 'nee' },
        { question: 'hb_filter', value: 'ja' },
      ],
    };
    const checker = makeChecker(eemland);
    expect(run({ ...checker, memo: null }, sequence)).toBeNull();
  }, 600_000);

  it('none of the 96 combinations of a first type of effort, goals and a changed type strands a school (the unguarded file strands some)', () => {
    const firsts = [null, 'alleen_swv', 'swv_en_eigen', 'alleen_eigen'];
    const goals = [[], ['kwaliteit'], ['inclusief'], ['povo'], ['kwaliteit', 'inclusief'], ['kwaliteit', 'povo'], ['inclusief', 'povo'], ['kwaliteit', 'inclusief', 'povo']];
    const finals = ['alleen_swv', 'swv_en_eigen', 'alleen_eigen'];
    const setting = { situation: null, sector: 'vo' as const, schoolKind: 'vo' as const };
    const stranded = (content: QuestionnaireContent) => {
      const checker = makeChecker(content);
      let failures = 0;
      let combinations = 0;
      for (const first of firsts) {
        for (const chosen of goals) {
          for (const final of finals) {
            combinations++;
            const steps = [
              { question: 'toestemming', value: 'ja' },
              ...(first ? [{ question: 'inzet_type', value: first }] : []),
              ...(chosen.length ? [{ question: 'swv_doelen', value: chosen }] : []),
              { question: 'inzet_type', value: final },
            ];
            if (run(checker, { setting, steps })) failures++;
          }
        }
      }
      return { combinations, failures };
    };
    expect(stranded(eemland)).toEqual({ combinations: 96, failures: 0 });
    expect(stranded(unguarded).failures).toBeGreaterThan(0);
  }, 600_000);
});
