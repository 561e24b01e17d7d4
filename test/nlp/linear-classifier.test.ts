import { describe, expect, it } from 'vitest';
import {
  createNlpContainer,
  TOPIC_COMPONENT,
  topicClassifierFromJSON,
  topicComponent,
  trainTopicClassifier,
} from '../../nlp-models/index.js';
import { fitScale, logLoss, softmax } from '../../nlp-models/topics/calibration.js';
import { decisionValues, DEFAULT_SVM_SETTINGS, trainOneVsRest } from '../../nlp-models/topics/linear.js';
import type { SparseVector } from '../../nlp-models/topics/sparse.js';
import { cleanText, DEFAULT_VECTORIZER_SETTINGS, messageTerms, textTerms, Vectorizer } from '../../nlp-models/topics/vectorizer.js';
import { TINY_CORPUS } from './fixtures.js';

const vector = (entries: [number, number][]): SparseVector => ({
  index: Int32Array.from(entries, ([j]) => j),
  value: Float64Array.from(entries, ([, v]) => v),
});

describe('text features', () => {
  it('cleans full-width forms, case and numbers', () => {
    expect(cleanText('ＡＢＣ小区１２３号楼 2019年')).toBe('abc小区0号楼 0年');
  });

  it('makes character n-grams within runs, jieba words, and skips lone Latin letters and digits', () => {
    const terms = textTerms('路灯坏了，a1', { charNgrams: [1, 2], words: true }, 'd|');
    for (const t of ['d|c:路', 'd|c:路灯', 'd|c:灯坏', 'd|c:坏了', 'd|w:路灯', 'd|c:a1']) expect(terms.has(t)).toBe(true);
    // Punctuation separates runs: no bigram spans "了，a".
    expect([...terms.keys()].some((t) => t.includes('了a') || t.includes('，'))).toBe(false);
    expect(terms.has('d|c:a')).toBe(false);
    expect(terms.has('d|c:1')).toBe(false);
  });

  it('counts repeated terms and keeps characters beyond the BMP whole', () => {
    expect(textTerms('漏水漏水', { charNgrams: [2, 2], words: false }).get('c:漏水')).toBe(2);
    expect(textTerms('𠮷野家', { charNgrams: [1, 1], words: false }).has('c:𠮷')).toBe(true);
  });

  it('keeps title and detail in separate spaces, each cut to its length', () => {
    const settings = { ...DEFAULT_VECTORIZER_SETTINGS, maxDetailChars: 4 };
    const terms = messageTerms({ title: '拖欠工资', detail: '公司老板跑路了' }, settings);
    expect(terms.has('t|c:工资')).toBe(true);
    expect(terms.has('d|c:公司')).toBe(true);
    expect(terms.has('d|c:跑路')).toBe(false); // beyond 4 characters of detail
    expect(terms.has('d|w:工资')).toBe(false);
  });

  it('gives each space a unit-length share of the vector, so a long detail does not drown the title', () => {
    const messages = [
      { title: '路灯坏了', detail: '小区的路灯坏了很久'.repeat(5) },
      { title: '路灯不亮', detail: '晚上路灯不亮很危险' },
    ];
    const settings = { ...DEFAULT_VECTORIZER_SETTINGS, minDocumentFrequency: 1 };
    const vectorizer = Vectorizer.fit(
      messages.map((m) => messageTerms(m, settings)),
      settings,
    );
    const x = vectorizer.transform(messages[0]!);
    const norms = { t: 0, d: 0 };
    x.index.forEach((j, k) => (norms[vectorizer.terms[j]!.startsWith('t|') ? 't' : 'd'] += x.value[k]! ** 2));
    expect(norms.t).toBeCloseTo(1, 10);
    expect(norms.d).toBeCloseTo(1, 10);
    expect(vectorizer.transform({ title: '', detail: '' }).index).toHaveLength(0);
  });

  it('classifies with the same vector it was trained on, with a joint title+detail space and taxonomy counts', () => {
    const settings = {
      ...DEFAULT_VECTORIZER_SETTINGS,
      minDocumentFrequency: 1,
      spaces: [...DEFAULT_VECTORIZER_SETTINGS.spaces, { key: 'a', source: 'all' as const, weight: 0.5 }],
      lexicon: { weight: 0.5, topics: [{ label: '城乡建设', terms: ['路灯', '物业服务'] }] },
    };
    const messages = [
      { title: '路灯坏了', detail: '小区的路灯坏了，物业服务太差，路灯一直不修' },
      { title: '', detail: '公司拖欠工资三个月' },
      { title: '路灯不亮' },
    ];
    const vectorizer = Vectorizer.fit(
      messages.map((m) => messageTerms(m, settings)),
      settings,
    );
    for (const m of [...messages, { title: '路灯和工资', detail: '路灯坏了，工资没发，还有没见过的词' }]) {
      const asTrained = vectorizer.transformTerms(messageTerms(m, settings));
      const fast = vectorizer.transform(m);
      const byIndex = new Map([...asTrained.index].map((j, k) => [vectorizer.terms[j]!, asTrained.value[k]!]));
      expect(new Map([...fast.index].map((j, k) => [vectorizer.terms[j]!, fast.value[k]!]))).toEqual(byIndex);
    }
    // The joint space reads the title and the detail.
    const x = vectorizer.transform(messages[0]!);
    expect([...x.index].some((j) => vectorizer.terms[j] === 'a|c:路灯')).toBe(true);
  });
});

describe('one-vs-rest SVM', () => {
  // Two labels on two features, plus one shared noise feature.
  const xs = [
    vector([[0, 1], [2, 0.2]]),
    vector([[0, 0.8], [2, 0.5]]),
    vector([[0, 0.9]]),
    vector([[1, 1], [2, 0.3]]),
    vector([[1, 0.7], [2, 0.5]]),
    vector([[1, 0.9]]),
  ];
  const y = Int32Array.from([0, 0, 0, 1, 1, 1]);

  it.each([
    ['plain', DEFAULT_SVM_SETTINGS],
    ['NB-SVM', { ...DEFAULT_SVM_SETTINGS, nb: { alpha: 0.1, beta: 1 } }],
  ])('%s separates a separable problem', (_name, settings) => {
    const model = trainOneVsRest(xs, y, 2, 3, settings);
    xs.forEach((x, i) => {
      const d = decisionValues(model, x);
      expect(d[y[i]!]! > d[1 - y[i]!]!).toBe(true);
    });
  });

  it('is deterministic for a seed', () => {
    const a = trainOneVsRest(xs, y, 2, 3, DEFAULT_SVM_SETTINGS);
    const b = trainOneVsRest(xs, y, 2, 3, DEFAULT_SVM_SETTINGS);
    expect([...a.weights]).toEqual([...b.weights]);
    expect([...a.bias]).toEqual([...b.bias]);
  });
});

describe('calibration', () => {
  it('softmax sums to 1 and sharpens with the scale', () => {
    const soft = softmax([1, 0, -1], 1);
    expect(soft.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(softmax([1, 0, -1], 10)[0]!).toBeGreaterThan(soft[0]!);
  });

  it('fits a sharp scale to decisions that are always right, a soft one to decisions right half the time', () => {
    const decisions = Array.from({ length: 40 }, (_, i) => (i % 2 ? [1, -1] : [-1, 1]));
    const right = decisions.map((_, i) => (i % 2 ? 0 : 1));
    const coin = decisions.map((_, i) => (i % 4 < 2 ? 0 : 1));
    const sharp = fitScale(decisions, right);
    const soft = fitScale(decisions, coin);
    expect(sharp).toBeGreaterThan(10);
    expect(soft).toBeLessThan(0.2);
    expect(logLoss(decisions, right, sharp)).toBeLessThan(logLoss(decisions, right, 1));
  });
});

describe('the trained topic classifier', () => {
  it('gives calibrated, ordered scores and names its settings in the model', async () => {
    const classifier = await trainTopicClassifier(TINY_CORPUS);
    const json = classifier.toJSON() as { version: number; scale: number; vectorizer: { terms: string[] }; weights: number[][] };
    expect(json.version).toBe(2);
    expect(json.scale).toBeGreaterThan(0);
    expect(json.weights).toHaveLength(3);
    expect(json.weights[0]).toHaveLength(json.vectorizer.terms.length);
    const [best, second] = classifier.classify({ title: '工资拖欠', detail: '老板拖欠工资' });
    expect(best!.label).toBe('劳动和社会保障');
    expect(best!.score).toBeGreaterThan(second!.score);
  });

  it('refuses a model of the old format, saying how to rebuild it', async () => {
    await expect(topicClassifierFromJSON({ format: 'tingmin-topics', version: 1, labels: ['a', 'b'], nlu: {} })).rejects.toThrow(/version 1; retrain/);
    await expect(topicClassifierFromJSON({ format: 'tingmin-topics', version: 2, labels: ['a'], scale: 1, weights: [[1, 2]], bias: [0], vectorizer: { terms: ['x'] } })).rejects.toThrow(
      /not a tingmin-topics model/,
    );
  });
});

describe('the nlp.js container', () => {
  it('holds the topic classifier as a named component answering like an nlp.js NLU', async () => {
    const classifier = await trainTopicClassifier(TINY_CORPUS);
    const container = await createNlpContainer(classifier);
    const component = topicComponent(container);
    expect(container.get(TOPIC_COMPONENT)).toBe(component);
    expect(container.get('nlp')).toBeDefined(); // nlp.js's own Nlp sits in the same container
    const text = '公司拖欠我三个月工资';
    const answer = component.process(text);
    const scores = classifier.classify(text);
    expect(answer.intent).toBe(scores[0]!.label);
    expect(answer.classifications).toEqual(scores.map((s) => ({ intent: s.label, score: s.score })));
    expect(component.run({ utterance: text }).topics).toEqual(answer);
  });
});
