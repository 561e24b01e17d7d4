import { Worker, type Processor } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import { processDeadlines } from './deadlines.js';
import type { WorkerDeps } from './deps.js';
import { processHandoffs } from './handoffs.js';
import { processIntake } from './intake.js';
import { processNotify } from './notify.js';
import { bullPrefix, jobSchemas, type JobData, type QueueName } from './queues.js';
import { processReconcile } from './reconcile.js';
import { processRoute } from './route.js';

type Processors = { [N in QueueName]: (deps: WorkerDeps, data: JobData<N>) => Promise<unknown> };

/** One processor per queue. */
const processors: Processors = {
  intake: processIntake,
  route: processRoute,
  notify: processNotify,
  maintenance: (deps) => processReconcile(deps),
  deadlines: (deps) => processDeadlines(deps),
  handoffs: (deps) => processHandoffs(deps),
};

export type Workers = { close(): Promise<void> };

/** Starts a worker for every queue; `close` lets running jobs finish, then disconnects. */
export async function startWorkers(deps: WorkerDeps, connection: IORedis): Promise<Workers> {
  const { config, log } = deps;
  const workers = (Object.keys(processors) as QueueName[]).map((name) => {
    const processor: Processor = (job) => processors[name](deps, jobSchemas[name].parse(job.data) as never);
    const worker = new Worker(name, processor, {
      connection,
      prefix: bullPrefix(config.REDIS_PREFIX),
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: config.WORKER_LOCK_MS,
    });
    worker.on('failed', (job, err) =>
      log.warn({ queue: name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
    );
    worker.on('error', (err) => log.error({ queue: name, err: err.message }, 'worker error'));
    return worker;
  });
  await deps.queues.maintenance.upsertJobScheduler('reconcile', { every: config.RECONCILE_INTERVAL_MS }, { name: 'reconcile', data: {} });
  await deps.queues.deadlines.upsertJobScheduler('deadlines', { every: config.DEADLINE_CHECK_INTERVAL_MS }, { name: 'deadlines', data: {} });
  await deps.queues.handoffs.upsertJobScheduler('handoffs', { every: config.HANDOFF_CHECK_INTERVAL_MS }, { name: 'handoffs', data: {} });
  log.info({ queues: Object.keys(processors) }, 'workers started');
  return { close: async () => void (await Promise.all(workers.map((w) => w.close()))) };
}
