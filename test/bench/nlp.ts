/**
 * `npm run bench:nlp` (tsx test/bench/nlp.ts [--data <csv>] [--folds 5] [--model <shipped model>]): the topic classifier
 * against a plain TF-IDF character 1–2-gram linear SVM written here, in one run, by stratified
 * k-fold cross-validation on the office data (default ../shared/data/complaints-train.csv); then
 * the shipped default model on the whole file; then the confidence threshold the dialogue should
 * use, chosen from the cross-validated scores. A script, not a test: it prints and exits.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_MODEL_PATH,
  evaluate,
  loadLabelledCsv,
  loadTopicClassifier,
  normalizeText,
  saveTopicClassifier,
  trainTopicClassifier,
  type TopicScore,
  type TrainingExample,
} from '../../nlp-models/index.js';

const DEFAULT_DATA = fileURLToPath(new URL('../../../shared/data/complaints-train.csv', import.meta.url));
const { values: args } = parseArgs({ options: { data: { type: 'string' }, folds: { type: 'string' }, model: { type: 'string' } } });
const DATA = args.data ?? DEFAULT_DATA;
const FOLDS = Number(args.folds ?? 5);
const SHIPPED = args.model ?? DEFAULT_MODEL_PATH;
const SEED = 20_240_601;

// ---------------------------------------------------------------------------------------------
// Shared helpers

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Stratified folds: each label's examples dealt round-robin after a seeded shuffle. */
function stratifiedFolds(examples: TrainingExample[], k: number): number[] {
  const fold = new Array<number>(examples.length).fill(0);
  const next = random(SEED);
  const byLabel = new Map<string, number[]>();
  examples.forEach((e, i) => byLabel.set(e.label, [...(byLabel.get(e.label) ?? []), i]));
  for (const label of [...byLabel.keys()].sort()) shuffled(byLabel.get(label)!, next).forEach((i, n) => (fold[i] = n % k));
  return fold;
}

function macroF1(gold: string[], predicted: string[]): number {
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

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

type Classify = (e: TrainingExample) => TopicScore[];
type Trained = { classify: Classify; bytes: number };
type Result = { name: string; macroF1: number; accuracy: number; trainSeconds: number; p50: number; p99: number; kib: number; predictions: { score: number; correct: boolean }[] };

async function crossValidate(name: string, examples: TrainingExample[], train: (data: TrainingExample[]) => Promise<Trained>): Promise<Result> {
  const fold = stratifiedFolds(examples, FOLDS);
  const predicted = new Array<string>(examples.length);
  const predictions = new Array<{ score: number; correct: boolean }>(examples.length);
  const latencies: number[] = [];
  let trainMs = 0;
  let bytes = 0;
  for (let f = 0; f < FOLDS; f += 1) {
    const started = performance.now();
    const model = await train(examples.filter((_, i) => fold[i] !== f));
    trainMs += performance.now() - started;
    bytes += model.bytes;
    const held = examples.map((_, i) => i).filter((i) => fold[i] === f);
    for (const i of held.slice(0, 20)) model.classify(examples[i]!); // warm-up, as in a running bot
    for (const i of held) {
      const t = performance.now();
      const [best] = model.classify(examples[i]!);
      latencies.push(performance.now() - t);
      predicted[i] = best!.label;
      predictions[i] = { score: best!.score, correct: best!.label === examples[i]!.label };
    }
    process.stderr.write(`  ${name}: fold ${f + 1}/${FOLDS} done\n`);
  }
  latencies.sort((a, b) => a - b);
  const gold = examples.map((e) => e.label);
  return {
    name,
    macroF1: macroF1(gold, predicted),
    accuracy: predictions.filter((p) => p.correct).length / examples.length,
    trainSeconds: trainMs / 1000 / FOLDS,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    kib: bytes / 1024 / FOLDS,
    predictions,
  };
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

async function trainBaseline(data: TrainingExample[]): Promise<Trained> {
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

// ---------------------------------------------------------------------------------------------
// Tingmin's classifier, through its public interface (trained, saved, sized, loaded).

const scratch = mkdtempSync(join(tmpdir(), 'tingmin-bench-nlp-'));
let models = 0;

async function trainTingmin(data: TrainingExample[]): Promise<Trained> {
  const classifier = await trainTopicClassifier(data);
  const path = join(scratch, `fold-${(models += 1)}.json`);
  await saveTopicClassifier(classifier, path);
  return { classify: (e) => classifier.classify(e), bytes: statSync(path).size };
}

// ---------------------------------------------------------------------------------------------
// The confidence threshold: below it the dialogue offers the top three topics instead of asking
// to confirm one. Chosen as the top score at which the top-1 accuracy of messages with about
// that score (a window of the WINDOW nearest scores) falls below TARGET, scanning down from the
// most confident message.

const TARGET = 0.7;
const WINDOW = 60;

function chooseThreshold(predictions: { score: number; correct: boolean }[]): number {
  const sorted = [...predictions].sort((a, b) => b.score - a.score);
  for (let i = 0; i + WINDOW <= sorted.length; i += 1) {
    const window = sorted.slice(i, i + WINDOW);
    if (window.filter((p) => p.correct).length / WINDOW < TARGET) return Math.ceil(sorted[i + WINDOW / 2]!.score * 100) / 100;
  }
  return Math.floor(sorted.at(-1)!.score * 100) / 100;
}

function reliability(predictions: { score: number; correct: boolean }[], threshold: number): string[] {
  const edges = [0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001];
  const lines = ['  top score    messages   top-1 accuracy   mean score'];
  for (let b = 0; b + 1 < edges.length; b += 1) {
    const bin = predictions.filter((p) => p.score >= edges[b]! && p.score < edges[b + 1]!);
    if (bin.length === 0) continue;
    const acc = bin.filter((p) => p.correct).length / bin.length;
    const mean = bin.reduce((s, p) => s + p.score, 0) / bin.length;
    lines.push(`  ${edges[b]!.toFixed(1)}–${Math.min(edges[b + 1]!, 1).toFixed(1)}   ${String(bin.length).padStart(8)}   ${pct(acc).padStart(14)}   ${mean.toFixed(2).padStart(10)}`);
  }
  const below = predictions.filter((p) => p.score < threshold);
  const above = predictions.filter((p) => p.score >= threshold);
  const accOf = (ps: typeof predictions) => (ps.length ? ps.filter((p) => p.correct).length / ps.length : 0);
  lines.push(
    `  at ${threshold.toFixed(2)}: ${pct(above.length / predictions.length)} of messages are confirmed in one tap (top-1 right ${pct(accOf(above))}),`,
    `  ${pct(below.length / predictions.length)} get the top three as buttons (top-1 right ${pct(accOf(below))}).`,
  );
  return lines;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

// ---------------------------------------------------------------------------------------------

async function main() {
  const { examples, warnings } = loadLabelledCsv(DATA);
  for (const w of warnings) console.error(`warning: ${w}`);
  const labels = new Set(examples.map((e) => e.label));
  console.log(`data: ${DATA}\n${examples.length} messages, ${labels.size} labels, ${FOLDS}-fold stratified cross-validation (seed ${SEED})\n`);

  const tingmin = await crossValidate('tingmin', examples, trainTingmin);
  const baseline = await crossValidate('baseline', examples, trainBaseline);

  console.log('classifier                                      macro-F1  accuracy  train s/fold  p50 ms  p99 ms  model KiB');
  for (const [label, r] of [
    ['Tingmin (TF-IDF char 1-2 + jieba, NB-SVM)', tingmin],
    ['baseline (TF-IDF char 1-2, linear SVM)', baseline],
  ] as const) {
    console.log(
      `${label.padEnd(46)}  ${r.macroF1.toFixed(4).padStart(8)}  ${r.accuracy.toFixed(4).padStart(8)}  ${r.trainSeconds.toFixed(2).padStart(12)}  ${r.p50.toFixed(3).padStart(6)}  ${r.p99.toFixed(3).padStart(6)}  ${r.kib.toFixed(0).padStart(9)}`,
    );
  }
  const gain = tingmin.macroF1 - baseline.macroF1;
  console.log(`Tingmin − baseline: ${gain >= 0 ? '+' : ''}${gain.toFixed(4)} macro-F1 (${gain > 0 ? 'above' : 'NOT above'} the baseline)\n`);

  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const shipped = await loadTopicClassifier(SHIPPED).catch((err: Error) => err);
  const loadMs = performance.now() - started;
  if (shipped instanceof Error) {
    console.log(`shipped default model: cannot load it (${shipped.message})\n`);
  } else {
    const result = evaluate(shipped, examples);
    const latencies = examples.map((e) => {
      const t = performance.now();
      shipped.classify(e);
      return performance.now() - t;
    });
    latencies.sort((a, b) => a - b);
    console.log(`shipped default model ${SHIPPED}`);
    console.log(
      `  on all ${result.n} messages: macro-F1 ${result.macroF1.toFixed(4)}, accuracy ${result.accuracy.toFixed(4)}; load ${loadMs.toFixed(0)} ms; ` +
        `${(statSync(SHIPPED).size / 1024).toFixed(0)} KiB; classify p50 ${quantile(latencies, 0.5).toFixed(3)} ms, p99 ${quantile(latencies, 0.99).toFixed(3)} ms; ` +
        `bench process RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(0)} MiB more after loading)`,
    );
    for (const [label, m] of Object.entries(result.perLabel)) console.log(`  ${pct(m.precision).padStart(6)} ${pct(m.recall).padStart(6)} ${pct(m.f1).padStart(6)}  ${label}`);
  }

  const threshold = chooseThreshold(tingmin.predictions);
  console.log(`\nconfidence of Tingmin's top topic in cross-validation (calibrated softmax):`);
  for (const line of reliability(tingmin.predictions, threshold)) console.log(line);
  console.log(`TOPIC_CONFIDENCE_THRESHOLD=${threshold.toFixed(2)}  (top score where the accuracy of the ${WINDOW} nearest-scored messages falls below ${pct(TARGET)})`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(scratch, { recursive: true, force: true }));
