import { DEFAULT_MODEL_PATH } from '../topics/classifier.js';
import { CORPUS_PATH, CORPUS_SETTINGS } from '../topics/corpus.js';
import { runCli } from './run.js';
import { trainFromCsv } from './train-from-csv.js';

runCli(() => trainFromCsv(CORPUS_PATH, DEFAULT_MODEL_PATH, CORPUS_SETTINGS));
