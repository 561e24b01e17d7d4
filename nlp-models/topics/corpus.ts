import { fileURLToPath } from 'node:url';
import { DEFAULT_TRAINING_SETTINGS, type TrainingSettings } from './classifier.js';

/** The project's own corpus, the source of the shipped model and the base of every office's retrained one. */
export const CORPUS_PATH = fileURLToPath(new URL('../corpus/topics.csv', import.meta.url));

/**
 * How a model built on the corpus reads text, chosen on complaints-train's training part only (README:
 * the shipped default model). Every term of a hand-written corpus counts: its rows are few and
 * short, so a term found once is a deliberate example, not noise. Many rows have no title, so a
 * third space reads title and detail together: a word a corpus row has in its detail still counts
 * when an office's message has it in its title. Character 1–2-grams only: jieba words added nothing
 * for these short rows and cost most of the time per message.
 */
export const CORPUS_SETTINGS: Partial<TrainingSettings> = {
  vectorizer: {
    ...DEFAULT_TRAINING_SETTINGS.vectorizer,
    minDocumentFrequency: 1,
    words: false,
    spaces: [
      { key: 't', source: 'title', weight: 1 },
      { key: 'd', source: 'detail', weight: 1 },
      { key: 'a', source: 'all', weight: 1 },
    ],
  },
};
