import { readOptions, runCli, UsageError } from './run.js';
import { trainFromCsv } from './train-from-csv.js';

const USAGE = 'usage: npm run nlp:train -- --data <csv> --out <model path>';

runCli(async () => {
  const { data, out } = readOptions({ data: { type: 'string' }, out: { type: 'string' } }, USAGE);
  if (!data || !out) throw new UsageError(`--data and --out are required; ${USAGE}`);
  await trainFromCsv(data, out);
});
