/**
 * What `npm run bench:nlp` measures with: a seeded stratified held-out split and k-fold assignment,
 * macro-F1, and the baseline it must beat, a plain TF-IDF character 1–2-gram linear SVM written here.
 */
import { normalizeText, type TopicScore, type TrainingExample } from '../../nlp-models/index.js';

export const SEED = 20_240_601;

// ---------------------------------------------------------------------------------------------
// Shared helpers

export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Stratified folds: each label's examples dealt round-robin after a seeded shuffle. */
export function stratifiedFolds(examples: TrainingExample[], k: number, seed = SEED): number[] {
  const fold = new Array<number>(examples.length).fill(0);
  const next = random(seed);
  const byLabel = new Map<string, number[]>();
  examples.forEach((e, i) => byLabel.set(e.label, [...(byLabel.get(e.label) ?? []), i]));
  for (const label of [...byLabel.keys()].sort()) shuffled(byLabel.get(label)!, next).forEach((i, n) => (fold[i] = n % k));
  return fold;
}

export function macroF1(gold: string[], predicted: string[]): number {
  const labels = [...new Set(gold)];
  let sum = 0;
  for (const label of labels) {
    let tp = 0;
    let p = 0;
    let a = 0;
    gold.forEach((g, i) => {
      if (predicted[i] === label) p += 1;
      if (g === label) a += 1;
      if (g === label && predicted[i] === label) tp += 1;
    });
    const precision = p ? tp / p : 0;
    const recall = a ? tp / a : 0;
    sum += precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  }
  return sum / labels.length;
}

export const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export type Classify = (e: TrainingExample) => TopicScore[];
export type Trained = { classify: Classify; bytes: number };

/**
 * The held-out split: a stratified `share` of the messages (each label's examples shuffled with the
 * seed, the first ⌈share · n⌉ of them held out). `true` marks a held-out message.
 */
export function heldOutSplit(examples: TrainingExample[], share: number, seed = SEED): boolean[] {
  const held = new Array<boolean>(examples.length).fill(false);
  const next = random(seed);
  const byLabel = new Map<string, number[]>();
  examples.forEach((e, i) => byLabel.set(e.label, [...(byLabel.get(e.label) ?? []), i]));
  for (const label of [...byLabel.keys()].sort()) {
    const indices = shuffled(byLabel.get(label)!, next);
    for (const i of indices.slice(0, Math.ceil(share * indices.length))) held[i] = true;
  }
  return held;
}

// ---------------------------------------------------------------------------------------------
// The baseline: TF-IDF over character 1–2-grams of title + detail, one-vs-rest linear SVM
// (squared hinge, C = 1, bias), solved by dual coordinate descent: what scikit-learn's
// TfidfVectorizer(analyzer='char', ngram_range=(1, 2)) + LinearSVC() would do. Scores are a
// softmax of the decision values, only so that it answers in the same shape.

function baselineGrams(e: TrainingExample): Map<string, number> {
  const text = normalizeText(`${e.title ?? ''} ${e.detail ?? ''}`).toLowerCase();
  const chars = [...text];
  const counts = new Map<string, number>();
  for (let i = 0; i < chars.length; i += 1) {
    counts.set(chars[i]!, (counts.get(chars[i]!) ?? 0) + 1);
    if (i + 1 < chars.length) {
      const bigram = chars[i]! + chars[i + 1]!;
      counts.set(bigram, (counts.get(bigram) ?? 0) + 1);
    }
  }
  return counts;
}

export async function trainBaseline(data: TrainingExample[]): Promise<Trained> {
  const labels = [...new Set(data.map((e) => e.label))].sort();
  const grams = data.map(baselineGrams);
  const df = new Map<string, number>();
  for (const g of grams) for (const t of g.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const vocabulary = new Map([...df.keys()].sort().map((t, j) => [t, j]));
  const idf = Float64Array.from([...vocabulary.keys()], (t) => Math.log((1 + data.length) / (1 + df.get(t)!)) + 1);
  const vectorize = (g: Map<string, number>) => {
    const entries: [number, number][] = [];
    for (const [t, c] of g) {
      const j = vocabulary.get(t);
      if (j !== undefined) entries.push([j, c * idf[j]!]);
    }
    const norm = Math.sqrt(entries.reduce((s, [, v]) => s + v * v, 0)) || 1;
    return entries.map(([j, v]) => [j, v / norm] as [number, number]);
  };
  const xs = grams.map(vectorize);
  const dim = vocabulary.size;
  const C = 1;
  const next = random(SEED);
  const weights = labels.map(() => new Float64Array(dim + 1)); // last: bias
  labels.forEach((label, c) => {
    const w = weights[c]!;
    const alpha = new Float64Array(xs.length);
    const diag = 1 / (2 * C);
    const qd = xs.map((x) => x.reduce((s, [, v]) => s + v * v, 1) + diag);
    const y = data.map((e) => (e.label === label ? 1 : -1));
    for (let iteration = 0; iteration < 1000; iteration += 1) {
      let maxPg = -Infinity;
      let minPg = Infinity;
      for (const i of shuffled(
        xs.map((_, n) => n),
        next,
      )) {
        let wx = w[dim]!;
        for (const [j, v] of xs[i]!) wx += w[j]! * v;
        const g = y[i]! * wx - 1 + diag * alpha[i]!;
        const pg = alpha[i] === 0 ? Math.min(g, 0) : g;
        maxPg = Math.max(maxPg, pg);
        minPg = Math.min(minPg, pg);
        if (Math.abs(pg) > 1e-12) {
          const old = alpha[i]!;
          alpha[i] = Math.max(old - g / qd[i]!, 0);
          const d = (alpha[i]! - old) * y[i]!;
          for (const [j, v] of xs[i]!) w[j]! += d * v;
          w[dim]! += d;
        }
      }
      if (maxPg - minPg <= 0.1) break; // liblinear's default tolerance
    }
  });
  const classify: Classify = (e) => {
    const x = vectorize(baselineGrams(e));
    const decisions = weights.map((w) => x.reduce((s, [j, v]) => s + w[j]! * v, w[dim]!));
    const max = Math.max(...decisions);
    const exps = decisions.map((d) => Math.exp(5 * (d - max)));
    const total = exps.reduce((a, b) => a + b, 0);
    return labels.map((label, c) => ({ label, score: exps[c]! / total })).sort((a, b) => b.score - a.score);
  };
  // Size as the same kind of JSON the project stores: vocabulary, IDF, weights to 4 digits.
  const json = JSON.stringify({ terms: [...vocabulary.keys()], idf: [...idf].map((v) => Number(v.toPrecision(6))), weights: weights.map((w) => [...w].map((v) => Number(v.toPrecision(4)))) });
  return { classify, bytes: Buffer.byteLength(json) };
}

