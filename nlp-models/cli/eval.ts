import { loadLabelledCsv } from '../data/labelled-csv.js';
import { DEFAULT_MODEL_PATH, loadTopicClassifier } from '../topics/classifier.js';
import { evaluate, evaluationTable } from '../topics/metrics.js';
import { readOptions, runCli, UsageError } from './run.js';

const USAGE = 'usage: npm run nlp:eval -- --data <csv> [--model <model path>]';

runCli(async () => {
  const { data, model = DEFAULT_MODEL_PATH } = readOptions({ data: { type: 'string' }, model: { type: 'string' } }, USAGE);
  if (!data) throw new UsageError(`--data is required; ${USAGE}`);
  const { examples, warnings } = loadLabelledCsv(data);
  for (const w of warnings) console.error(`warning: ${w}`);
  const classifier = await loadTopicClassifier(model).catch((err: Error) => {
    throw new UsageError(err.message);
  });
  const unknown = [...new Set(examples.map((e) => e.label))].filter((l) => !classifier.labels.includes(l));
  if (unknown.length) console.error(`warning: labels the model does not know: ${unknown.join(', ')}`);

  const result = evaluate(classifier, examples);
  console.log([`model ${model}, ${result.n} examples`, ...evaluationTable(result)].join('\n'));
  // Other tools read this last line.
  console.log(JSON.stringify(result));
});
