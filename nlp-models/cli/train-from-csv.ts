import { stat } from 'node:fs/promises';
import { loadLabelledCsv } from '../data/labelled-csv.js';
import { saveTopicClassifier, trainTopicClassifier, type TrainingSettings } from '../topics/classifier.js';

/** Trains on a labelled CSV and writes the model; warnings go to stderr, a summary to stdout. */
export async function trainFromCsv(dataPath: string, modelPath: string, settings: Partial<TrainingSettings> = {}): Promise<void> {
  const { examples, warnings } = loadLabelledCsv(dataPath);
  for (const w of warnings) console.error(`warning: ${w}`);
  const started = performance.now();
  const classifier = await trainTopicClassifier(examples, settings);
  await saveTopicClassifier(classifier, modelPath);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const kib = Math.round((await stat(modelPath)).size / 1024);
  console.log(`trained on ${examples.length} examples, ${classifier.labels.length} labels, in ${seconds} s: ${modelPath} (${kib} KiB)`);
}
