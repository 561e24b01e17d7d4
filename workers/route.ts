import { UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from './deps.js';
import type { JobData } from './queues.js';
import { resolveDepartment } from './routing/resolve-department.js';
import { addWorkingDays } from './routing/working-days.js';

const ROUTING_EVENTS = ['assigned', 'triage'];

/**
 * Case → responsible department and deadline. The assignment is a conditional update inside the
 * transaction that writes its event, so a repeated job routes once; the notification is queued
 * every time with the event's id as key, so it is sent once.
 */
export async function processRoute(deps: WorkerDeps, { caseId }: JobData<'route'>): Promise<void> {
  const { db, config, queues } = deps;
  const found = await db.case.findUnique({ where: { id: caseId } });
  if (!found) throw new UnrecoverableError(`case ${caseId} does not exist`);
  const department = await resolveDepartment(db, found);
  const triage = department.kind === 'supervision_office';
  const days = { urgent: config.DEADLINE_DAYS_URGENT, high: config.DEADLINE_DAYS_HIGH, normal: config.DEADLINE_DAYS_NORMAL }[found.priority];
  const deadline = triage ? null : addWorkingDays(deps.now(), days, config.TIMEZONE);

  const event = await db.$transaction(async (tx) => {
    const claimed = await tx.case.updateMany({
      where: { id: caseId, departmentId: null },
      data: { departmentId: department.id, deadline, ...(triage ? {} : { status: 'assigned' }) },
    });
    if (claimed.count === 0) {
      return tx.caseEvent.findFirst({ where: { caseId, type: { in: ROUTING_EVENTS } }, orderBy: { at: 'asc' } });
    }
    return tx.caseEvent.create({
      data: {
        caseId,
        type: triage ? 'triage' : 'assigned',
        actor: 'system:route',
        data: {
          number: found.number,
          departmentCode: department.code,
          departmentName: department.name,
          departmentNameEn: department.nameEn,
          deadline: deadline?.toISOString() ?? null,
        },
      },
    });
  });
  if (event) await queues.notify.add('notify', { eventId: event.id }, { jobId: `notify-${event.id}` });
}
