import { normalizeText } from '../text/normalize.js';
import { FILLERS, PHRASES, SERVICE_QUESTIONS, type Intent, type ServiceQuestion } from './phrases.js';

export type IntentMatch = { intent: Intent; score: number };

/** Longer messages are reports or answers, not commands, whatever words they contain. */
export const MAX_COMMAND_LENGTH = 24;

const HAN = /\p{Script=Han}/u;

// Chinese characters count one each; letters, digits and spaces half (an English word is longer).
// Counting stops once past the limit: descriptions of hundreds of characters come here too.
function tooLongForCommand(text: string): boolean {
  let length = 0;
  for (const ch of text.trim()) {
    length += HAN.test(ch) ? 1 : 0.5;
    if (length > MAX_COMMAND_LENGTH) return true;
  }
  return false;
}

// Damerau–Levenshtein distance, stopping early once it exceeds `max`.
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

const FILLER_PATTERN = new RegExp(
  FILLERS.sort((a, b) => b.length - a.length)
    .map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .map((f) => (/^[a-z' ]+$/.test(f) ? `\\b${f}\\b` : f))
    .join('|'),
  'g',
);

/** Lower case, simplified, without punctuation, emoji or polite padding. */
export function commandForm(text: string): string {
  const plain = normalizeText(text)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}?/' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const stripped = plain.replace(FILLER_PATTERN, ' ').replace(/\s+/g, ' ').trim();
  return stripped || plain;
}

const LATIN = /^[a-z0-9?/' ]+$/;

// What a message holds beyond a phrase: characters in Chinese, whole words in English.
function extra(form: string, phrase: string): number {
  if (LATIN.test(phrase)) {
    if (!new RegExp(`(^| )${phrase.replace(/[?/]/g, '\\$&')}( |$)`).test(form)) return Infinity;
    return form.split(' ').length - phrase.split(' ').length;
  }
  return [...form.replaceAll(' ', '')].length - [...phrase].length;
}

// `chars`: the phrase's length in characters, counted once.
type Entry<K> = { key: K; phrase: string; chars: number };
const entriesOf = <K extends string>(table: Record<K, readonly string[]>): Entry<K>[] =>
  (Object.keys(table) as K[]).flatMap((key) =>
    table[key].map((raw) => {
      const phrase = commandForm(raw) || raw;
      return { key, phrase, chars: [...phrase].length };
    }),
  );

const INTENT_ENTRIES = entriesOf<Intent>(PHRASES);
const SERVICE_ENTRIES = entriesOf<ServiceQuestion>(SERVICE_QUESTIONS);

// The best phrase of a table a short message says, and how closely.
function bestMatch<K>(text: string, entries: Entry<K>[]): { key: K; score: number } | undefined {
  if (tooLongForCommand(text)) return undefined;
  const form = commandForm(text);
  if (!form) return undefined;
  const exact = entries.find((e) => e.phrase === form);
  if (exact) return { key: exact.key, score: 1 };
  const typo = entries.find((e) => e.chars >= 3 && distance(e.phrase, form, 1) <= 1);
  if (typo) return { key: typo.key, score: 0.8 };
  const around = entries.filter((e) => e.chars >= 2 && form.includes(e.phrase) && extra(form, e.phrase) <= 2)
    .sort((a, b) => b.phrase.length - a.phrase.length)[0];
  return around ? { key: around.key, score: 0.7 } : undefined;
}

/**
 * Reads the intent of a short message: an exact phrase (score 1), a phrase with a typo (0.8:
 * one edit for phrases of three characters or more, so 转仁工 and cancle work but 取钱 is not
 * 取消), or a phrase with at most two other characters (or English words) around it (0.7).
 * Traditional characters, full-width forms and mixed Chinese/English are normalised first.
 */
export function recognizeIntent(text: string): IntentMatch | undefined {
  const found = bestMatch(text, INTENT_ENTRIES);
  return found && { intent: found.key, score: found.score };
}

/** Which question about the service a message of the `service` intent asks. */
export function recognizeServiceQuestion(text: string): ServiceQuestion | undefined {
  return bestMatch(text, SERVICE_ENTRIES)?.key;
}
