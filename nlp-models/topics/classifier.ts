import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_FEATURE_SETTINGS,
  dropRareFeatures,
  messageFeatures,
  partsOfText,
  type FeatureSettings,
  type MessageParts,
  type TrainingExample,
} from './features.js';
import { TopicNlu, type NluJson } from './nlu.js';
import { canonicalOrder } from './order.js';
import { loadSegmenter } from './segmenter.js';

export type { MessageParts, TrainingExample } from './features.js';

/** A topic and how likely it is; a classification lists every label, best first, scores summing to 1. */
export type TopicScore = { label: string; score: number };

export interface TopicClassifier {
  /** Every label the model knows, sorted. */
  readonly labels: string[];
  /** A plain string is a chat message: its first sentence counts as the title. Synchronous. */
  classify(message: string | MessageParts): TopicScore[];
  /** The model as JSON, loadable with loadTopicClassifier or topicClassifierFromJSON. */
  toJSON(): unknown;
}


/** The shipped model, next to this module's folder in the source tree and in dist/ alike. */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../default/topics.model.json', import.meta.url));

const MODEL_FORMAT = 'tingmin-topics';
const MODEL_VERSION = 1;
// DESIGN §5 measured 0.01 against the stock 0.6; 0.005 scored the same in 5-fold CV here.
const LEARNING_RATE = 0.01;
// Features of a single example: measured as no loss of macro-F1 and a model a third the size.
const MIN_FEATURE_COUNT = 2;

type ModelJson = { format: typeof MODEL_FORMAT; version: number; labels: string[]; features: FeatureSettings; nlu: NluJson };

class NluTopicClassifier implements TopicClassifier {
  constructor(
    private readonly model: ModelJson,
    private readonly nlu: TopicNlu,
  ) {}

  get labels(): string[] {
    return [...this.model.labels];
  }

  classify(message: string | MessageParts): TopicScore[] {
    const parts = typeof message === 'string' ? partsOfText(message) : message;
    const scores = new Map(this.nlu.classify(messageFeatures(parts, this.model.features)).map((c) => [c.intent, c.score]));
    const ranked = this.model.labels.map((label) => ({ label, score: scores.get(label) ?? 0 }));
    const total = ranked.reduce((sum, s) => sum + s.score, 0);
    // Nothing recognised: every label is as likely as any other.
    for (const s of ranked) s.score = total > 0 ? s.score / total : 1 / ranked.length;
    return ranked.sort((a, b) => b.score - a.score || (a.label < b.label ? -1 : 1));
  }

  toJSON(): ModelJson {
    return this.model;
  }
}

export async function topicClassifierFromJSON(json: unknown): Promise<TopicClassifier> {
  const model = json as Partial<ModelJson> | null;
  if (model?.format !== MODEL_FORMAT || model.version !== MODEL_VERSION || !model.nlu || !model.labels || !model.features) {
    throw new Error(`not a ${MODEL_FORMAT} model version ${MODEL_VERSION}`);
  }
  loadSegmenter(); // now rather than in the first resident's turn
  return new NluTopicClassifier(model as ModelJson, await TopicNlu.fromJSON(model.nlu));
}

/** Deterministic: the same examples, in any order, give the same model JSON. */
export async function trainTopicClassifier(examples: TrainingExample[]): Promise<TopicClassifier> {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  if (labels.length < 2) throw new Error(`training needs at least two labels, got ${labels.length}`);
  const features = { ...DEFAULT_FEATURE_SETTINGS };
  const ordered = canonicalOrder(examples);
  const bags = dropRareFeatures(ordered.map((e) => messageFeatures(e, features)), MIN_FEATURE_COUNT);
  const items = ordered.map((e, i) => ({ features: bags[i]!, label: e.label }));
  const nlu = await TopicNlu.train(items, { learningRate: LEARNING_RATE });
  return new NluTopicClassifier({ format: MODEL_FORMAT, version: MODEL_VERSION, labels, features, nlu: nlu.toJSON() }, nlu);
}

export async function loadTopicClassifier(path: string = DEFAULT_MODEL_PATH): Promise<TopicClassifier> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? `no topic model at ${path} (npm run nlp:build-default builds the shipped one)` : `cannot read the topic model ${path}: ${(err as Error).message}`);
  }
  try {
    return await topicClassifierFromJSON(JSON.parse(text));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

/** Writes the model as one line of JSON (the same bytes for the same model). */
export async function saveTopicClassifier(classifier: TopicClassifier, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(classifier.toJSON())}\n`);
}
