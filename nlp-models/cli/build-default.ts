import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_PATH, DEFAULT_TRAINING_SETTINGS } from '../topics/classifier.js';
import { runCli } from './run.js';
import { trainFromCsv } from './train-from-csv.js';

/** The project's own corpus, the source of the shipped model. */
const CORPUS_PATH = fileURLToPath(new URL('../corpus/topics.csv', import.meta.url));

/**
 * Every term of a hand-written corpus counts: unlike an office's messages, its rows are few and
 * short, so a term found once is a deliberate example, not noise (README: figures).
 */
const CORPUS_SETTINGS = { vectorizer: { ...DEFAULT_TRAINING_SETTINGS.vectorizer, minDocumentFrequency: 1 } };

runCli(() => trainFromCsv(CORPUS_PATH, DEFAULT_MODEL_PATH, CORPUS_SETTINGS));
