import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Real residents' messages for tests that must hold on them: the shared office data
 * (../shared/data/complaints-train.csv, read where it is, never copied) when this checkout sits
 * beside it, else the project's own corpus in the same columns, so a checkout elsewhere still runs
 * the same assertions.
 */
export function residentMessagesCsv(): string {
  const shared = fileURLToPath(new URL('../../../shared/data/complaints-train.csv', import.meta.url));
  return existsSync(shared) ? shared : fileURLToPath(new URL('../../nlp-models/corpus/topics.csv', import.meta.url));
}
