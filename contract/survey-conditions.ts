import type { SurveyModel } from 'survey-core';

/**
 * survey-core 3.0.0 reruns, after an answer changes, only the conditions that read the changed
 * answer, and decides that from the new value alone: for a condition that reads a part of an
 * answer (`{matrix.row}`, `{panel.field}`) it compares the part before and after, but when the
 * answer was cleared (new value undefined or null) it skips the condition (ValueGetter.
 * isAnyKeyChanged `continue`s on an empty key value). A question shown by
 * `{hb_zichtbaar.professionals} anyof ['zeer_goed']` then stays shown after the school clears
 * the matrix, or after the matrix is hidden and its answer cleared with it
 * (`clearInvisibleValues: 'onHidden'`), while the server's routing, which evaluates the stored
 * answers afresh, hides it: the page asks (and may require) a question that no longer applies.
 *
 * The page (client/shared/survey/model.ts) and the server's model (buildSurvey) both call this:
 * after any answer is cleared, every condition runs again, as it does when `data` is assigned.
 * A clear made while survey-core is running conditions (an answer cleared because its question
 * was hidden) is caught up after that run, at the next value change outside a run (the change
 * that hid the question). tests/unit/survey-conditions.test.ts shows the fault on a bare model.
 */
export function runConditionsOnClearedAnswers(survey: SurveyModel): void {
  let cleared = false;
  // survey-core's own flag (private in its typings): a rerun asked for inside a run is a no-op.
  const running = () => (survey as unknown as { isRunningConditions?: boolean }).isRunningConditions === true;
  const catchUp = () => {
    if (!cleared || running()) return;
    // A run outside a value change reruns every condition (and reruns again while answers get
    // cleared by it), so whatever was cleared meanwhile is covered too.
    survey.runExpressions();
    cleared = false;
  };
  survey.onValueChanged.add((_, options) => {
    if (isEmpty(options.value)) cleared = true;
    catchUp();
  });
  survey.onVariableChanged.add(catchUp);
}

/** A cleared answer (survey-core passes undefined; the other empty values cost only a rerun). */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}
