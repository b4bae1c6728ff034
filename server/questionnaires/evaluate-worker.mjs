// Runs a candidate questionnaire's expressions on a real survey-core model, in a worker thread
// that the server ends when it takes too long (server/questionnaires/authoring.ts,
// evaluationProblem). Plain JavaScript so that it runs the same under tsx, vitest and node.
import { parentPort, workerData } from 'node:worker_threads';
import { Model } from 'survey-core';

const { content, settings } = workerData;
const { meetronde: _meta, ...json } = content;
let steps = 0;
for (const variables of settings) {
  const model = new Model(json);
  for (const [name, value] of Object.entries(variables)) model.setVariable(name, value);
  // Answer every question once, with its first option (or a plain value), then clear it again:
  // every condition, calculated value and trigger that reads it runs.
  for (const question of model.getAllQuestions(false)) {
    const choices = Array.isArray(question.visibleChoices) ? question.visibleChoices : [];
    let value = 'x';
    if (question.getType() === 'checkbox' || question.getType() === 'tagbox') value = choices.length ? [choices[0].value] : [];
    else if (choices.length) value = choices[0].value;
    else if (question.getType() === 'boolean') value = true;
    else if (question.getType() === 'matrix') value = {};
    model.setValue(question.name, value);
    steps += 1;
  }
  for (const question of model.getAllQuestions(false)) model.clearValue(question.name);
}
parentPort.postMessage({ steps });
