import type { CaseEvent } from '../platform/db.js';
import type { Queues } from '../queues.js';

/**
 * After a change is committed: the resident hears of each event (the notify worker decides
 * which ones they are told of). The job id is the event's, so a repeat queues nothing new.
 */
export async function queueNotifications(queues: Pick<Queues, 'notify'>, events: Pick<CaseEvent, 'id'>[]): Promise<void> {
  if (events.length) await queues.notify.addBulk(events.map((e) => ({ name: 'notify', data: { eventId: e.id }, opts: { jobId: `notify-${e.id}` } })));
}

/** Routing after an acceptance; keyed by the acceptance event, so a case accepted again is routed again. */
export async function queueRoute(queues: Pick<Queues, 'route'>, caseId: string, acceptedBy: Pick<CaseEvent, 'id'>): Promise<void> {
  await queues.route.add('route', { caseId }, { jobId: `route-${caseId}-${acceptedBy.id}` });
}
