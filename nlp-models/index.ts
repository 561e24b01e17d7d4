/** Tingmin's language tools: one NLU (topics and intents) and the entities the dialogue reads. */
export { INTENT_COMPONENT, IntentComponent, loadNlu, type Nlu } from './nlu.js';
export { INTENTS, PHRASES, SERVICE_QUESTIONS, type Intent, type ServiceQuestion } from './intents/phrases.js';
export { MAX_COMMAND_LENGTH, commandForm, recognizeIntent, recognizeServiceQuestion, type IntentMatch } from './intents/recognizer.js';
export { isGibberish } from './intents/gibberish.js';
export {
  DEFAULT_MODEL_PATH,
  loadTopicClassifier,
  saveTopicClassifier,
  topicClassifierFromJSON,
  trainTopicClassifier,
  trainTopicClassifierInThread,
  type MessageParts,
  type TopicClassifier,
  type TopicAnswer,
  type TopicScore,
  type TrainingExample,
  type TrainingSettings,
} from './topics/classifier.js';
export { partsOfText } from './topics/features.js';
export {
  createNlpContainer,
  TOPIC_COMPONENT,
  TopicNluComponent,
  topicComponent,
  type NlpContainer,
  type NluAnswer,
} from './topics/nlu.js';
export { evaluate, evaluationTable, type Evaluation, type LabelMetrics } from './topics/metrics.js';
export { CORPUS_PATH, CORPUS_SETTINGS } from './topics/corpus.js';
export { DataFileError, loadLabelledCsv, type LabelledCsv } from './data/labelled-csv.js';
export { normalizeText } from './text/normalize.js';
export { localDate, localDateTime } from './text/local-time.js';
export { findMobilePhone, parseMobilePhone } from './entities/phone.js';
export { findQinghaiLandline, parseQinghaiLandline } from './entities/landline.js';
export { findDate, type FoundDate } from './entities/dates.js';
export {
  DEFAULT_CASE_PREFIX,
  findCaseNumber,
  looksLikeCaseNumberAttempt,
  readCaseNumber,
  type CaseNumberReading,
} from './entities/case-number.js';
export { RegionMatcher, addressAfter, type RegionDef } from './entities/region.js';
export { detectUrgency, mentionsOutage, type Urgency, type UrgencyOptions } from './entities/urgency.js';
export { URGENCY_RULES, type UrgencyRule } from './entities/urgency-keywords.js';
export { looksLikeQuestion, MAX_QUESTION_CHARS } from './intents/question.js';
export { FaqMatcher, questionPhrasings, type FaqMatch, type FaqQuestions } from './intents/faq-matcher.js';
export { CsvSyntaxError, parseCsv } from './data/csv.js';
