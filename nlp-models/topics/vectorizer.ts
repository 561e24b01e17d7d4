import { normalizeText } from '../text/normalize.js';
import { segment } from './segmenter.js';
import type { SparseVector } from './sparse.js';

/** A message as the classifier sees it: a title and a detail, either possibly absent. */
export type MessageParts = { title?: string; detail?: string };

/** A labelled message: title and detail are kept apart so that a long detail cannot drown the title. */
export type TrainingExample = MessageParts & { label: string };

/** Which text a feature space reads. `all` is title and detail together. */
export type SpaceSource = 'title' | 'detail' | 'all';

/**
 * One feature space: its terms are prefixed with `key`, weighted TF-IDF, L2-normalised on their
 * own and then scaled by `weight`, so that each space has a fixed share of the message's vector.
 */
export type SpaceSettings = { key: string; source: SpaceSource; weight: number };

/**
 * Prior knowledge the examples cannot teach: per topic, how many of its terms (the taxonomy's
 * category names) occur in the title or detail. One feature per topic, named `x|<topic>`, in a
 * space of its own (TF-IDF, L2-normalised, scaled by `weight` like the text spaces).
 */
export type Lexicon = { weight: number; topics: { label: string; terms: string[] }[] };

/** The lexicon's feature space key. */
export const LEXICON_KEY = 'x';

/** How text becomes a vector; stored in the model so that a model keeps working when defaults change. */
export type VectorizerSettings = {
  spaces: SpaceSettings[];
  /** Character n-grams of these lengths (within runs of letters, digits and Han characters). */
  charNgrams: [min: number, max: number];
  /** jieba words as well as character n-grams. */
  words: boolean;
  /** Text beyond this many characters is ignored: cost grows with length, signal does not. */
  maxTitleChars: number;
  maxDetailChars: number;
  /** Terms found in fewer training messages than this are dropped (they fit a message, not a topic). */
  minDocumentFrequency: number;
  /** At most this many terms, the most frequent first: keeps a large office's model small and fast. */
  maxTerms: number;
  /** Topic terms counted as extra features; absent: none. */
  lexicon?: Lexicon;
};

export const DEFAULT_VECTORIZER_SETTINGS: VectorizerSettings = {
  spaces: [
    { key: 't', source: 'title', weight: 1 },
    { key: 'd', source: 'detail', weight: 1 },
  ],
  charNgrams: [1, 3],
  words: true,
  maxTitleChars: 100,
  maxDetailChars: 600,
  minDocumentFrequency: 2,
  maxTerms: 60_000,
};

/** Runs of letters, digits and Han characters; punctuation and spaces separate them. */
const RUN = /[\p{Script=Han}\p{L}\p{N}]+/gu;
const DIGITS = /\p{Nd}+/gu;
const WORD = /[\p{Script=Han}\p{L}]/u;
const HAN = /\p{Script=Han}/u;

/** Full-width to half-width, lower case, every number as `0` (amounts and dates are not topics). */
export function cleanText(text: string): string {
  return normalizeText(text).toLowerCase().replace(DIGITS, '0');
}

/** Term counts of one text: `c:` character n-grams, `w:` jieba words, each name after `prefix`. */
export function textTerms(
  text: string,
  settings: Pick<VectorizerSettings, 'charNgrams' | 'words'>,
  prefix = '',
  into = new Map<string, number>(),
): Map<string, number> {
  if (!text) return into;
  const bump = (term: string) => into.set(term, (into.get(term) ?? 0) + 1);
  const [min, max] = settings.charNgrams;
  const chars = `${prefix}c:`;
  for (const [match] of text.matchAll(RUN)) {
    // Split into characters only when the run holds characters outside the BMP (rare).
    const run: string | string[] = match.length === [...match].length ? match : [...match];
    const slice = typeof run === 'string' ? (i: number, n: number) => run.slice(i, i + n) : (i: number, n: number) => run.slice(i, i + n).join('');
    for (let n = min; n <= max; n += 1) {
      for (let i = 0; i + n <= run.length; i += 1) {
        // A lone digit or Latin letter says nothing about a topic.
        if (n === 1 && !HAN.test(run[i]!)) continue;
        bump(chars + slice(i, n));
      }
    }
  }
  if (settings.words) {
    const words = `${prefix}w:`;
    for (const word of segment(text)) {
      if (WORD.test(word) && (word.length > 1 || HAN.test(word))) bump(words + word);
    }
  }
  return into;
}

/** Every term of a message, prefixed with its space's key: `t|c:塌陷`. */
export function messageTerms(message: MessageParts, settings: VectorizerSettings): Map<string, number> {
  const { title, detail } = cleanParts(message, settings);
  const out = new Map<string, number>();
  for (const space of settings.spaces) {
    const prefix = `${space.key}|`;
    if (space.source !== 'detail') textTerms(title, settings, prefix, out);
    if (space.source !== 'title') textTerms(detail, settings, prefix, out);
  }
  if (settings.lexicon) lexiconTerms(`${title}\n${detail}`, settings.lexicon, out);
  return out;
}

/** Title and detail cut to their maximum lengths and cleaned. */
function cleanParts(message: MessageParts, settings: VectorizerSettings): { title: string; detail: string } {
  return {
    title: cleanText((message.title ?? '').slice(0, settings.maxTitleChars)),
    detail: cleanText((message.detail ?? '').slice(0, settings.maxDetailChars)),
  };
}

type LexiconIndex = { byFirst: Map<string, { term: string; topic: number; id: number }[]>; terms: number };
const lexiconIndexes = new WeakMap<Lexicon, LexiconIndex>();

/** The lexicon's terms by their first UTF-16 unit, so a text is scanned once whatever the number of terms. */
function lexiconIndex(lexicon: Lexicon): LexiconIndex {
  let index = lexiconIndexes.get(lexicon);
  if (!index) {
    const byFirst = new Map<string, { term: string; topic: number; id: number }[]>();
    let id = 0;
    lexicon.topics.forEach(({ terms }, topic) => {
      for (const term of terms) if (term) byFirst.set(term[0]!, [...(byFirst.get(term[0]!) ?? []), { term, topic, id: (id += 1) - 1 }]);
    });
    index = { byFirst, terms: id };
    lexiconIndexes.set(lexicon, index);
  }
  return index;
}

/** `x|<topic>` → how many distinct terms of the topic the (cleaned) text contains. */
export function lexiconTerms(text: string, lexicon: Lexicon, into = new Map<string, number>()): Map<string, number> {
  const { byFirst, terms } = lexiconIndex(lexicon);
  const seen = new Uint8Array(terms);
  const found = new Int32Array(lexicon.topics.length);
  for (let i = 0; i < text.length; i += 1) {
    const candidates = byFirst.get(text[i]!);
    if (!candidates) continue;
    for (const { term, topic, id } of candidates) {
      if (seen[id] === 0 && text.startsWith(term, i)) {
        seen[id] = 1;
        found[topic]! += 1;
      }
    }
  }
  found.forEach((n, topic) => {
    if (n > 0) into.set(`${LEXICON_KEY}|${lexicon.topics[topic]!.label}`, n);
  });
  return into;
}

export type VectorizerJson = { settings: VectorizerSettings; terms: string[]; idf: number[] };

/** Sublinear TF-IDF per feature space, each space L2-normalised and weighted. */
export class Vectorizer {
  private readonly index: Map<string, number>;
  private readonly spaceOfTerm: Int32Array;
  private readonly spaceWeights: number[];
  /**
   * Per text space, its terms' indices by name without the space's key (`c:塌陷`): transform() reads
   * the title and the detail once each, whatever the number of spaces, and builds no prefixed names.
   */
  private readonly bySpace: Map<string, number>[];

  constructor(
    readonly settings: VectorizerSettings,
    readonly terms: string[],
    readonly idf: Float64Array,
  ) {
    this.index = new Map(terms.map((t, i) => [t, i]));
    const spaces = settings.lexicon ? [...settings.spaces, { key: LEXICON_KEY, weight: settings.lexicon.weight }] : settings.spaces;
    const spaceIndex = new Map(spaces.map((s, i) => [s.key, i]));
    this.spaceOfTerm = Int32Array.from(terms, (t) => spaceIndex.get(t.slice(0, t.indexOf('|')))!);
    this.spaceWeights = spaces.map((s) => s.weight);
    this.bySpace = settings.spaces.map(() => new Map());
    terms.forEach((t, j) => this.bySpace[this.spaceOfTerm[j]!]?.set(t.slice(t.indexOf('|') + 1), j));
  }

  get size(): number {
    return this.terms.length;
  }

  /** Learns the vocabulary and IDF (smoothed: ln((1+n)/(1+df)) + 1) from training messages' terms. */
  static fit(termCounts: Map<string, number>[], settings: VectorizerSettings): Vectorizer {
    const df = new Map<string, number>();
    for (const counts of termCounts) for (const term of counts.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    const n = termCounts.length;
    const frequent = [...df].filter(([, d]) => d >= settings.minDocumentFrequency);
    if (frequent.length > settings.maxTerms) frequent.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).length = settings.maxTerms;
    const terms = frequent.map(([t]) => t);
    terms.sort();
    const idf = Float64Array.from(terms, (t) => Math.log((1 + n) / (1 + df.get(t)!)) + 1);
    return new Vectorizer(settings, terms, idf);
  }

  /** Keeps only the terms whose index passes `keep` (for pruning terms no class uses). */
  subset(keep: (index: number) => boolean): { vectorizer: Vectorizer; kept: number[] } {
    const kept: number[] = [];
    for (let j = 0; j < this.terms.length; j += 1) if (keep(j)) kept.push(j);
    return {
      vectorizer: new Vectorizer(
        this.settings,
        kept.map((j) => this.terms[j]!),
        Float64Array.from(kept, (j) => this.idf[j]!),
      ),
      kept,
    };
  }

  transformTerms(counts: Map<string, number>): SparseVector {
    const known = new Map<number, number>();
    for (const [term, count] of counts) {
      const j = this.index.get(term);
      if (j !== undefined) known.set(j, count);
    }
    return this.weigh(known);
  }

  /** The same vector as transformTerms(messageTerms(message)), in about half the time (README: latency). */
  transform(message: MessageParts): SparseVector {
    const { title, detail } = cleanParts(message, this.settings);
    const titleTerms = textTerms(title, this.settings);
    const detailTerms = textTerms(detail, this.settings);
    const counts = new Map<number, number>();
    const add = (terms: Map<string, number>, names: Map<string, number>) => {
      for (const [term, count] of terms) {
        const j = names.get(term);
        if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + count);
      }
    };
    this.settings.spaces.forEach((space, s) => {
      if (space.source !== 'detail') add(titleTerms, this.bySpace[s]!);
      if (space.source !== 'title') add(detailTerms, this.bySpace[s]!);
    });
    if (this.settings.lexicon) add(lexiconTerms(`${title}\n${detail}`, this.settings.lexicon), this.index);
    return this.weigh(counts);
  }

  /** Sublinear TF × IDF of known terms' counts (by term index), each space L2-normalised and weighted. */
  private weigh(counts: Map<number, number>): SparseVector {
    const index = new Int32Array(counts.size);
    const value = new Float64Array(counts.size);
    const norms = new Float64Array(this.spaceWeights.length);
    let k = 0;
    for (const [j, count] of counts) {
      const v = (1 + Math.log(count)) * this.idf[j]!;
      index[k] = j;
      value[k] = v;
      norms[this.spaceOfTerm[j]!]! += v * v;
      k += 1;
    }
    for (let s = 0; s < norms.length; s += 1) norms[s] = norms[s]! > 0 ? this.spaceWeights[s]! / Math.sqrt(norms[s]!) : 0;
    for (let i = 0; i < k; i += 1) value[i]! *= norms[this.spaceOfTerm[index[i]!]!]!;
    // In the message's term order (deterministic), not sorted: nothing downstream needs sorted indices.
    return { index: index.subarray(0, k), value: value.subarray(0, k) };
  }

  toJSON(): VectorizerJson {
    return { settings: this.settings, terms: this.terms, idf: [...this.idf] };
  }

  static fromJSON(json: VectorizerJson): Vectorizer {
    return new Vectorizer(json.settings, json.terms, Float64Array.from(json.idf));
  }
}
