/**
 * `npm run bench:nlp-outside` (tsx test/bench/nlp-outside.ts [--data <labelled csv>] [--unlabelled <csv>] [--share 0.02]):
 * a guard that would send a report unlike every known topic to the supervision office, measured on
 * the shared data (nlp-models/README.md, Outside the known topics: not shipped). A message is outside the known topics when
 * its fit (the best one-vs-rest decision value) is below the threshold; the threshold is the fit
 * that `--share` of in-domain messages the model never trained on fall below.
 *
 * 1. The method, with labels: each of the labelled topics in turn is left out of training (the
 *    training part of the bench:nlp split) and plays the unknown topic. The threshold comes from
 *    3-fold cross-validation inside the training part only; on the held-out part, how many
 *    in-domain messages it diverts and how many of the left-out topic's messages it catches.
 *    The best top score (softmax) is measured the same way, as the alternative.
 * 2. A model trained on the whole training part (its labelled topics only, as `npm run nlp:train`
 *    makes): messages of the unlabelled file that the shipped model, which knows all of the
 *    taxonomy's first-level topics, files under a topic the labelled data lacks with a score of at
 *    least 0.55 (a weak label), and how many of them the guard catches.
 * 3. The shipped model: the default threshold (from the training part, which it never trained
 *    on), and the share it diverts of the held-out part and of the unlabelled file.
 *
 * Prints figures only, never a message. A script, not a test.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadLabelledCsv, loadTopicClassifier, trainTopicClassifier, type TopicClassifier, type TrainingExample } from '../../nlp-models/index.js';
import { parseCsv } from '../../nlp-models/data/csv.js';
import { heldOutSplit, quantile, stratifiedFolds } from './nlp-support.js';

const shared = (name: string) => fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));
const { values: args } = parseArgs({ options: { data: { type: 'string' }, unlabelled: { type: 'string' }, share: { type: 'string' } } });
const SHARE = Number(args.share ?? 0.02);
const all = loadLabelledCsv(args.data ?? shared('complaints-train.csv')).examples;
const held = heldOutSplit(all, 0.2);
const trainPart = all.filter((_, i) => !held[i]);
const heldPart = all.filter((_, i) => held[i]);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The two statistics compared: the fit, and the best softmax score. */
type Stat = { fit: number; top: number };
const stats = (model: TopicClassifier, messages: TrainingExample[]): Stat[] =>
  messages.map((m) => {
    const a = model.answer(m);
    return { fit: a.fit, top: a.scores[0]!.score };
  });
const thresholdOf = (values: number[]) => quantile([...values].sort((a, b) => a - b), SHARE);
const below = (values: number[], t: number) => values.filter((v) => v < t).length / Math.max(values.length, 1);

/** In-domain statistics from k-fold cross-validation inside `data`. */
async function crossValidated(data: TrainingExample[], k = 3): Promise<Stat[]> {
  const fold = stratifiedFolds(data, k);
  const out: Stat[] = [];
  for (let f = 0; f < k; f += 1) {
    const model = await trainTopicClassifier(data.filter((_, i) => fold[i] !== f));
    out.push(...stats(model, data.filter((_, i) => fold[i] === f)));
  }
  return out;
}

const labels = [...new Set(all.map((e) => e.label))].sort();
console.log(`# 1. one topic left out in turn (threshold: the fit ${pct(SHARE)} of in-domain CV messages fall below)`);
console.log('left out | in-domain diverted (fit) | left-out caught (fit) | in-domain diverted (top score) | left-out caught (top score)');
const totals = { inFit: 0, outFit: 0, inTop: 0, outTop: 0, nIn: 0, nOut: 0 };
for (const unknown of labels) {
  const known = trainPart.filter((e) => e.label !== unknown);
  const cv = await crossValidated(known);
  const tFit = thresholdOf(cv.map((s) => s.fit));
  const tTop = thresholdOf(cv.map((s) => s.top));
  const model = await trainTopicClassifier(known);
  const inside = stats(model, heldPart.filter((e) => e.label !== unknown));
  const outside = stats(model, heldPart.filter((e) => e.label === unknown));
  const row = {
    inFit: below(inside.map((s) => s.fit), tFit),
    outFit: below(outside.map((s) => s.fit), tFit),
    inTop: below(inside.map((s) => s.top), tTop),
    outTop: below(outside.map((s) => s.top), tTop),
  };
  totals.inFit += row.inFit * inside.length;
  totals.outFit += row.outFit * outside.length;
  totals.inTop += row.inTop * inside.length;
  totals.outTop += row.outTop * outside.length;
  totals.nIn += inside.length;
  totals.nOut += outside.length;
  console.log(`${unknown} | ${pct(row.inFit)} of ${inside.length} | ${pct(row.outFit)} of ${outside.length} | ${pct(row.inTop)} | ${pct(row.outTop)}`);
}
console.log(
  `all | ${pct(totals.inFit / totals.nIn)} of ${totals.nIn} | ${pct(totals.outFit / totals.nOut)} of ${totals.nOut} | ${pct(totals.inTop / totals.nIn)} | ${pct(totals.outTop / totals.nOut)}`,
);

// Messages of the unlabelled file (title, detail), read by column name.
const rows = parseCsv(readFileSync(args.unlabelled ?? shared('complaints-unlabelled.csv'), 'utf8'));
const header = rows[0]!;
const [ti, di] = [header.indexOf('title'), header.indexOf('detail')];
const unlabelled: TrainingExample[] = rows.slice(1).map((r) => ({ title: r[ti] ?? '', detail: r[di] ?? '', label: '' }));

const shipped = await loadTopicClassifier();
const labelled = new Set(labels);
const weak = unlabelled.filter((m) => {
  const best = shipped.classify(m)[0]!;
  return !labelled.has(best.label) && best.score >= 0.55;
});
console.log(`\n# 2. a model of the ${labels.length} labelled topics; ${weak.length} of ${unlabelled.length} unlabelled messages filed by the shipped model under another topic (score >= 0.55)`);
const cvAll = await crossValidated(trainPart);
const tAll = thresholdOf(cvAll.map((s) => s.fit));
const model7 = await trainTopicClassifier(trainPart);
console.log(`threshold (fit) ${tAll.toFixed(3)}; held-out in-domain diverted ${pct(below(stats(model7, heldPart).map((s) => s.fit), tAll))} of ${heldPart.length}`);
console.log(`other topics caught ${pct(below(stats(model7, weak).map((s) => s.fit), tAll))} of ${weak.length}; all unlabelled diverted ${pct(below(stats(model7, unlabelled).map((s) => s.fit), tAll))}`);

console.log('\n# 3. the shipped model');
const tShipped = thresholdOf(stats(shipped, trainPart).map((s) => s.fit));
console.log(`threshold ${tShipped.toFixed(2)} (the fit ${pct(SHARE)} of the ${trainPart.length} training-part messages fall below)`);
const rounded = Number(tShipped.toFixed(2));
console.log(`diverted: training part ${pct(below(stats(shipped, trainPart).map((s) => s.fit), rounded))}, held-out ${pct(below(stats(shipped, heldPart).map((s) => s.fit), rounded))} of ${heldPart.length}, unlabelled ${pct(below(stats(shipped, unlabelled).map((s) => s.fit), rounded))} of ${unlabelled.length}`);
// Chat reports are short: the training part's titles alone, as a resident might type them.
const titles = trainPart.map((e) => ({ ...e, detail: '' }));
console.log(`diverted, the training part's titles alone: ${pct(below(stats(shipped, titles).map((s) => s.fit), rounded))}`);

// Per-message cost of the fit: the answer the dialogue asks for, best of 3 per message.
const times: number[] = [];
for (const m of heldPart.slice(0, 20)) shipped.answer(m);
for (const m of heldPart) {
  let best = Infinity;
  for (let r = 0; r < 3; r += 1) {
    const t0 = process.hrtime.bigint();
    shipped.answer(m);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.push(best);
}
times.sort((a, b) => a - b);
console.log(`shipped model answer(): p50 ${quantile(times, 0.5).toFixed(2)} ms, p99 ${quantile(times, 0.99).toFixed(2)} ms (best of 3)`);
