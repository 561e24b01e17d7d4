import { cleanText, textTerms } from '../topics/vectorizer.js';
import { commandForm } from './recognizer.js';

/** One FAQ entry as the matcher sees it: its id and every phrasing of its question (zh and en). */
export type FaqQuestions = { id: string; questions: string[] };
export type FaqMatch = { id: string; score: number };

// Characters and pairs and triples of them: short questions share few whole words.
const TERMS = { charNgrams: [1, 3] as [number, number], words: false };

function termsOf(text: string): Map<string, number> {
  return textTerms(cleanText(commandForm(text)), TERMS);
}

/**
 * Character n-gram TF-IDF over the FAQ's own questions, cosine similarity. Built once per FAQ
 * version (a few hundred entries take milliseconds); `best` costs one vector per message.
 */
export class FaqMatcher {
  private readonly idf = new Map<string, number>();
  private readonly unseenIdf: number;
  private readonly vectors: { id: string; weights: Map<string, number> }[];

  constructor(entries: FaqQuestions[]) {
    const docs = entries.flatMap((e) => e.questions.map((q) => ({ id: e.id, counts: termsOf(q) })));
    const df = new Map<string, number>();
    for (const { counts } of docs) for (const term of counts.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    for (const [term, d] of df) this.idf.set(term, Math.log((1 + docs.length) / (1 + d)) + 1);
    this.unseenIdf = Math.log(1 + docs.length) + 1;
    this.vectors = docs.map(({ id, counts }) => ({ id, weights: this.weigh(counts) }));
  }

  private weigh(counts: Map<string, number>): Map<string, number> {
    const weights = new Map<string, number>();
    let norm = 0;
    for (const [term, count] of counts) {
      // Terms no FAQ question has cannot match; they still lower the similarity through the norm.
      const w = (1 + Math.log(count)) * (this.idf.get(term) ?? this.unseenIdf);
      weights.set(term, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [term, w] of weights) weights.set(term, w / norm);
    return weights;
  }

  /** The entry whose question is most similar to `text`, when at least `threshold` (0–1). */
  best(text: string, threshold: number): FaqMatch | undefined {
    const query = this.weigh(termsOf(text));
    let found: FaqMatch | undefined;
    for (const { id, weights } of this.vectors) {
      let score = 0;
      for (const [term, w] of query) score += w * (weights.get(term) ?? 0);
      if (score >= threshold && (!found || score > found.score)) found = { id, score };
    }
    return found;
  }
}

/** The phrasings of one FAQ question field: `|` separates them. */
export function questionPhrasings(field: string | null | undefined): string[] {
  return (field ?? '').split('|').map((q) => q.trim()).filter(Boolean);
}
