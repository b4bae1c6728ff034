// Runs a candidate questionnaire's expressions on a real survey-core model, in a worker thread
// that the server ends when it takes too long (server/questionnaires/authoring.ts,
// evaluationProblem). Plain JavaScript so that it runs the same under tsx, vitest and node.
import { parentPort, workerData } from 'node:worker_threads';
import { Model } from 'survey-core';

// survey-core warns on the console about values a question does not take; nobody reads that here.
console.log = console.warn = console.error = () => {};

const { content, settings } = workerData;
const { meetronde: _meta, ...json } = content;
const model = new Model(json);
const setVariables = (variables) => {
  for (const [name, value] of Object.entries(variables)) model.setVariable(name, value);
};
setVariables(settings[0] ?? {});
// Answer every question once, with its first option (or a plain value): every condition,
// calculated value and trigger that reads it runs. Then every other situation's variables.
let steps = 0;
for (const question of model.getAllQuestions(false)) {
  const type = question.getType();
  const choices = Array.isArray(question.choices) ? question.choices : [];
  let value = 'x';
  if (type === 'checkbox' || type === 'tagbox' || type === 'ranking') value = choices.length ? [choices[0].value] : [];
  else if (type === 'matrix') value = {};
  else if (type === 'boolean') value = true;
  else if (choices.length) value = choices[0].value;
  model.setValue(question.name, value);
  steps += 1;
}
for (const variables of settings.slice(1)) {
  setVariables(variables);
  steps += 1;
}
parentPort.postMessage({ steps });
