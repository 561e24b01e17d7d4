import type { TopicClassifier, TrainingExample } from './classifier.js';

export type LabelMetrics = { precision: number; recall: number; f1: number };
export type Evaluation = { n: number; accuracy: number; macroF1: number; perLabel: Record<string, LabelMetrics> };

/** Top-1 accuracy and per-label precision/recall/F1; macro-F1 averages the labels present in the data. */
export function evaluate(classifier: TopicClassifier, examples: TrainingExample[]): Evaluation {
  const truePos = new Map<string, number>();
  const predicted = new Map<string, number>();
  const actual = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const example of examples) {
    const guess = classifier.classify(example)[0]!.label;
    bump(predicted, guess);
    bump(actual, example.label);
    if (guess === example.label) bump(truePos, guess);
  }
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const perLabel: Record<string, LabelMetrics> = {};
  for (const label of [...actual.keys()].sort()) {
    const tp = truePos.get(label) ?? 0;
    const precision = ratio(tp, predicted.get(label) ?? 0);
    const recall = ratio(tp, actual.get(label)!);
    perLabel[label] = { precision, recall, f1: ratio(2 * precision * recall, precision + recall) };
  }
  const f1s = Object.values(perLabel).map((m) => m.f1);
  const correct = [...truePos.values()].reduce((a, b) => a + b, 0);
  return {
    n: examples.length,
    accuracy: ratio(correct, examples.length),
    macroF1: ratio(
      f1s.reduce((a, b) => a + b, 0),
      f1s.length,
    ),
    perLabel,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);

/** The evaluation as a table for a terminal: per label precision, recall and F1, then accuracy and macro-F1. */
export function evaluationTable(result: Evaluation): string[] {
  return [
    'precision  recall      f1  label',
    ...Object.entries(result.perLabel).map(([label, m]) => `${pct(m.precision)} ${pct(m.recall)} ${pct(m.f1)}  ${label}`),
    `accuracy ${pct(result.accuracy)}, macro-F1 ${pct(result.macroF1)}`,
  ];
}
