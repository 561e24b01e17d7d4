import { UnrecoverableError } from 'bullmq';
import { assign, departmentFacts } from '../core/cases/assignment.js';
import { deadlineFor } from '../core/cases/deadlines.js';
import { queueNotifications } from '../core/cases/follow-up.js';
import { IllegalTransitionError, recordEvent } from '../core/cases/status-machine.js';
import type { WorkerDeps } from './deps.js';
import type { JobData } from '../core/queues.js';
import { resolveDepartment } from '../core/routing/resolve-department.js';

const ACTOR = 'system:route';

/**
 * Accepted case → responsible department and deadline. Only an accepted case that no department
 * holds yet (or that waits at the supervision office for triage) is routed, and the assignment is
 * a conditional status change, so a repeated job routes once. The resident is told of the
 * routing event with the event's id as key, so they hear of it once.
 */
export async function processRoute(deps: WorkerDeps, { caseId }: JobData<'route'>): Promise<void> {
  const { db, config, queues } = deps;
  const found = await db.case.findUnique({ where: { id: caseId }, include: { department: true } });
  if (!found) throw new UnrecoverableError(`case ${caseId} does not exist`);
  const waiting = found.status === 'accepted' && (!found.department || found.department.kind === 'supervision_office');
  if (!waiting) return;
  const department = await resolveDepartment(deps.sql, found);
  const at = deps.now();
  const routed =
    department.kind === 'supervision_office'
      ? db.$transaction(async (tx) => {
          // No rule applies: the supervision office triages by hand, once.
          const held = await tx.case.updateMany({ where: { id: caseId, status: 'accepted', departmentId: null }, data: { departmentId: department.id } });
          return held.count ? recordEvent(tx, found, { type: 'triage', actor: ACTOR, at, data: departmentFacts(department, null) }) : null;
        })
      : db.$transaction(async (tx) =>
          assign(tx, found, department, { actor: ACTOR, at, deadline: await deadlineFor(tx, config, found.priority, at) }),
        );
  const event = await routed.catch((err: unknown) => {
    // Another job routed it a moment ago and told the resident.
    if (err instanceof IllegalTransitionError) return null;
    throw err;
  });
  if (event) await queueNotifications(queues, [event]);
}
