// npm run nlp:train -- --from-db [--last N] [--activate] [--out model.json]
// npm run nlp:eval -- --from-db [--last N]
// Without --from-db these are nlp-models' own commands on CSV files: nlp-models knows no database,
// so the database side lives here and hands the rest over.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { evaluate, evaluationTable, saveTopicClassifier, type Evaluation } from '../nlp-models/index.js';
import { currentTopicClassifier, DEFAULT_EVALUATION_CASES, officeExamples, retrainTopicModel, trainCandidate, type TrainedOn } from '../core/nlp/topic-models.js';
import { systemClock } from '../core/platform/clock.js';
import { loadConfig } from '../core/platform/config.js';
import { createDb } from '../core/platform/db.js';
import { createLogger } from '../core/platform/log.js';
import { connectAppRedis } from '../core/platform/redis.js';

const USAGE = {
  train: 'usage: npm run nlp:train -- --from-db [--last N] [--activate] [--out <model path>]',
  eval: 'usage: npm run nlp:eval -- --from-db [--last N]',
};

function fail(message: string, usage: string): never {
  process.stderr.write(`error: ${message}\n${usage}\n`);
  process.exit(2);
}

const print = (heading: string, result: Evaluation) => console.log([heading, ...evaluationTable(result)].join('\n'));
const trainedOnText = (t: TrainedOn) =>
  `trained on ${t.corpus} corpus examples, ${t.cases} closed cases and ${t.corrections} corrected cases; evaluated on the last ${t.evaluation} corrected cases`;

async function fromDb(mode: 'train' | 'eval', argv: string[]): Promise<void> {
  const usage = USAGE[mode];
  let options: { last?: string; activate?: boolean; out?: string };
  try {
    const flags = { 'from-db': { type: 'boolean' }, last: { type: 'string' } } as const;
    const more = { activate: { type: 'boolean' }, out: { type: 'string' } } as const;
    options = parseArgs({ args: argv, options: mode === 'train' ? { ...flags, ...more } : flags, strict: true, allowPositionals: false }).values;
  } catch (err) {
    fail((err as Error).message, usage);
  }
  const last = z.coerce.number().int().min(1).max(100_000).default(DEFAULT_EVALUATION_CASES).safeParse(options.last);
  if (!last.success) fail('--last must be a whole number from 1 to 100000', usage);

  const config = loadConfig();
  const db = createDb(config.DATABASE_URL);
  try {
    if (mode === 'eval') {
      const { evaluation } = await officeExamples(db, last.data);
      if (!evaluation.length) fail('no corrected cases in the database yet', usage);
      print(`current model, the last ${evaluation.length} corrected cases`, evaluate(await currentTopicClassifier(db, config), evaluation));
      return;
    }
    if (options.activate) {
      const log = createLogger(config.LOG_LEVEL, process.stderr);
      const redis = await connectAppRedis(config.REDIS_URL, log);
      try {
        const outcome = await retrainTopicModel({ db, redis, config, now: systemClock, log }, { createdBy: 'cli', last: last.data });
        console.log(trainedOnText(outcome.trainedOn));
        print('new model', outcome.figures);
        console.log(`current model macro-F1 ${(100 * outcome.figures.current.macroF1).toFixed(1)}%`);
        console.log(outcome.active ? `model ${outcome.id} is active; every bot process loads it` : `model ${outcome.id} refused: it scores worse than the current one`);
      } finally {
        await redis.quit();
      }
      return;
    }
    const candidate = await trainCandidate(db, config, last.data);
    console.log(trainedOnText(candidate.trainedOn));
    print('new model', candidate.figures);
    console.log(`current model macro-F1 ${(100 * candidate.figures.current.macroF1).toFixed(1)}%`);
    if (options.out) await saveTopicClassifier(candidate.classifier, options.out);
    console.log(`${candidate.refusedReason ? 'worse than' : 'as good as or better than'} the current model; not activated (--activate records and activates it)`);
  } finally {
    await db.$disconnect();
  }
}

const [command, ...args] = process.argv.slice(2);

if (!args.includes('--from-db')) {
  // The CSV commands read their options from process.argv.
  process.argv.splice(2, 1);
  await (command === 'eval' ? import('../nlp-models/cli/eval.js') : import('../nlp-models/cli/train.js'));
} else {
  await fromDb(command === 'eval' ? 'eval' : 'train', args);
}
