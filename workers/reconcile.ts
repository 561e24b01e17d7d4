import type { Queue } from 'bullmq';
import { alertJobId, alertKey } from '../core/alerts/alerts.js';
import { giveUpDelivery } from '../core/cases/unreachable.js';
import { deliveryKey, nextAttemptAt } from '../core/deliveries.js';
import type { WorkerDeps } from './deps.js';
import { NOTIFIED_EVENTS, SILENT_ACTORS, SILENT_EVENTS } from './notify.js';
import { outboundSchema } from '../core/queues.js';

const ACTOR = 'system:reconcile';
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
 * Sends again the messages no channel accepted yet. A message whose job Redis lost is queued
 * again at once; one whose job gave up (the channel was down longer than the job's own retries)
 * when its time for another try has come. Each try is claimed with a conditional update, so two
 * reconcilers do not both count it; the intervals grow to a day and then stay there until the
 * message is given up (giveUpDelivery). Returns how many it queued and how many it gave up.
 */
async function resendUndelivered(deps: WorkerDeps, now: Date, before: Date): Promise<{ deliveries: number; givenUp: number }> {
  const { db, outbound, config } = deps;
  const giveUpBefore = new Date(now.getTime() - config.DELIVERY_GIVE_UP_HOURS * 3_600_000);
  const due = await db.delivery.findMany({
    where: { deliveredAt: null, gaveUpAt: null, OR: [{ nextAttemptAt: { lte: now } }, { createdAt: { lt: before } }] },
    include: { conversation: { include: { resident: true } } },
    orderBy: { nextAttemptAt: 'asc' },
    take: BATCH,
  });
  let count = 0;
  let givenUp = 0;
  for (const delivery of due) {
    const { channel, externalId } = delivery.conversation.resident;
    // A resident who blocked the bot or unfollowed the account would be sent it daily for ever.
    if (delivery.createdAt <= giveUpBefore) {
      if (await giveUpDelivery(deps, { key: delivery.key, channel, reason: 'late', actor: ACTOR }, now)) givenUp++;
      continue;
    }
    const job = outboundSchema.parse({
      key: delivery.key,
      conversationId: delivery.conversationId,
      recipient: externalId,
      replies: delivery.replies,
      author: delivery.author ?? undefined,
    });
    if (delivery.nextAttemptAt > now) {
      // Not due for another try: only a job that Redis lost is put back.
      if (await outbound[channel].getJob(delivery.key)) continue;
      await outbound[channel].add('deliver', job, { jobId: delivery.key });
      count++;
      continue;
    }
    const claimed = await db.delivery.updateMany({
      where: { key: delivery.key, attempts: delivery.attempts, deliveredAt: null },
      data: { attempts: delivery.attempts + 1, nextAttemptAt: nextAttemptAt(now, delivery.attempts + 1) },
    });
    if (!claimed.count) continue;
    if (await requeue(outbound[channel], job, delivery.key)) count++;
  }
  return { deliveries: count, givenUp };
}

/**
 * Queues again the alerts of events whose alert job never recorded who is told: Redis lost the
 * job (or the notify job before it), or queueing it failed after the commit. Such an event is
 * still marked `alertDue` (written with it, cleared by the job once the AlertDelivery rows are
 * written or no one is to be told), so an event with nobody to tell is queued again at most once.
 * The job id is the event's: a job still waiting is left alone. Returns how many it queued.
 */
async function requeueUnrecordedAlerts(deps: WorkerDeps, before: Date): Promise<number> {
  const due = await deps.db.caseEvent.findMany({ where: { alertDue: true, at: { lt: before } }, select: { id: true }, orderBy: { at: 'asc' }, take: BATCH });
  return requeueAll(deps.queues.alerts, due.map(({ id }) => ({ data: { eventId: id }, jobId: alertJobId(id) })));
}

/**
 * Puts back on the queues what Redis lost (a restart without persistence, a flushed queue) or
 * what failed for longer than a job retries: confirmed submissions that have no case yet, cases
 * that were never routed, events the resident should have heard of whose message was never
 * queued, messages no channel accepted yet, alerts whose job never ran (requeueUnrecordedAlerts),
 * and alerts some department contact has not accepted yet (their AlertDelivery rows are pending;
 * the alert job sends only to those, so nobody gets one twice). Every step is idempotent, so
 * queueing something that is merely slow does no harm. Returns what it queued, and how many
 * messages it gave up.
 */
export async function processReconcile(
  deps: WorkerDeps,
): Promise<{ submissions: number; cases: number; notifications: number; deliveries: number; givenUp: number; alerts: number; unrecordedAlerts: number }> {
  const { db, queues, config, log } = deps;
  const now = deps.now();
  const before = new Date(now.getTime() - config.RECONCILE_AFTER_MS);
  const submissions = await db.submission.findMany({
    where: { case: null, createdAt: { lt: before } },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
    take: BATCH,
  });

  const unrouted = await db.case.findMany({ where: { status: 'accepted', departmentId: null, createdAt: { lt: before } }, select: { id: true }, take: BATCH });

  // The notify job records the message as a Delivery under the event's key; without one it never ran.
  const unqueued = await db.$queryRaw<{ id: string }[]>`
    SELECT e."id" FROM "CaseEvent" e
    WHERE e."type" = ANY(${NOTIFIED_EVENTS}) AND e."at" < ${before}
      AND NOT e."actor" = ANY(${SILENT_ACTORS}) AND NOT (e."actor" || ':' || e."type") = ANY(${SILENT_EVENTS})
      AND (e."data"->>'quiet') IS DISTINCT FROM 'true'
      AND NOT EXISTS (SELECT 1 FROM "Delivery" d WHERE d."key" = ${deliveryKey.event('')} || e."id")
    LIMIT ${BATCH}`;

  // A digest's rows are sent again by the hourly digest job for the same day; an event's need its job.
  const pendingAlerts = await db.alertDelivery.findMany({
    where: { deliveredAt: null, createdAt: { lt: before }, key: { startsWith: alertKey.event('') } },
    select: { key: true },
    distinct: ['key'],
    take: BATCH,
  });

  const counts = {
    submissions: await requeueAll(queues.intake, submissions.map(({ id }) => ({ data: { submissionId: id }, jobId: id }))),
    cases: await requeueAll(queues.route, unrouted.map(({ id }) => ({ data: { caseId: id }, jobId: `route-${id}` }))),
    notifications: await requeueAll(queues.notify, unqueued.map(({ id }) => ({ data: { eventId: id }, jobId: `notify-${id}` }))),
    ...(await resendUndelivered(deps, now, before)),
    alerts: await requeueAll(
      queues.alerts,
      pendingAlerts.map(({ key }) => key.slice(alertKey.event('').length)).map((eventId) => ({ data: { eventId }, jobId: alertJobId(eventId) })),
    ),
    unrecordedAlerts: await requeueUnrecordedAlerts(deps, before),
  };
  if (Object.values(counts).some(Boolean)) log.warn(counts, 'reconciler queued work again or gave it up');
  return counts;
}
