import { Worker, type Processor, type Queue } from 'bullmq';
import { loadSegmenter } from '../nlp-models/topics/segmenter.js';
import type { Redis as IORedis } from 'ioredis';
import { processAlertBatch, processAlerts } from './alerts.js';
import { processDeadlines } from './deadlines.js';
import { logErrors } from '../core/platform/redis.js';
import type { WorkerDeps } from './deps.js';
import { processHandoffs } from './handoffs.js';
import { batched } from './batch.js';
import { processIntakeBatch } from './intake.js';
import { processNotifyBatch } from './notify.js';
import { bullPrefix, jobSchemas, type JobData, type QueueName } from '../core/queues.js';
import { processReconcile } from './reconcile.js';
import { processRoute } from './route.js';
import { retrainTopicModel } from '../core/nlp/topic-models.js';
import { deleteIdleWebchatTokens } from '../core/webchat-tokens.js';

type Processors = { [N in QueueName]: (deps: WorkerDeps, data: JobData<N>) => Promise<unknown> };

/** One processor per queue; intake and notifications are written a batch at a time (batch.ts). */
function processorsFor(deps: WorkerDeps): Processors {
  const size = deps.config.WORKER_BATCH_SIZE;
  const intake = batched((ids: string[]) => processIntakeBatch(deps, ids), size);
  const notify = batched((ids: string[]) => processNotifyBatch(deps, ids), size);
  const alert = batched((ids: string[]) => processAlertBatch(deps, ids), size);
  return {
    intake: (_, { submissionId }) => intake(submissionId),
    route: processRoute,
    notify: (_, { eventId }) => notify(eventId),
    maintenance: async (deps) => ({ ...(await processReconcile(deps)), idleWebchatTokens: await deleteIdleWebchatTokens(deps) }),
    deadlines: (deps) => processDeadlines(deps),
    handoffs: (deps) => processHandoffs(deps),
    // An event's alert joins a batch; the daily digests (no event) run on their own.
    alerts: (deps, data) => (data.eventId ? alert(data.eventId) : processAlerts(deps, data)),
    'nlp-train': (deps, data) => retrainTopicModel(deps, data),
  };
}

/** Batched queues hold a batch being written and the next one filling. */
const BATCHED: ReadonlySet<QueueName> = new Set(['intake', 'notify', 'alerts']);
/** Training takes the CPU for seconds: one at a time per process (the console also lets only one wait). */
const ONE_AT_A_TIME: ReadonlySet<QueueName> = new Set(['nlp-train']);

export type Workers = { close(): Promise<void> };

/** Starts a worker for every queue; `close` lets running jobs finish, then disconnects. */
export async function startWorkers(deps: WorkerDeps, connection: IORedis): Promise<Workers> {
  const { config, log } = deps;
  // The word segmenter's dictionary loads in seconds: before taking jobs, not inside the first intake batch.
  loadSegmenter();
  const processors = processorsFor(deps);
  const workers = (Object.keys(processors) as QueueName[]).map((name) => {
    const processor: Processor = (job) => processors[name](deps, jobSchemas[name].parse(job.data) as never);
    const worker = new Worker(name, processor, {
      connection,
      prefix: bullPrefix(config.REDIS_PREFIX),
      concurrency: BATCHED.has(name) ? 2 * config.WORKER_BATCH_SIZE : ONE_AT_A_TIME.has(name) ? 1 : config.WORKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: config.WORKER_LOCK_MS,
    });
    worker.on('failed', (job, err) => {
      log.warn({ queue: name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed');
      deps.metrics.jobEnded(name, job, 'failed');
    });
    worker.on('completed', (job) => deps.metrics.jobEnded(name, job, 'completed'));
    return logErrors(worker, log, `worker:${name}`);
  });
  await ensureSchedules(deps);
  // The schedules live only in Redis: a Redis restarted empty loses them. Every worker process
  // puts them back when its connection comes back, and every so often for any other loss.
  const reschedule = () => void ensureSchedules(deps).catch((err: Error) => log.warn({ err: err.message }, 'could not check the schedules'));
  connection.on('ready', reschedule);
  const timer = setInterval(reschedule, Math.min(config.RECONCILE_INTERVAL_MS, SCHEDULE_CHECK_MS));
  log.info({ queues: Object.keys(processors) }, 'workers started');
  return {
    close: async () => {
      clearInterval(timer);
      connection.off('ready', reschedule);
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

/** The longest a lost schedule stays lost. */
const SCHEDULE_CHECK_MS = 60_000;

/** Creates each periodic job's schedule that is missing; idempotent, so any number of processes may run it. */
export async function ensureSchedules(deps: WorkerDeps): Promise<string[]> {
  const { queues, config, log } = deps;
  const schedules = [
    { queue: queues.maintenance, id: 'reconcile', every: config.RECONCILE_INTERVAL_MS },
    { queue: queues.deadlines, id: 'deadlines', every: config.DEADLINE_CHECK_INTERVAL_MS },
    { queue: queues.handoffs, id: 'handoffs', every: config.HANDOFF_CHECK_INTERVAL_MS },
    // The daily digests: looked at every hour, sent once a day after ALERT_DIGEST_HOUR.
    { queue: queues.alerts, id: 'digest', every: 3_600_000 },
  ] as const;
  const created: string[] = [];
  for (const { queue, id, every } of schedules) {
    if (await (queue as Queue).getJobScheduler(id)) continue;
    await (queue as Queue).upsertJobScheduler(id, { every }, { name: id, data: {} });
    created.push(id);
  }
  if (created.length) log.info({ schedules: created }, 'scheduled periodic jobs');
  return created;
}
