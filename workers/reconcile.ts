import type { Queue } from 'bullmq';
import type { WorkerDeps } from './deps.js';
import { deliveryKey, NOTIFIED_EVENTS, SILENT_ACTORS, SILENT_EVENTS } from './notify.js';

const BATCH = 500;

/** Queues a job again unless it is waiting or running (a failed one is retried); true if it did. */
async function requeue<D>(queue: Queue<D>, data: D, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (job && (await job.isFailed())) {
    await job.retry();
    return true;
  }
  if (job && !(await job.isCompleted())) return false;
  await job?.remove();
  // Every queue's jobs carry the queue's name.
  await (queue as unknown as Queue).add(queue.name, data, { jobId });
  return true;
}

async function requeueAll<D>(queue: Queue<D>, jobs: { data: D; jobId: string }[]): Promise<number> {
  let count = 0;
  for (const { data, jobId } of jobs) if (await requeue(queue, data, jobId)) count++;
  return count;
}

/**
 * Puts back on the queues what Redis lost (a restart without persistence, a flushed queue):
 * confirmed submissions that have no case yet, cases that were never routed, and events the
 * resident should have heard of but whose message was never delivered. Every step is
 * idempotent, so queueing something that is merely slow does no harm. Returns what it queued.
 */
export async function processReconcile(deps: WorkerDeps): Promise<{ submissions: number; cases: number; notifications: number }> {
  const { db, queues, config, log } = deps;
  const before = new Date(deps.now().getTime() - config.RECONCILE_AFTER_MS);
  const submissions = await db.submission.findMany({
    where: { case: null, createdAt: { lt: before } },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
    take: BATCH,
  });

  const unrouted = await db.case.findMany({ where: { status: 'accepted', departmentId: null, createdAt: { lt: before } }, select: { id: true }, take: BATCH });

  // A delivered message is in the log under its delivery key (see the channel's outbound worker).
  const undelivered = await db.$queryRaw<{ id: string }[]>`
    SELECT e."id" FROM "CaseEvent" e
    WHERE e."type" = ANY(${NOTIFIED_EVENTS}) AND e."at" < ${before}
      AND NOT e."actor" = ANY(${SILENT_ACTORS}) AND NOT (e."actor" || ':' || e."type") = ANY(${SILENT_EVENTS})
      AND NOT EXISTS (SELECT 1 FROM "Message" m WHERE m."externalId" = ${deliveryKey('')} || e."id" || '#0')
    LIMIT ${BATCH}`;

  const counts = {
    submissions: await requeueAll(queues.intake, submissions.map(({ id }) => ({ data: { submissionId: id }, jobId: id }))),
    cases: await requeueAll(queues.route, unrouted.map(({ id }) => ({ data: { caseId: id }, jobId: `route-${id}` }))),
    notifications: await requeueAll(queues.notify, undelivered.map(({ id }) => ({ data: { eventId: id }, jobId: `notify-${id}` }))),
  };
  if (counts.submissions || counts.cases || counts.notifications) log.warn(counts, 'reconciler queued work again');
  return counts;
}
