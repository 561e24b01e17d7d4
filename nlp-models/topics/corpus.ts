import { fileURLToPath } from 'node:url';
import { DEFAULT_TRAINING_SETTINGS, type TrainingSettings } from './classifier.js';

/** The project's own corpus, the source of the shipped model and the base of every office's retrained one. */
export const CORPUS_PATH = fileURLToPath(new URL('../corpus/topics.csv', import.meta.url));

/**
 * Every term of a hand-written corpus counts: unlike an office's messages, its rows are few and
 * short, so a term found once is a deliberate example, not noise (README: figures).
 */
export const CORPUS_SETTINGS: Partial<TrainingSettings> = { vectorizer: { ...DEFAULT_TRAINING_SETTINGS.vectorizer, minDocumentFrequency: 1 } };
