import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topicClassifierFromJSON, trainTopicClassifier } from '../../nlp-models/index.js';
import { loadTaxonomyLexicon, taxonomyLexicon } from '../../nlp-models/topics/taxonomy.js';
import { lexiconTerms, messageTerms, DEFAULT_VECTORIZER_SETTINGS } from '../../nlp-models/topics/vectorizer.js';
import { TINY_CORPUS } from './fixtures.js';

// A tiny taxonomy written for this test: words the tiny corpus uses (工资, 物业, 补课) and words it never uses (劳动仲裁, 燃气, 图书馆).
const TINY_TAXONOMY = `level1,level2,level3
劳动和社会保障,劳动关系,工资
劳动和社会保障,社会保险,社保
劳动和社会保障,争议,劳动仲裁
劳动和社会保障,其他,其他
城乡建设,住房,物业
城乡建设,住房,电梯
城乡建设,市政,燃气
教育文体,教育,补课
教育文体,教育,幼儿园
教育文体,文化,图书馆
`;

describe('taxonomy features', () => {
  const lexicon = taxonomyLexicon(TINY_TAXONOMY, 0.5);

  it('lists each first-level topic with its second- and third-level names, without catch-alls', () => {
    expect(lexicon.topics.map((t) => t.label)).toEqual(['劳动和社会保障', '城乡建设', '教育文体']);
    expect(lexicon.topics[0]!.terms).toEqual(['争议', '劳动仲裁', '劳动关系', '工资', '社会保险', '社保']);
    expect(lexicon.topics.flatMap((t) => t.terms)).not.toContain('其他');
  });

  it('counts how many distinct names of each topic a text contains', () => {
    const found = lexiconTerms('物业不修电梯，电梯又坏了，孩子的补课费', lexicon);
    expect(Object.fromEntries(found)).toEqual({ 'x|城乡建设': 2, 'x|教育文体': 1 });
    const terms = messageTerms({ title: '拖欠工资', detail: '社保也没交' }, { ...DEFAULT_VECTORIZER_SETTINGS, lexicon });
    expect(terms.get('x|劳动和社会保障')).toBe(2);
  });

  it('lets a model place a message whose only known words are taxonomy names, and keeps them in the saved model', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tingmin-taxonomy-')), 'taxonomy.csv');
    writeFileSync(path, TINY_TAXONOMY);
    const withTaxonomy = await trainTopicClassifier(TINY_CORPUS, { taxonomy: { path, weight: 0.5 } });
    const without = await trainTopicClassifier(TINY_CORPUS, { taxonomy: null });
    const reloaded = await topicClassifierFromJSON(JSON.parse(JSON.stringify(withTaxonomy.toJSON())));
    for (const [text, label] of [
      ['劳动仲裁', '劳动和社会保障'],
      ['燃气', '城乡建设'],
      ['图书馆', '教育文体'],
    ] as const) {
      expect(withTaxonomy.classify(text)[0]!.label).toBe(label);
      expect(reloaded.classify(text)[0]!.label).toBe(label);
      // Without the taxonomy nothing in the text is known: every topic is as likely.
      expect(without.classify(text).map((s) => s.score)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    }
  });

  it('ships the board taxonomy: every default topic has names', () => {
    const shipped = loadTaxonomyLexicon(0.5);
    expect(shipped.topics).toHaveLength(15);
    for (const topic of shipped.topics) expect(topic.terms.length).toBeGreaterThan(5);
  });
});
