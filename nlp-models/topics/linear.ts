/**
 * Linear topic models over sparse TF-IDF vectors, all trained in this file and all reduced to one
 * form, a weight per (label, feature) plus a bias per label:
 *
 * - one-vs-rest L2-regularised squared-hinge SVMs, trained by dual coordinate descent (the
 *   algorithm of liblinear: Hsieh et al., ICML 2008);
 * - NB-SVM (Wang & Manning, ACL 2012): the same SVMs on features scaled by each label's naive
 *   Bayes log-count ratio, their weights interpolated towards the mean.
 *
 * Training visits examples in an order drawn from a seeded generator: same data, same model.
 */
import { dot, seededRandom, shuffle, type SparseVector } from './sparse.js';

/** Weights laid out label by label: `weights[label * dim + feature]`. */
export type LinearModel = { labels: number; dim: number; weights: Float64Array; bias: Float64Array };

export type SvmSettings = {
  /** Inverse regularisation strength. */
  C: number;
  /** Weigh each label's examples by n / (labels × count), so small topics are not ignored. */
  balanced: boolean;
  /** NB-SVM: Laplace smoothing of the log-count ratios, and the interpolation β (1 = plain NB-SVM weights). */
  nb?: { alpha: number; beta: number };
  seed: number;
  maxIterations: number;
  /** Stop when the projected gradient's spread falls below this (liblinear's default is 0.1). */
  tolerance: number;
};

export const DEFAULT_SVM_SETTINGS: SvmSettings = { C: 1, balanced: true, seed: 1, maxIterations: 200, tolerance: 0.1 };

/** Decision values, one per label. */
export function decisionValues(model: LinearModel, x: SparseVector, out = new Float64Array(model.labels)): Float64Array {
  for (let c = 0; c < model.labels; c += 1) out[c] = dot(x, model.weights, c * model.dim) + model.bias[c]!;
  return out;
}

/** Weighted sum of models with the same shape. */
export function combine(models: { model: LinearModel; weight: number }[]): LinearModel {
  const { labels, dim } = models[0]!.model;
  const weights = new Float64Array(labels * dim);
  const bias = new Float64Array(labels);
  for (const { model, weight } of models) {
    for (let k = 0; k < weights.length; k += 1) weights[k]! += weight * model.weights[k]!;
    for (let c = 0; c < labels; c += 1) bias[c]! += weight * model.bias[c]!;
  }
  return { labels, dim, weights, bias };
}

/** Log-count ratio of label c against the rest, per feature, over (non-negative) feature values. */
function logCountRatios(xs: SparseVector[], y: Int32Array, label: number, dim: number, alpha: number): Float64Array {
  const p = new Float64Array(dim).fill(alpha);
  const q = new Float64Array(dim).fill(alpha);
  for (let i = 0; i < xs.length; i += 1) {
    const target = y[i] === label ? p : q;
    const { index, value } = xs[i]!;
    for (let k = 0; k < index.length; k += 1) target[index[k]!]! += value[k]!;
  }
  let sp = 0;
  let sq = 0;
  for (let j = 0; j < dim; j += 1) {
    sp += p[j]!;
    sq += q[j]!;
  }
  const r = new Float64Array(dim);
  for (let j = 0; j < dim; j += 1) r[j] = Math.log(p[j]! / sp) - Math.log(q[j]! / sq);
  return r;
}

/**
 * Dual coordinate descent for min ½‖w‖² + Σ Cᵢ max(0, 1 − yᵢ w·(sᵢ∘xᵢ))², the bias as a feature of
 * value 1. `scale` multiplies every feature (NB-SVM) or is absent.
 */
function trainBinary(
  xs: SparseVector[],
  positive: Uint8Array,
  costs: Float64Array,
  dim: number,
  scale: Float64Array | undefined,
  settings: SvmSettings,
  random: () => number,
): { w: Float64Array; b: number } {
  const n = xs.length;
  const w = new Float64Array(dim);
  let b = 0;
  const alpha = new Float64Array(n);
  const diag = Float64Array.from(costs, (c) => 1 / (2 * c));
  const qd = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const { index, value } = xs[i]!;
    let sq = 1; // the bias feature
    for (let k = 0; k < index.length; k += 1) {
      const v = scale ? value[k]! * scale[index[k]!]! : value[k]!;
      sq += v * v;
    }
    qd[i] = sq + diag[i]!;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  for (let iteration = 0; iteration < settings.maxIterations; iteration += 1) {
    shuffle(order, random);
    let maxPg = -Infinity;
    let minPg = Infinity;
    for (const i of order) {
      const { index, value } = xs[i]!;
      const yi = positive[i] ? 1 : -1;
      let wx = b;
      if (scale) for (let k = 0; k < index.length; k += 1) wx += value[k]! * scale[index[k]!]! * w[index[k]!]!;
      else for (let k = 0; k < index.length; k += 1) wx += value[k]! * w[index[k]!]!;
      const g = yi * wx - 1 + diag[i]! * alpha[i]!;
      const pg = alpha[i] === 0 ? Math.min(g, 0) : g;
      if (pg > maxPg) maxPg = pg;
      if (pg < minPg) minPg = pg;
      if (Math.abs(pg) > 1e-12) {
        const old = alpha[i]!;
        alpha[i] = Math.max(old - g / qd[i]!, 0);
        const d = (alpha[i]! - old) * yi;
        if (scale) for (let k = 0; k < index.length; k += 1) w[index[k]!]! += d * value[k]! * scale[index[k]!]!;
        else for (let k = 0; k < index.length; k += 1) w[index[k]!]! += d * value[k]!;
        b += d;
      }
    }
    if (maxPg - minPg <= settings.tolerance) break;
  }
  return { w, b };
}

/** One-vs-rest SVMs (NB-SVMs when `settings.nb` is set); `y[i]` is the label index of `xs[i]`. */
export function trainOneVsRest(
  xs: SparseVector[],
  y: Int32Array,
  labels: number,
  dim: number,
  settings: SvmSettings,
  sampleWeights?: Float64Array,
): LinearModel {
  const weightOf = (i: number) => (sampleWeights ? sampleWeights[i]! : 1);
  const counts = new Float64Array(labels);
  let n = 0;
  for (let i = 0; i < y.length; i += 1) {
    counts[y[i]!]! += weightOf(i);
    n += weightOf(i);
  }
  const costs = Float64Array.from(y, (c, i) => weightOf(i) * (settings.balanced ? (settings.C * n) / (labels * counts[c]!) : settings.C));
  const weights = new Float64Array(labels * dim);
  const bias = new Float64Array(labels);
  const random = seededRandom(settings.seed);
  for (let c = 0; c < labels; c += 1) {
    const positive = Uint8Array.from(y, (l) => (l === c ? 1 : 0));
    const scale = settings.nb ? logCountRatios(xs, y, c, dim, settings.nb.alpha) : undefined;
    const { w, b } = trainBinary(xs, positive, costs, dim, scale, settings, random);
    const row = weights.subarray(c * dim, (c + 1) * dim);
    if (scale && settings.nb) {
      let mean = 0;
      for (let j = 0; j < dim; j += 1) mean += Math.abs(w[j]!);
      mean /= dim;
      const beta = settings.nb.beta;
      for (let j = 0; j < dim; j += 1) row[j] = scale[j]! * ((1 - beta) * mean + beta * w[j]!);
    } else {
      row.set(w);
    }
    bias[c] = b;
  }
  return { labels, dim, weights, bias };
}
