/**
 * Staff corrections become training data (issue 16): topic models trained on the shipped corpus
 * plus the office's own cases, judged on the cases staff corrected last, kept in PostgreSQL, and
 * followed by every bot process through Redis pub/sub.
 */
import {
  CORPUS_PATH,
  CORPUS_SETTINGS,
  evaluate,
  loadLabelledCsv,
  loadTopicClassifier,
  partsOfText,
  topicClassifierFromJSON,
  trainTopicClassifierInThread,
  type Evaluation,
  type TopicClassifier,
  type TrainingExample,
} from '../../nlp-models/index.js';
import type { Clock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { Db, Prisma } from '../platform/db.js';
import type { Logger } from '../platform/log.js';
import { followChannel, type AppRedis } from '../platform/redis.js';

/** How many corrected cases, the most recent, make the evaluation set unless told otherwise. */
export const DEFAULT_EVALUATION_CASES = 200;
/** A correction is a person's deliberate answer: it counts as this many examples. */
const CORRECTION_WEIGHT = 3;
/** The most recent closed cases read: keeps training to seconds in a large office. */
const MAX_CLOSED_CASES = 5_000;

/** Where activations are announced; the message is the new model's id. */
export function topicModelChannel(redisPrefix: string): string {
  return `${redisPrefix}:nlp:topic-model`;
}

/** The classifier's labels are first-level topics; a case's topic may be "first/second". */
const firstLevel = (topic: string) => topic.split('/')[0]!;
const example = (description: string, topic: string): TrainingExample => ({ ...partsOfText(description), label: firstLevel(topic) });

export type TrainedOn = { corpus: number; cases: number; corrections: number; evaluation: number };

/**
 * The office's examples. Evaluation: the `last` cases whose topic staff corrected most recently,
 * labelled with the correction. Training: older corrected cases, and closed cases nobody corrected
 * (their topic stood to the end). Imported past cases are left out: their topic is the model's own
 * guess (npm run history:import), and learning from its own guesses makes a model worse.
 */
export async function officeExamples(db: Db, last: number): Promise<{ evaluation: TrainingExample[]; corrections: TrainingExample[]; cases: TrainingExample[] }> {
  const rows = await db.topicCorrection.findMany({ orderBy: [{ at: 'desc' }, { id: 'asc' }], select: { caseId: true, text: true, toTopic: true } });
  // A case corrected twice counts once, with its last correction.
  const latest = new Map<string, TrainingExample>();
  for (const r of rows) if (!latest.has(r.caseId)) latest.set(r.caseId, example(r.text, r.toTopic));
  const corrected = [...latest.values()];
  const closed = await db.case.findMany({
    where: { status: 'closed', topic: { not: null }, source: null, topicCorrections: { none: {} } },
    orderBy: { createdAt: 'desc' },
    take: MAX_CLOSED_CASES,
    select: { description: true, topic: true },
  });
  return { evaluation: corrected.slice(0, last), corrections: corrected.slice(last), cases: closed.map((c) => example(c.description, c.topic!)) };
}

/** A candidate trained on the corpus and the office's examples, the evaluation set left out. */
export async function trainFromDb(db: Db, last: number): Promise<{ classifier: TopicClassifier; evaluation: TrainingExample[]; trainedOn: TrainedOn }> {
  const { evaluation, corrections, cases } = await officeExamples(db, last);
  // The corpus keeps a small office's model from forgetting the topics it has seen few cases of.
  const { examples: corpus } = loadLabelledCsv(CORPUS_PATH);
  const weighted = corrections.flatMap((e) => Array<TrainingExample>(CORRECTION_WEIGHT).fill(e));
  const classifier = await trainTopicClassifierInThread([...corpus, ...cases, ...weighted], CORPUS_SETTINGS);
  return { classifier, evaluation, trainedOn: { corpus: corpus.length, cases: cases.length, corrections: corrections.length, evaluation: evaluation.length } };
}

/** The active model in the database, loaded; null when there is none. */
export async function loadActiveTopicModel(db: Db): Promise<{ id: string; classifier: TopicClassifier } | null> {
  const row = await db.topicModel.findFirst({ where: { active: true }, select: { id: true, modelJson: true } });
  return row?.modelJson ? { id: row.id, classifier: await topicClassifierFromJSON(JSON.parse(row.modelJson)) } : null;
}

/** What bots use now: the active model, else the model file of NLP_MODEL_PATH or the shipped one. */
export async function currentTopicClassifier(db: Db, config: Pick<Config, 'NLP_MODEL_PATH'>): Promise<TopicClassifier> {
  return (await loadActiveTopicModel(db))?.classifier ?? loadTopicClassifier(config.NLP_MODEL_PATH);
}

export type ModelFigures = Evaluation & { current: Evaluation };
export type Candidate = { classifier: TopicClassifier; figures: ModelFigures; trainedOn: TrainedOn; refusedReason: 'worse' | null };
export type RetrainDeps = { db: Db; redis: AppRedis; config: Config; now: Clock; log: Logger };
export type RetrainOutcome = Omit<Candidate, 'classifier'> & { id: string; active: boolean };

/** Trains a candidate and scores it and the current model on the same evaluation set; lower macro-F1: refused. */
export async function trainCandidate(db: Db, config: Pick<Config, 'NLP_MODEL_PATH'>, last: number): Promise<Candidate> {
  const { classifier, evaluation, trainedOn } = await trainFromDb(db, last);
  const current = evaluate(await currentTopicClassifier(db, config), evaluation);
  const figures: ModelFigures = { ...evaluate(classifier, evaluation), current };
  return { classifier, figures, trainedOn, refusedReason: figures.macroF1 < current.macroF1 ? 'worse' : null };
}

/**
 * Trains a candidate and records it: active (and announced to every bot process) unless it scores
 * worse than the current model, in which case it is refused with both figures and the current one stays.
 */
export async function retrainTopicModel(deps: RetrainDeps, opts: { createdBy: string; last: number }): Promise<RetrainOutcome> {
  const { db, config, log } = deps;
  const started = performance.now();
  const { classifier, ...candidate } = await trainCandidate(db, config, opts.last);
  const active = candidate.refusedReason === null;
  const data = {
    createdAt: deps.now(),
    createdBy: opts.createdBy,
    // A refused model is never used: its figures are kept, not its weights.
    modelJson: active ? JSON.stringify(classifier.toJSON()) : null,
    trainedOn: candidate.trainedOn as Prisma.InputJsonObject,
    figures: candidate.figures as unknown as Prisma.InputJsonObject,
    active,
    refusedReason: candidate.refusedReason,
  };
  const row = await db.$transaction(async (tx) => {
    if (active) await tx.topicModel.updateMany({ where: { active: true }, data: { active: false } });
    return tx.topicModel.create({ data, select: { id: true } });
  });
  if (active) await deps.redis.publish(topicModelChannel(config.REDIS_PREFIX), row.id);
  const { figures, trainedOn } = candidate;
  const seconds = Math.round(performance.now() - started) / 1000;
  log.info({ modelId: row.id, active, macroF1: figures.macroF1, currentMacroF1: figures.current.macroF1, trainedOn, seconds }, active ? 'retrained topic model active' : 'retrained topic model refused');
  return { id: row.id, active, ...candidate };
}

/**
 * Keeps a bot process on the active model: an activation announced on Redis, or one missed while
 * Redis was away (checked again on every reconnection), loads it from PostgreSQL and hands it to
 * `use`. Loads run one at a time, so the last activation wins.
 */
export async function followTopicModel(
  deps: { db: Db; redis: AppRedis; config: Config; log: Logger },
  loadedId: string | null,
  use: (classifier: TopicClassifier, id: string) => void,
): Promise<{ close(): Promise<void> }> {
  const { db, log } = deps;
  let current = loadedId;
  let loading = Promise.resolve();
  const check = () => {
    loading = loading
      .then(async () => {
        const active = await db.topicModel.findFirst({ where: { active: true }, select: { id: true } });
        if (!active || active.id === current) return;
        const loaded = await loadActiveTopicModel(db);
        if (!loaded) return;
        use(loaded.classifier, loaded.id);
        current = loaded.id;
        log.info({ modelId: loaded.id }, 'topic model loaded');
      })
      .catch((err: Error) => log.warn({ err: err.message }, 'could not load the active topic model'));
    return loading;
  };
  const followed = await followChannel(deps.redis, log, topicModelChannel(deps.config.REDIS_PREFIX), { message: () => void check(), reconnected: () => void check() });
  // An activation between loading at startup and subscribing is not missed.
  await check();
  return {
    async close() {
      await followed.close();
      await loading;
    },
  };
}
