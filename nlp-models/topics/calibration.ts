/**
 * Scores that mean something: decision values become probabilities by a softmax whose sharpness
 * (`scale`, the inverse of a temperature) is fitted to minimise the log loss of held-out decision
 * values, so that a top score of 0.8 is right about 80% of the time.
 */

/** softmax(scale · values), in place-safe form; returns a new array. */
export function softmax(values: ArrayLike<number>, scale: number): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < values.length; c += 1) max = Math.max(max, values[c]!);
  const out = new Float64Array(values.length);
  let sum = 0;
  for (let c = 0; c < values.length; c += 1) {
    out[c] = Math.exp(scale * (values[c]! - max));
    sum += out[c]!;
  }
  for (let c = 0; c < values.length; c += 1) out[c]! /= sum;
  return out;
}

/** Mean negative log-likelihood of the true labels. */
export function logLoss(decisions: ArrayLike<number>[], truth: ArrayLike<number>, scale: number): number {
  let loss = 0;
  for (let i = 0; i < decisions.length; i += 1) {
    const p = softmax(decisions[i]!, scale)[truth[i]!]!;
    loss -= Math.log(Math.max(p, 1e-15));
  }
  return loss / Math.max(decisions.length, 1);
}

export const SCALE_RANGE = { min: 0.1, max: 100 } as const;
export const DEFAULT_SCALE = 5;

/**
 * The scale in [0.1, 100] minimising the log loss: a coarse log-spaced grid, then golden-section
 * search around the best point (the loss is unimodal in the scale for a fixed set of decisions).
 */
export function fitScale(decisions: ArrayLike<number>[], truth: ArrayLike<number>): number {
  if (decisions.length === 0) return DEFAULT_SCALE;
  const logMin = Math.log(SCALE_RANGE.min);
  const logMax = Math.log(SCALE_RANGE.max);
  const steps = 24;
  const at = (k: number) => Math.exp(logMin + ((logMax - logMin) * k) / steps);
  let best = 0;
  let bestLoss = Infinity;
  for (let k = 0; k <= steps; k += 1) {
    const loss = logLoss(decisions, truth, at(k));
    if (loss < bestLoss) [best, bestLoss] = [k, loss];
  }
  let lo = Math.log(at(Math.max(best - 1, 0)));
  let hi = Math.log(at(Math.min(best + 1, steps)));
  const ratio = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 30; i += 1) {
    const a = hi - ratio * (hi - lo);
    const b = lo + ratio * (hi - lo);
    if (logLoss(decisions, truth, Math.exp(a)) <= logLoss(decisions, truth, Math.exp(b))) hi = b;
    else lo = a;
  }
  return Number(Math.exp((lo + hi) / 2).toPrecision(4));
}
