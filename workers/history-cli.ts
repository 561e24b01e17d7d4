// npm run history:import -- <file.csv> [--limit N] [--source NAME] [--department CODE]:
// the office's past messages and their official replies, imported as closed cases (过往答复).
import { parseArgs } from 'node:util';
import { loadTopicClassifier } from '../nlp-models/index.js';
import { loadConfig } from '../core/platform/config.js';
import { createDb } from '../core/platform/db.js';
import { createLogger } from '../core/platform/log.js';
import { createSql } from '../core/platform/sql.js';
import { HISTORY_CSV_COLUMNS, importHistory, parseHistoryCsv } from './history-import.js';
import { readInput } from './read-input.js';

const USAGE = `usage: npm run history:import -- <file.csv> [--limit N] [--source NAME] [--department CODE] (columns ${HISTORY_CSV_COLUMNS.join(', ')})`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { limit: { type: 'string' }, source: { type: 'string', default: 'history' }, department: { type: 'string' } } });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals: [file], values } = parsed;
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  if (!file || !(limit >= 0) || !/^[\w.-]{1,40}$/.test(values.source)) {
    console.error(USAGE);
    return 2;
  }
  const text = await readInput(file);
  if (text === undefined) return 2;
  const config = loadConfig();
  const { rows, errors } = parseHistoryCsv(text, config.TIMEZONE);
  for (const e of errors) console.error(e.row ? `${file}: row ${e.row}: ${e.message} (not imported)` : `${file}: ${e.message}`);
  if (errors.some((e) => e.row === 0)) return 2;
  const db = createDb(config.DATABASE_URL);
  const sql = createSql(config.DATABASE_URL, createLogger(config.LOG_LEVEL));
  try {
    const started = performance.now();
    const classifier = await loadTopicClassifier(config.NLP_MODEL_PATH);
    const result = await importHistory(
      { db, sql, classifier, caseNumberPrefix: config.CASE_NUMBER_PREFIX, timeZone: config.TIMEZONE },
      rows.slice(0, limit),
      { source: values.source, departmentCode: values.department },
    );
    console.log(`imported ${result.imported} past cases from ${file} (source "${values.source}"); ${result.skipped} already imported, ${errors.length} row(s) without what a case needs; ${Math.round(performance.now() - started)} ms`);
    return 0;
  } finally {
    await Promise.all([db.$disconnect(), sql.end()]);
  }
}

process.exitCode = await main(process.argv.slice(2));
