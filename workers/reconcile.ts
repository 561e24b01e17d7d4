import type { WorkerDeps } from './deps.js';

const BATCH = 500;

/**
 * Puts back on the queues what Redis lost (a restart without persistence, a flushed queue):
 * confirmed submissions that have no case yet, and cases that were never routed. Both steps
 * are idempotent, so queueing something that is merely slow does no harm.
 */
export async function processReconcile(deps: WorkerDeps): Promise<{ submissions: number; cases: number }> {
  const { db, queues, config, log } = deps;
  const before = new Date(deps.now().getTime() - config.RECONCILE_AFTER_MS);
  const submissions = await db.submission.findMany({
    where: { case: null, createdAt: { lt: before } },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
    take: BATCH,
  });
  for (const { id } of submissions) {
    const job = await queues.intake.getJob(id);
    if (!job) await queues.intake.add('intake', { submissionId: id }, { jobId: id });
    else if (await job.isFailed()) await job.retry();
  }
  const unrouted = await db.case.findMany({
    where: { departmentId: null, createdAt: { lt: before } },
    select: { id: true },
    take: BATCH,
  });
  for (const { id } of unrouted) {
    const jobId = `route-${id}`;
    const job = await queues.route.getJob(jobId);
    if (!job || (await job.isCompleted())) {
      await job?.remove();
      await queues.route.add('route', { caseId: id }, { jobId });
    } else if (await job.isFailed()) await job.retry();
  }
  if (submissions.length || unrouted.length) {
    log.warn({ submissions: submissions.length, cases: unrouted.length }, 'reconciler queued work again');
  }
  return { submissions: submissions.length, cases: unrouted.length };
}
