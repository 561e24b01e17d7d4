import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fitScale, softmax } from './calibration.js';
import { partsOfText } from './features.js';
import { DEFAULT_SVM_SETTINGS, decisionValues, trainOneVsRest, type LinearModel, type SvmSettings } from './linear.js';
import { canonicalOrder } from './order.js';
import { loadSegmenter } from './segmenter.js';
import { loadTaxonomyLexicon, TAXONOMY_PATH } from './taxonomy.js';
import {
  DEFAULT_VECTORIZER_SETTINGS,
  messageTerms,
  Vectorizer,
  type MessageParts,
  type TrainingExample,
  type VectorizerJson,
  type VectorizerSettings,
} from './vectorizer.js';

export type { MessageParts, TrainingExample } from './vectorizer.js';

/** A topic and how likely it is; a classification lists every label, best first, scores summing to 1. */
export type TopicScore = { label: string; score: number };

/**
 * A classification and how much the message looks like any known topic at all: `fit` is the best
 * one-vs-rest decision value. Scores sum to 1 whatever the message, so the best one says which
 * topic is nearest, not whether any is near; a message that every topic's model rejects has a low
 * fit (README: Outside the known topics).
 */
export type TopicAnswer = { scores: TopicScore[]; fit: number };

export interface TopicClassifier {
  /** Every label the model knows, sorted. */
  readonly labels: string[];
  /** A plain string is a chat message: its first sentence counts as the title. Synchronous. */
  classify(message: string | MessageParts): TopicScore[];
  /** classify's scores with the message's fit, at the same cost. */
  answer(message: string | MessageParts): TopicAnswer;
  /** The model as JSON, loadable with loadTopicClassifier or topicClassifierFromJSON. */
  toJSON(): unknown;
}

/** The shipped model, next to this module's folder in the source tree and in dist/ alike. */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../default/topics.model.json', import.meta.url));

const MODEL_FORMAT = 'tingmin-topics';
/** 1: nlp.js perceptrons; 2: TF-IDF NB-SVM with a calibrated softmax. */
const MODEL_VERSION = 2;

/**
 * Chosen by 5-fold CV on complaints-train.csv's training part (see README): character 1–2-grams and
 * jieba words, title and detail as separate spaces, the taxonomy's category names counted per
 * topic (weight 0.5), NB-SVM (α 0.1, β 1) with balanced label weights. Character 1–3-grams, a
 * joint title+detail space and plain SVMs scored lower; a third, joint space on top of the two
 * scored a little higher but cost three times the time per message (README).
 */
export const DEFAULT_TRAINING_SETTINGS: TrainingSettings = {
  vectorizer: { ...DEFAULT_VECTORIZER_SETTINGS, charNgrams: [1, 2] },
  svm: { ...DEFAULT_SVM_SETTINGS, nb: { alpha: 0.1, beta: 1 } },
  calibrationFolds: 3,
  calibrationSample: 4000,
  taxonomy: { path: TAXONOMY_PATH, weight: 0.5 },
};

export type TrainingSettings = {
  vectorizer: VectorizerSettings;
  svm: SvmSettings;
  /** Folds of the internal cross-validation that fits the softmax scale (< 2: no fitting). */
  calibrationFolds: number;
  /** The cross-validation sees at most this many examples, so that training stays fast on large data. */
  calibrationSample: number;
  /** A taxonomy CSV (level1, level2, level3) whose names become the vectorizer's lexicon, unless it has one; null: none. */
  taxonomy: { path: string; weight: number } | null;
};

type ModelJson = {
  format: typeof MODEL_FORMAT;
  version: number;
  labels: string[];
  /** softmax(scale · decision values) gives the scores. */
  scale: number;
  /** Recorded for reference; loading does not read it. */
  svm: SvmSettings;
  vectorizer: VectorizerJson;
  /** One row of weights per label, aligned with vectorizer.terms. */
  weights: number[][];
  bias: number[];
};

const round = (x: number, digits: number) => (x === 0 ? 0 : Number(x.toPrecision(digits)));

class LinearTopicClassifier implements TopicClassifier {
  private readonly vectorizer: Vectorizer;
  private readonly model: LinearModel;

  constructor(private readonly json: ModelJson) {
    this.vectorizer = Vectorizer.fromJSON(json.vectorizer);
    const dim = this.vectorizer.size;
    const weights = new Float64Array(json.labels.length * dim);
    json.weights.forEach((row, c) => weights.set(row, c * dim));
    this.model = { labels: json.labels.length, dim, weights, bias: Float64Array.from(json.bias) };
  }

  get labels(): string[] {
    return [...this.json.labels];
  }

  classify(message: string | MessageParts): TopicScore[] {
    return this.answer(message).scores;
  }

  answer(message: string | MessageParts): TopicAnswer {
    const parts = typeof message === 'string' ? partsOfText(message) : message;
    const x = this.vectorizer.transform(parts);
    const labels = this.json.labels;
    // Nothing recognised: every label is as likely as any other, and no topic fits.
    if (x.index.length === 0) return { scores: labels.map((label) => ({ label, score: 1 / labels.length })), fit: -Infinity };
    const decisions = decisionValues(this.model, x);
    const scores = softmax(decisions, this.json.scale);
    const ranked = labels.map((label, c) => ({ label, score: scores[c]! })).sort((a, b) => b.score - a.score || (a.label < b.label ? -1 : 1));
    return { scores: ranked, fit: Math.max(...decisions) };
  }

  toJSON(): ModelJson {
    return this.json;
  }
}

function isModelJson(json: unknown): json is ModelJson {
  const m = json as Partial<ModelJson> | null;
  return (
    m?.format === MODEL_FORMAT &&
    m.version === MODEL_VERSION &&
    Array.isArray(m.labels) &&
    typeof m.scale === 'number' &&
    Array.isArray(m.weights) &&
    m.weights.length === m.labels.length &&
    Array.isArray(m.bias) &&
    Array.isArray(m.vectorizer?.terms) &&
    m.weights.every((row) => Array.isArray(row) && row.length === m.vectorizer!.terms.length)
  );
}

export async function topicClassifierFromJSON(json: unknown): Promise<TopicClassifier> {
  if (!isModelJson(json)) {
    const version = (json as { version?: unknown } | null)?.version;
    const hint = typeof version === 'number' && version !== MODEL_VERSION ? ` (this one is version ${version}; retrain it: npm run nlp:train, or npm run nlp:build-default for the shipped one)` : '';
    throw new Error(`not a ${MODEL_FORMAT} model version ${MODEL_VERSION}${hint}`);
  }
  loadSegmenter(); // now rather than in the first resident's turn
  return new LinearTopicClassifier(json);
}

/** Vocabulary and weights learnt from term counts (already in canonical order). */
function fit(terms: Map<string, number>[], y: Int32Array, labels: number, settings: TrainingSettings): { vectorizer: Vectorizer; model: LinearModel } {
  const vectorizer = Vectorizer.fit(terms, settings.vectorizer);
  const xs = terms.map((t) => vectorizer.transformTerms(t));
  return { vectorizer, model: trainOneVsRest(xs, y, labels, vectorizer.size, settings.svm) };
}

/** The softmax scale that best fits decision values of messages each fold's model did not see. */
function calibrate(allTerms: Map<string, number>[], allY: Int32Array, labels: number, settings: TrainingSettings): number {
  const k = settings.calibrationFolds;
  // Canonical order is a content-hashed shuffle, so the first examples are a fair sample.
  const terms = allTerms.slice(0, settings.calibrationSample);
  const y = allY.subarray(0, settings.calibrationSample);
  if (k < 2 || terms.length < 2 * k) return fitScale([], []);
  const decisions: Float64Array[] = [];
  const truth: number[] = [];
  for (let f = 0; f < k; f += 1) {
    // Examples are in canonical (content-hashed) order, so every k-th one is a fair sample.
    const train = [...terms.keys()].filter((i) => i % k !== f);
    const held = [...terms.keys()].filter((i) => i % k === f);
    const { vectorizer, model } = fit(
      train.map((i) => terms[i]!),
      Int32Array.from(train, (i) => y[i]!),
      labels,
      settings,
    );
    for (const i of held) {
      const x = vectorizer.transformTerms(terms[i]!);
      if (x.index.length === 0) continue; // classify answers these uniformly, whatever the scale
      decisions.push(decisionValues(model, x));
      truth.push(y[i]!);
    }
  }
  return fitScale(decisions, truth);
}

/** Deterministic: the same examples, in any order, give the same model JSON. */
export async function trainTopicClassifier(examples: TrainingExample[], overrides: Partial<TrainingSettings> = {}): Promise<TopicClassifier> {
  const given: TrainingSettings = { ...DEFAULT_TRAINING_SETTINGS, ...overrides };
  // The lexicon goes into the model, so a saved model needs no taxonomy file to classify.
  const lexicon = given.vectorizer.lexicon ?? (given.taxonomy ? loadTaxonomyLexicon(given.taxonomy.weight, given.taxonomy.path) : undefined);
  const settings: TrainingSettings = { ...given, vectorizer: { ...given.vectorizer, lexicon } };
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  if (labels.length < 2) throw new Error(`training needs at least two labels, got ${labels.length}`);
  const ordered = canonicalOrder(examples);
  const terms = ordered.map((e) => messageTerms(e, settings.vectorizer));
  const y = Int32Array.from(ordered, (e) => labels.indexOf(e.label));

  const scale = calibrate(terms, y, labels.length, settings);
  const { vectorizer, model } = fit(terms, y, labels.length, settings);
  const { terms: vocabulary, idf } = vectorizer.toJSON();
  const json: ModelJson = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    labels,
    scale,
    svm: settings.svm,
    vectorizer: { settings: settings.vectorizer, terms: vocabulary, idf: idf.map((v) => round(v, 6)) },
    weights: labels.map((_, c) => [...model.weights.subarray(c * model.dim, (c + 1) * model.dim)].map((w) => round(w, 4))),
    bias: [...model.bias].map((b) => round(b, 6)),
  };
  // The trained model is the one its (rounded) JSON loads into, so a saved model answers exactly the same.
  return topicClassifierFromJSON(JSON.parse(JSON.stringify(json)));
}

/**
 * trainTopicClassifier in a worker thread: training holds the CPU for seconds to minutes, and a
 * process that also runs queue jobs must keep renewing their locks meanwhile.
 */
export async function trainTopicClassifierInThread(examples: TrainingExample[], settings: Partial<TrainingSettings> = {}): Promise<TopicClassifier> {
  const workerData = { examples, settings };
  // From the TypeScript sources (tsx, vitest) the thread registers tsx before loading its module
  // (Node 20 loads a worker's entry before its --import hooks are in place).
  const source = new URL('./train-thread.ts', import.meta.url).href;
  const thread = import.meta.url.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`, { eval: true, workerData })
    : new Worker(new URL('./train-thread.js', import.meta.url), { workerData });
  const json = await new Promise<unknown>((resolve, reject) => {
    thread.once('message', resolve);
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the training thread ended with code ${code}`)));
  });
  await thread.terminate();
  return topicClassifierFromJSON(json);
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
