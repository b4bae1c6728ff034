/**
 * The questionnaires area's public API. Other areas import from here only; the names are
 * documented in questionnaires/README.md and kept stable.
 */
export {
  actorTexts,
  actorTextsOf,
  buildSurvey,
  type ActorGroup,
  isQuestionnaireContent,
  QuestionnaireFormatError,
  readMeta,
  titleOf,
  type QuestionnaireContent,
  type QuestionnaireMeta,
} from './content';
export { lintQuestionnaire, lintVersions, spssNameProblem, OTHER_TEXT_SUFFIX, type LintIssue, type VersionedContent } from './lint';
export {
  canonicalJson,
  contentSha256,
  getQuestionnaire,
  getVersion,
  listQuestionnaires,
  loadQuestionnaireFile,
  loadQuestionnaireFiles,
  QuestionnaireLintError,
  questionnairesDir,
  snapshotVersion,
  type QuestionnaireFile,
  type QuestionnaireVersion,
} from './registry';
export {
  DEFAULT_MAX_TEXT_LENGTH,
  textLimits,
  textProblem,
  validateAndRoute,
  validateResponse,
  visibleQuestionNames,
  type ResponseData,
  type ValidationError,
  type ValidationMode,
  type ValidationResult,
} from './validate';
export { compileValidator, type CompiledValidator } from './compiled-validator';
export {
  GENERIC_PARTNER,
  partnerFor,
  SITUATIONS,
  themeFor,
  VARIABLE_NAMES,
  variablesFor,
  type QuestionnaireVariables,
  type VariableName,
  type VariablesInput,
} from './variables';
