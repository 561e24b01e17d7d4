import type { TrainingExample } from './features.js';

/** FNV-1a, 32 bits: a cheap, stable hash for ordering. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Training order matters to the perceptrons (online updates), so examples get one order whatever
 * order they came in: shuffled by a hash of their content, labels mixed rather than grouped.
 */
export function canonicalOrder(examples: TrainingExample[]): TrainingExample[] {
  const key = (e: TrainingExample) => `${e.label}\u0000${e.title ?? ''}\u0000${e.detail ?? ''}`;
  return examples
    .map((e) => ({ e, k: key(e), h: fnv1a(key(e)) }))
    .sort((a, b) => a.h - b.h || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map(({ e }) => e);
}
