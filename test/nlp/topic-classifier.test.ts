import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadTopicClassifier,
  saveTopicClassifier,
  trainTopicClassifier,
  type TopicClassifier,
  type TopicScore,
} from '../../nlp-models/index.js';
import { partsOfText } from '../../nlp-models/topics/features.js';
import { TINY_CORPUS } from './fixtures.js';

const LABELS = ['劳动和社会保障', '城乡建设', '教育文体'];
const PROBES = ['小区路面塌陷了', '老板拖欠工资', '学校补课收费', '', '🙂🙂🙂', '路灯'.repeat(10_000), 'something in English'];

function expectRankedDistribution(scores: TopicScore[]) {
  expect(scores.map((s) => s.label).sort()).toEqual(LABELS);
  expect(scores.reduce((sum, s) => sum + s.score, 0)).toBeCloseTo(1, 6);
  for (let i = 1; i < scores.length; i += 1) expect(scores[i - 1]!.score).toBeGreaterThanOrEqual(scores[i]!.score);
}

describe('topic classifier', () => {
  let classifier: TopicClassifier;
  beforeAll(async () => {
    classifier = await trainTopicClassifier(TINY_CORPUS);
  });

  it('knows its labels, sorted', () => {
    expect(classifier.labels).toEqual(LABELS);
  });

  it.each([
    ['我们小区门口的道路塌陷了', '城乡建设'],
    ['公司拖欠我三个月工资', '劳动和社会保障'],
    ['学校强制学生参加补课', '教育文体'],
  ])('puts %j under %s', (text, label) => {
    expect(classifier.classify(text)[0]!.label).toBe(label);
  });

  it('weighs a title and a detail given apart', () => {
    const top = classifier.classify({ title: '拖欠工资', detail: '小区门口的公司' })[0]!;
    expect(top.label).toBe('劳动和社会保障');
  });

  it('ranks every label for any text, uniformly when it recognises nothing', () => {
    for (const probe of PROBES) expectRankedDistribution(classifier.classify(probe));
    for (const empty of ['', '🙂🙂🙂', '12345']) {
      expect(classifier.classify(empty).map((s) => s.score)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    }
  });

  it('classifies a 20,000-character text quickly', () => {
    const started = performance.now();
    classifier.classify('小区道路塌陷'.repeat(3_400));
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('answers exactly the same after a save and a load', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tingmin-model-')), 'model.json');
    await saveTopicClassifier(classifier, path);
    const loaded = await loadTopicClassifier(path);
    expect(loaded.labels).toEqual(classifier.labels);
    expect(JSON.stringify(loaded.toJSON())).toBe(JSON.stringify(classifier.toJSON()));
    for (const probe of PROBES) expect(loaded.classify(probe)).toEqual(classifier.classify(probe));
  });

  it('trains the same model from the same examples in any order', async () => {
    const again = await trainTopicClassifier([...TINY_CORPUS].reverse());
    expect(JSON.stringify(again.toJSON())).toBe(JSON.stringify(classifier.toJSON()));
  });

  it('refuses to train on one label, and to load what is not a model', async () => {
    await expect(trainTopicClassifier(TINY_CORPUS.filter((e) => e.label === '城乡建设'))).rejects.toThrow(/two labels/);
    await expect(loadTopicClassifier(join(tmpdir(), 'no-such-model.json'))).rejects.toThrow(/no topic model at/);
  });
});

describe('partsOfText', () => {
  it('takes a short first sentence of a chat message as its title', () => {
    expect(partsOfText('小区路灯坏了。已经三个月没人修，晚上很黑')).toEqual({ title: '小区路灯坏了。', detail: '已经三个月没人修，晚上很黑' });
    expect(partsOfText('路灯坏了')).toEqual({ detail: '路灯坏了' });
    expect(partsOfText(`${'很'.repeat(80)}。后面`)).toEqual({ detail: `${'很'.repeat(80)}。后面` });
  });
});

describe('the shipped default model', () => {
  it('puts a collapsed road under construction or transport', async () => {
    const model = await loadTopicClassifier();
    const top2 = model.classify('小区门口的道路塌陷了一个大坑，车辆和行人都很危险').slice(0, 2).map((s) => s.label);
    expect(top2.some((label) => label === '城乡建设' || label === '交通运输')).toBe(true);
  });
});
