import { describe, expect, it } from 'vitest';
import { heldOutSplit, macroF1 } from '../bench/nlp-support.js';
import { TINY_CORPUS } from './fixtures.js';

describe('the benchmark held-out split', () => {
  // 3 labels × 4 examples, repeated to 3 × 20.
  const examples = Array.from({ length: 5 }, (_, r) => TINY_CORPUS.map((e) => ({ ...e, detail: `${e.detail} ${r}` }))).flat();

  it('holds out the same stratified 20% of every label, whatever else changes', () => {
    const held = heldOutSplit(examples, 0.2);
    for (const label of new Set(examples.map((e) => e.label))) {
      expect(examples.filter((e, i) => e.label === label && held[i])).toHaveLength(4);
    }
    expect(heldOutSplit(examples, 0.2)).toEqual(held);
    expect(heldOutSplit(examples, 0.2, 7)).not.toEqual(held);
  });

  it('scores macro-F1 over the labels present', () => {
    expect(macroF1(['a', 'a', 'b', 'b'], ['a', 'a', 'b', 'b'])).toBe(1);
    expect(macroF1(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b'])).toBeCloseTo((2 / 3 + 0.8) / 2, 10);
  });
});
