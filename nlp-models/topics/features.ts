import { normalizeText } from '../text/normalize.js';
import { segment } from './segmenter.js';

/** A message as the classifier sees it: a title (weighs more) and a detail, either possibly absent. */
export type MessageParts = { title?: string; detail?: string };

/** A labelled message: title and detail are kept apart because the title weighs more. */
export type TrainingExample = MessageParts & { label: string };

/** Feature name → value: the input nlp.js's neural network trains and runs on. */
export type FeatureBag = Record<string, number>;

/** How text becomes features; stored in the model so a model keeps working when the defaults change. */
export type FeatureSettings = {
  /** Value of a title feature; detail features count 1. Titles are short and to the point. */
  titleWeight: number;
  /** Detail beyond this many characters is ignored, so a long story does not drown the title. */
  maxDetailChars: number;
  /** Title beyond this many characters is ignored: segmentation cost grows with length, signal does not. */
  maxTitleChars: number;
};

export const DEFAULT_FEATURE_SETTINGS: FeatureSettings = { titleWeight: 3, maxDetailChars: 150, maxTitleChars: 100 };

// A first sentence short enough to be a summary: 4-60 characters up to its closing punctuation.
const FIRST_SENTENCE = /^(.{4,60}?[。！？!?；;\n])(.*)$/s;

/**
 * A chat message has no title; its first sentence plays that part, since residents tend to state
 * the problem first (5-fold CV on complaints-train, title and detail joined: macro-F1 0.75 → 0.78).
 */
export function partsOfText(text: string): MessageParts {
  const sentence = FIRST_SENTENCE.exec(text);
  return sentence ? { title: sentence[1]!, detail: sentence[2]! } : { detail: text };
}

const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
const WORD = /^[\p{Script=Han}\p{L}]/u;

/** jieba words (prefixed `w:`) and character bigrams of Han runs (prefixed `b:`), each counted once. */
function textFeatures(text: string): Set<string> {
  const clean = normalizeText(text).toLowerCase();
  const features = new Set<string>();
  for (const word of segment(clean)) {
    // Digits, punctuation and single Latin letters carry no topic.
    if (WORD.test(word) && (word.length > 1 || HAN.test(word))) features.add(`w:${word}`);
  }
  for (const [run] of clean.matchAll(HAN_RUN)) {
    for (let i = 0; i + 1 < run.length; i += 1) features.add(`b:${run.slice(i, i + 2)}`);
  }
  return features;
}

export function messageFeatures(message: MessageParts, settings: FeatureSettings): FeatureBag {
  const bag: FeatureBag = {};
  for (const f of textFeatures((message.detail ?? '').slice(0, settings.maxDetailChars))) bag[f] = 1;
  for (const f of textFeatures((message.title ?? '').slice(0, settings.maxTitleChars))) bag[f] = settings.titleWeight;
  return bag;
}

/** Drops features found in fewer than `minCount` bags: they fit one example, not a topic, and bloat the model. */
export function dropRareFeatures(bags: FeatureBag[], minCount: number): FeatureBag[] {
  const counts = new Map<string, number>();
  for (const bag of bags) for (const f of Object.keys(bag)) counts.set(f, (counts.get(f) ?? 0) + 1);
  return bags.map((bag) => Object.fromEntries(Object.entries(bag).filter(([f]) => counts.get(f)! >= minCount)));
}
