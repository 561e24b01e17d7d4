import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../data/csv.js';
import { cleanText, type Lexicon } from './vectorizer.js';

/** The message board's three-level topic taxonomy (category names only), shipped with the project. */
export const TAXONOMY_PATH = fileURLToPath(new URL('../corpus/taxonomy.csv', import.meta.url));

/** Catch-all names that say nothing about a topic. */
const VAGUE = new Set(['其他', '其他污染']);

/**
 * Per first-level topic, its second- and third-level category names, cleaned like message text.
 * CSV columns: level1, level2, level3.
 */
export function taxonomyLexicon(csv: string, weight: number): Lexicon {
  const [header, ...rows] = parseCsv(csv).filter((r) => r.some((f) => f.trim()));
  const col = (name: string) => header!.map((h) => h.trim()).indexOf(name);
  const [l1, l2, l3] = [col('level1'), col('level2'), col('level3')];
  if (l1 < 0 || l2 < 0 || l3 < 0) throw new Error('taxonomy CSV needs the columns level1, level2, level3');
  const topics = new Map<string, Set<string>>();
  for (const row of rows) {
    const label = row[l1]!.trim();
    const terms = topics.get(label) ?? topics.set(label, new Set()).get(label)!;
    for (const name of [row[l2]!, row[l3]!].map((n) => cleanText(n.trim()))) if (name && !VAGUE.has(name)) terms.add(name);
  }
  return {
    weight,
    topics: [...topics.keys()].sort().map((label) => ({ label, terms: [...topics.get(label)!].sort() })),
  };
}

export function loadTaxonomyLexicon(weight: number, path = TAXONOMY_PATH): Lexicon {
  return taxonomyLexicon(readFileSync(path, 'utf8'), weight);
}
