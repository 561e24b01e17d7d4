// npm run faq:import -- <file.csv>: replaces the office's FAQ with the file's entries.
import { FAQ_CSV_COLUMNS, Faq } from '../core/faq/faq.js';
import { systemClock } from '../core/platform/clock.js';
import { loadConfig } from '../core/platform/config.js';
import { createDb } from '../core/platform/db.js';
import { createLogger } from '../core/platform/log.js';
import { connectAppRedis } from '../core/platform/redis.js';
import { readInput } from './read-input.js';

async function main([file]: string[]): Promise<number> {
  if (!file) {
    console.error(`usage: faq:import -- <file.csv> (columns ${FAQ_CSV_COLUMNS.join(', ')}; the last two optional)`);
    return 2;
  }
  const text = await readInput(file);
  if (text === undefined) return 2;
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL);
  const redis = await connectAppRedis(config.REDIS_URL, createLogger(config.LOG_LEVEL));
  try {
    const faq = new Faq(db, redis, config.REDIS_PREFIX, systemClock, config.FAQ_MATCH_THRESHOLD);
    const { imported, errors } = await faq.importCsv(text);
    for (const e of errors) console.error(e.row ? `${file}: row ${e.row}: ${e.message}` : `${file}: ${e.message}`);
    if (errors.length) {
      console.error(`${errors.length} error(s); the FAQ was not changed`);
      return 2;
    }
    console.log(`imported ${imported} FAQ entries (the previous FAQ was replaced)`);
    return 0;
  } finally {
    await Promise.all([db.$disconnect(), redis.quit()]);
  }
}

process.exitCode = await main(process.argv.slice(2));
