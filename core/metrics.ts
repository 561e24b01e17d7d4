import type { Queue } from 'bullmq';
import { eventOfKey } from './deliveries.js';
import type { Db } from './platform/db.js';
import type { Metrics } from './platform/metrics.js';
import type { Queryable } from './platform/sql.js';

/** Statuses whose cases are still being handled; closed and rejected only grow (the figures count them). */
const OPEN_STATUSES = ['received', 'accepted', 'needs_info', 'assigned', 'in_progress', 'resolved', 'reopened'] as const;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
/** The workers whose events are the messages a filing produces: the case number, its routing or screening. */
const FILING_ACTORS = ['system:intake', 'system:route'];

/**
 * The gauges read at each scrape: jobs per queue and state (Redis), open cases by status and
 * conversations waiting for or held by staff (PostgreSQL, counted on indexed status columns).
 * They describe the whole deployment, whichever process is scraped.
 */
export function collectBacklog(metrics: Metrics, deps: { db: Db; queues: Queue[] }): void {
  const { db, queues } = deps;
  metrics.gaugeOnScrape('tingmin_queue_jobs', 'Jobs in each queue by state', ['queue', 'state'], async (gauge) => {
    const counts = await Promise.all(queues.map((q) => q.getJobCounts(...QUEUE_STATES)));
    queues.forEach((q, i) => QUEUE_STATES.forEach((state) => gauge.set({ queue: q.name, state }, counts[i]![state] ?? 0)));
  });
  metrics.gaugeOnScrape('tingmin_cases_open', 'Open cases by status', ['status'], async (gauge) => {
    const rows = await db.case.groupBy({ by: ['status'], where: { status: { in: [...OPEN_STATUSES] } }, _count: { _all: true } });
    const counted = new Map(rows.map((r) => [r.status, r._count._all]));
    for (const status of OPEN_STATUSES) gauge.set({ status }, counted.get(status) ?? 0);
  });
  metrics.gaugeOnScrape('tingmin_handoffs', 'Conversations waiting for staff (the handoff queue) or held by staff', ['status'], async (gauge) => {
    const rows = await db.handoff.groupBy({ by: ['status'], where: { status: { in: ['waiting', 'held'] } }, _count: { _all: true } });
    const counted = new Map(rows.map((r) => [r.status, r._count._all]));
    for (const status of ['waiting', 'held'] as const) gauge.set({ status }, counted.get(status) ?? 0);
  });
}

/**
 * After a channel accepted a message: when it is one the filing produced, how long after the
 * resident's confirm (the Submission's time) it got there.
 */
export async function observeNotificationLag(sql: Queryable, metrics: Metrics, key: string, deliveredAt: Date): Promise<void> {
  const eventId = eventOfKey(key);
  if (!eventId) return;
  const { rows } = await sql.query<{ filedAt: Date }>(
    `SELECT s."createdAt" AT TIME ZONE 'UTC' AS "filedAt" FROM "CaseEvent" e JOIN "Case" c ON c."id" = e."caseId" JOIN "Submission" s ON s."id" = c."submissionId"
     WHERE e."id" = $1::uuid AND e."actor" = ANY($2::text[])`,
    [eventId, FILING_ACTORS],
  );
  const filedAt = rows[0]?.filedAt;
  if (filedAt) metrics.notificationLagSeconds.observe(Math.max(0, deliveredAt.getTime() - filedAt.getTime()) / 1000);
}
