/**
 * `npm run bench:nlp` (tsx test/bench/nlp.ts [--data <csv>] [--held-out 0.2] [--folds 5] [--model <shipped model>]):
 *
 * 1. a stratified held-out split of the office data (default ../shared/data/complaints-train.csv):
 *    20% of each label's messages, chosen with a fixed seed, that no training below ever sees;
 * 2. Tingmin's classifier and a plain TF-IDF character 1–2-gram linear SVM written here (the
 *    baseline), both trained on the other 80% in this run, scored on the held-out part, with the margin;
 * 3. the shipped default model (trained on the project's own corpus only) on the same held-out part,
 *    aggregate figures only;
 * 4. the confidence threshold the dialogue should use (TOPIC_CONFIDENCE_THRESHOLD), from scores on
 *    the training part only (never the held-out part): for the shipped model, which bots run by
 *    default and which never trained on this data, its own scores there; for a classifier trained
 *    on this data, its scores in k-fold cross-validation on it.
 *
 * A script, not a test: it prints and exits.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_MODEL_PATH,
  evaluate,
  loadLabelledCsv,
  loadTopicClassifier,
  saveTopicClassifier,
  trainTopicClassifier,
  type TrainingExample,
} from '../../nlp-models/index.js';
import { heldOutSplit, macroF1, quantile, SEED, stratifiedFolds, trainBaseline, type Trained } from './nlp-support.js';

const DEFAULT_DATA = fileURLToPath(new URL('../../../shared/data/complaints-train.csv', import.meta.url));
const { values: args } = parseArgs({ options: { data: { type: 'string' }, 'held-out': { type: 'string' }, folds: { type: 'string' }, model: { type: 'string' } } });
const DATA = args.data ?? DEFAULT_DATA;
const HELD_OUT = Number(args['held-out'] ?? 0.2);
const FOLDS = Number(args.folds ?? 5);
const SHIPPED = args.model ?? DEFAULT_MODEL_PATH;

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

type Scored = {
  macroF1: number;
  accuracy: number;
  p50: number;
  p99: number;
  /** p99 of each message's first timed run: what a resident waits for on this machine, neighbours' load included. */
  p99Once: number;
  /** p99 of the process's CPU time in that run: the classifier's own cost, without the wait for a core (GC threads included). */
  p99Cpu: number;
  predicted: string[];
  predictions: { score: number; correct: boolean }[];
};

/**
 * Top-1 answers on `test`, with per-message latencies after a warm-up (as in a running bot). On a
 * shared machine a message can wait for a core; a message's latency is the best of REPEATS runs,
 * so that the figures are the classifier's cost rather than the neighbours' load. The first run's
 * wall time (load included) and CPU time (no wait for a core) are reported as well.
 */
const REPEATS = 3;

function score(model: Trained, test: TrainingExample[]): Scored {
  for (const e of test.slice(0, 20)) model.classify(e);
  const latencies: number[] = [];
  const once: number[] = [];
  const cpu: number[] = [];
  const predictions = test.map((e) => {
    let best = Infinity;
    let answer = model.classify(e)[0]!;
    for (let r = 0; r < REPEATS; r += 1) {
      const used = process.cpuUsage();
      const t = performance.now();
      answer = model.classify(e)[0]!;
      const ms = performance.now() - t;
      if (r === 0) {
        const { user, system } = process.cpuUsage(used);
        once.push(ms);
        cpu.push((user + system) / 1000);
      }
      best = Math.min(best, ms);
    }
    latencies.push(best);
    return { label: answer.label, score: answer.score, correct: answer.label === e.label };
  });
  latencies.sort((x, y) => x - y);
  once.sort((x, y) => x - y);
  cpu.sort((x, y) => x - y);
  const predicted = predictions.map((p) => p.label);
  return {
    macroF1: macroF1(
      test.map((e) => e.label),
      predicted,
    ),
    accuracy: predictions.filter((p) => p.correct).length / test.length,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    p99Once: quantile(once, 0.99),
    p99Cpu: quantile(cpu, 0.99),
    predicted,
    predictions,
  };
}

/** Tingmin's top scores in k-fold cross-validation on the training part (for the threshold). */
async function crossValidatedScores(train: TrainingExample[]): Promise<{ score: number; correct: boolean }[]> {
  const fold = stratifiedFolds(train, FOLDS);
  const out: { score: number; correct: boolean }[] = [];
  for (let f = 0; f < FOLDS; f += 1) {
    const model = await trainTingmin(train.filter((_, i) => fold[i] !== f));
    out.push(...score(model, train.filter((_, i) => fold[i] === f)).predictions);
    process.stderr.write(`  threshold cross-validation: fold ${f + 1}/${FOLDS} done\n`);
  }
  return out;
}

/** Per-label precision/recall/F1 and the confusion matrix (rows: true label, columns: answer). */
function perLabelReport(test: TrainingExample[], predicted: string[]): string[] {
  const labels = [...new Set(test.map((e) => e.label))].sort();
  const answered = [...new Set(predicted)].filter((l) => !labels.includes(l)).sort();
  const columns = [...labels, ...answered];
  const lines = ['  precision  recall      F1  messages  label'];
  for (const label of labels) {
    const tp = test.filter((e, i) => e.label === label && predicted[i] === label).length;
    const p = predicted.filter((l) => l === label).length;
    const a = test.filter((e) => e.label === label).length;
    const precision = p ? tp / p : 0;
    const recall = a ? tp / a : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    lines.push(`  ${pct(precision).padStart(9)} ${pct(recall).padStart(7)} ${f1.toFixed(3).padStart(7)} ${String(a).padStart(9)}  ${label}`);
  }
  lines.push(`  confusion matrix (rows: true topic; columns: answer, in the order ${columns.map((l, c) => `${c + 1}=${l}`).join(' ')})`);
  lines.push(`  ${''.padEnd(8)}${columns.map((_, c) => String(c + 1).padStart(4)).join('')}`);
  labels.forEach((label, r) => {
    const row = columns.map((column) => test.filter((e, i) => e.label === label && predicted[i] === column).length);
    lines.push(`  ${String(r + 1).padEnd(8)}${row.map((n) => String(n).padStart(4)).join('')}`);
  });
  return lines;
}

async function main() {
  const { examples, warnings } = loadLabelledCsv(DATA);
  for (const w of warnings) console.error(`warning: ${w}`);
  const held = heldOutSplit(examples, HELD_OUT);
  const train = examples.filter((_, i) => !held[i]);
  const test = examples.filter((_, i) => held[i]);
  const labels = new Set(examples.map((e) => e.label));
  console.log(`data: ${DATA}\n${examples.length} messages, ${labels.size} labels`);
  console.log(
    `held-out split: ${test.length} messages (${pct(HELD_OUT)} of each label, rounded up; seed ${SEED}) never used for training or choices; ` +
      `${train.length} messages train both classifiers\n`,
  );

  const results: [string, Scored, number, number][] = [];
  for (const [name, fit] of [
    ['Tingmin (char 1-2 + jieba + taxonomy, NB-SVM)', trainTingmin],
    ['baseline (TF-IDF char 1-2, linear SVM)', trainBaseline],
  ] as const) {
    const started = performance.now();
    const model = await fit(train);
    const seconds = (performance.now() - started) / 1000;
    results.push([name, score(model, test), seconds, model.bytes / 1024]);
  }
  console.log(`on the held-out split (p50, p99: best of ${REPEATS} runs per message; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
  console.log('classifier                                      macro-F1  accuracy  train s  p50 ms  p99 ms  p99 ms, 1 run  p99 CPU ms  model KiB');
  for (const [name, r, seconds, kib] of results) {
    console.log(
      `${name.padEnd(46)}  ${r.macroF1.toFixed(4).padStart(8)}  ${r.accuracy.toFixed(4).padStart(8)}  ${seconds.toFixed(2).padStart(7)}  ${r.p50.toFixed(3).padStart(6)}  ${r.p99.toFixed(3).padStart(6)}  ${r.p99Once.toFixed(3).padStart(13)}  ${r.p99Cpu.toFixed(3).padStart(10)}  ${kib.toFixed(0).padStart(9)}`,
    );
  }
  const [tingmin, baseline] = [results[0]![1], results[1]![1]];
  const gain = tingmin.macroF1 - baseline.macroF1;
  console.log(`Tingmin − baseline: ${gain >= 0 ? '+' : ''}${gain.toFixed(4)} macro-F1 (${gain >= 0.02 ? 'at least' : 'LESS than'} the +0.02 the issue asks for; aim 0.90)`);
  console.log(`\nTingmin per topic on the held-out split:`);
  for (const line of perLabelReport(test, tingmin.predicted)) console.log(line);

  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const shipped = await loadTopicClassifier(SHIPPED).catch((err: Error) => err);
  const loadMs = performance.now() - started;
  if (shipped instanceof Error) {
    console.log(`\nshipped default model: cannot load it (${shipped.message})`);
  } else {
    const result = evaluate(shipped, test);
    const r = score({ classify: (e) => shipped.classify(e), bytes: 0 }, test);
    console.log(`\nshipped default model ${SHIPPED} (trained on the project's corpus only; ${shipped.labels.length} topics)`);
    console.log(
      `  on the ${result.n} held-out messages: macro-F1 ${result.macroF1.toFixed(4)}, accuracy ${result.accuracy.toFixed(4)}; load ${loadMs.toFixed(0)} ms; ` +
        `${(statSync(SHIPPED).size / 1024).toFixed(0)} KiB; classify p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms (best of ${REPEATS}), ${r.p99Once.toFixed(3)} ms (1 run), ${r.p99Cpu.toFixed(3)} ms CPU; ` +
        `bench process RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(0)} MiB more after loading)`,
    );
    const alone = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('nlp-load.ts', import.meta.url)), SHIPPED], { encoding: 'utf8' });
    const measured = alone.stdout.trim().split('\n').at(-1) ?? '';
    console.log(`  a process that only loads the NLU with it, as the bot does: ${alone.status === 0 ? measured : `failed: ${alone.stderr.trim()}`}`);
    // Aggregate figures only, not even per topic: the corpus is written by the project and must not
    // be steered by the held-out messages (its rows were chosen on the training part; README).

    // Its threshold from the training part: out-of-sample scores, as the shipped model never
    // trained on this data; the held-out part chooses nothing.
    const onTrain = score({ classify: (e) => shipped.classify(e), bytes: 0 }, train).predictions;
    printThreshold(`the model's top topic on the ${train.length} training-part messages (it must never have trained on them)`, onTrain, SHIPPED === DEFAULT_MODEL_PATH ? 'the shipped model' : SHIPPED);
  }

  if (FOLDS < 2) return;
  const cv = await crossValidatedScores(train);
  printThreshold(`Tingmin's top topic in ${FOLDS}-fold cross-validation on the training part (calibrated softmax)`, cv, 'a model trained on this data');
}

/** The reliability table of `predictions` and the threshold read from it, for the model `forWhom`. */
function printThreshold(what: string, predictions: { score: number; correct: boolean }[], forWhom: string): void {
  const threshold = chooseThreshold(predictions);
  console.log(`\nconfidence of ${what}:`);
  for (const line of reliability(predictions, threshold)) console.log(line);
  console.log(`TOPIC_CONFIDENCE_THRESHOLD=${threshold.toFixed(2)} for ${forWhom}  (top score where the accuracy of the ${WINDOW} nearest-scored messages falls below ${pct(TARGET)})`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(scratch, { recursive: true, force: true }));
