/**
 * The only module that touches nlp.js. nlp.js stays the NLU framework (container, pipelines,
 * languages, intents); the topic classifier is registered in its container as a named component,
 * so that the dialogue reaches everything through one NLU. The topic decision is the classifier's:
 * nlp.js's own one-perceptron-per-intent network was the ceiling on topics (README).
 */
import { createRequire } from 'node:module';
import type { TopicClassifier } from './classifier.js';
import type { MessageParts } from './vectorizer.js';

// @nlpjs/basic builds its own pino 7 logger when it loads, with the prettyPrint option that pino
// deprecated, so every CLI run and process start printed PINODEP008. Tingmin never uses that
// logger: that one warning is dropped while the bundle loads, every other warning still shows.
const { containerBootstrap, Nlp } = withoutWarning('PINODEP008', () => createRequire(import.meta.url)('@nlpjs/basic') as typeof import('@nlpjs/basic'));

function withoutWarning<T>(code: string, load: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0];
    const given = typeof options === 'object' && options !== null ? (options as { code?: string }).code : rest[1];
    if (given !== code) (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return load();
  } finally {
    process.emitWarning = emit;
  }
}

/** The component's name in the container. */
export const TOPIC_COMPONENT = 'tingmin-topics';

export type NluClassification = { intent: string; score: number };
/** What nlp.js NLUs answer: the best intent, its score, and every classification best first. */
export type NluAnswer = { intent: string; score: number; classifications: NluClassification[] };

/** The part of nlp.js's container (untyped JavaScript) this project uses. */
export interface NlpContainer {
  get(name: string, settings?: unknown): unknown;
  use(item: unknown, name?: string, isSingleton?: boolean): string;
}

/** The topic classifier shaped as an nlp.js component: `process` like an NLU, `run` as a pipeline step. */
export class TopicNluComponent {
  readonly name = TOPIC_COMPONENT;
  readonly settings = { tag: TOPIC_COMPONENT };

  /** Replaced whole when a retrained model is activated: a turn classifies with one model or the other, never a mix. */
  constructor(public classifier: TopicClassifier) {}

  /** Synchronous, unlike nlp.js's own NLUs (awaiting it works all the same). */
  process(utterance: string | MessageParts): NluAnswer {
    const classifications = this.classifier.classify(utterance).map((s) => ({ intent: s.label, score: s.score }));
    return { intent: classifications[0]!.intent, score: classifications[0]!.score, classifications };
  }

  /** Pipeline step: reads `input.utterance` (or `input.text`), adds the topic classification. */
  run<T extends { utterance?: string; text?: string }>(input: T): T & { topics: NluAnswer } {
    return { ...input, topics: this.process(input.utterance ?? input.text ?? '') };
  }
}

/**
 * An nlp.js container (bootstrapped as DESIGN §5 says: no model.nlp written, no log per epoch) with
 * nlp.js's Nlp and the topic classifier registered as `TOPIC_COMPONENT`.
 */
export async function createNlpContainer(classifier: TopicClassifier): Promise<NlpContainer> {
  const container = (await containerBootstrap({
    settings: { nlp: { autoSave: false, autoLoad: false, nlu: { log: false } } },
  })) as NlpContainer;
  container.use(Nlp);
  container.use(new TopicNluComponent(classifier), TOPIC_COMPONENT);
  return container;
}

/** The topic component of a container made by createNlpContainer. */
export function topicComponent(container: NlpContainer): TopicNluComponent {
  const component = container.get(TOPIC_COMPONENT);
  if (!(component instanceof TopicNluComponent)) throw new Error(`no ${TOPIC_COMPONENT} component in this nlp.js container`);
  return component;
}
