import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_PATH } from '../topics/classifier.js';
import { runCli } from './run.js';
import { trainFromCsv } from './train-from-csv.js';

/** The project's own corpus, the source of the shipped model. */
const CORPUS_PATH = fileURLToPath(new URL('../corpus/topics.csv', import.meta.url));

runCli(() => trainFromCsv(CORPUS_PATH, DEFAULT_MODEL_PATH));
