import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, slowest first, with their time in seconds (file time as the
 * default reporter prints it, from a full run with TEST_DATABASE_URL and CHROMIUM_PATH set, on a
 * busy two-core machine; only the order matters).
 *
 * Why: without a results cache (CI runs on a fresh clone) vitest starts the largest files first.
 * Several of the longest files are small (start.test.ts spawns the server eleven times,
 * bench-smoke runs every bench script, demo.test.ts simulates six weeks in its beforeAll), so
 * they started last and ran alone on an otherwise idle machine: in one run start.test.ts began
 * 1,204 s into a 1,452 s run. Starting them first lets the short files fill the cores around them.
 * Update the list when a file becomes one of the slowest (or stops being one).
 */
export const SLOW_FILES: Record<string, number> = {
  'tests/unit/questionnaire-routing-property.test.ts': 257,
  'tests/integration/start.test.ts': 226,
  'tests/e2e/demo.test.ts': 191,
  'tests/integration/bench-smoke.test.ts': 173,
  'tests/integration/questionnaire-authoring.test.ts': 171,
  'tests/integration/login-throttle.test.ts': 125,
  'tests/e2e/questionnaire-authoring.test.ts': 122,
  'tests/integration/respondent-api.test.ts': 103,
  'tests/e2e/accessibility.test.ts': 95,
  'tests/integration/mail-crash-process.test.ts': 90,
  'tests/integration/exports.test.ts': 82,
  'tests/e2e/csp.test.ts': 81,
  'tests/integration/persons.test.ts': 75,
  'tests/integration/login-security.test.ts': 70,
  'tests/integration/file-modes.test.ts': 70,
  'tests/e2e/report.test.ts': 69,
  'tests/integration/report-replica.test.ts': 66,
  'tests/integration/duo-updates.test.ts': 65,
  'tests/integration/response-figures.test.ts': 65,
  'tests/unit/compiled-validator.test.ts': 63,
  'tests/integration/cli-import.test.ts': 60,
  'tests/e2e/rounds-admin.test.ts': 54,
  'tests/e2e/respondent.test.ts': 52,
};

/** Known slow files first (slowest first), then vitest's own order (its cache, else file size). */
export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rest = await super.sort(files);
    const root = this.ctx.config.root.replace(/\/$/, '') + '/';
    const estimate = (spec: TestSpecification) => SLOW_FILES[spec.moduleId.startsWith(root) ? spec.moduleId.slice(root.length) : spec.moduleId];
    const slow = rest.filter((spec) => estimate(spec) !== undefined).sort((a, b) => estimate(b)! - estimate(a)!);
    return [...slow, ...rest.filter((spec) => estimate(spec) === undefined)];
  }
}
