/** A sparse vector: distinct feature indices (in no particular order) and their values. */
export type SparseVector = { index: Int32Array; value: Float64Array };

export const EMPTY_VECTOR: SparseVector = { index: new Int32Array(0), value: new Float64Array(0) };

/** x · w for a dense w laid out as `w[offset + j]`. */
export function dot(x: SparseVector, w: Float64Array | Float32Array, offset = 0): number {
  let sum = 0;
  const { index, value } = x;
  for (let k = 0; k < index.length; k += 1) sum += value[k]! * w[offset + index[k]!]!;
  return sum;
}

export function squaredNorm(x: SparseVector): number {
  let sum = 0;
  for (const v of x.value) sum += v * v;
  return sum;
}

/**
 * mulberry32: a small seeded generator, so that training (which visits examples in a random
 * order) gives the same model on every run and every machine.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place with the given generator. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
