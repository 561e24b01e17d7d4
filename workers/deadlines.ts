import type { Case, CaseEvent, CaseStatus } from '../core/platform/db.js';
import { CaseActionError, supervise } from '../core/cases/actions.js';
import { departmentFacts } from '../core/cases/assignment.js';
import { queueNotifications, queueRoute } from '../core/cases/follow-up.js';
import { IllegalTransitionError, recordEvent, transition } from '../core/cases/status-machine.js';
import type { WorkerDeps } from './deps.js';

const ACTOR = 'system:deadlines';
const BATCH = 500;
const HOUR = 3_600_000;
/** Statuses in which a department's deadline runs. */
const RUNNING: CaseStatus[] = ['assigned', 'in_progress', 'reopened'];

export type DeadlineRun = { reminded: number; overdue: number; supervised: number; closed: number; released: number };

/**
 * The periodic watch over deadlines (a repeatable job, run by one worker at a time): reminds the
 * department once before its deadline; marks a late case overdue and escalates it to the
 * supervision office; puts a case that stays overdue under supervision; closes resolved cases the
 * resident never rated; routes reports whose resident never sent the detail asked for. Every step
 * is a conditional update, so a second run at the same moment changes nothing.
 */
export async function processDeadlines(deps: WorkerDeps): Promise<DeadlineRun> {
  const { db, config } = deps;
  const now = deps.now();
  const office = await db.department.findFirst({ where: { kind: 'supervision_office' }, orderBy: { code: 'asc' } });
  const notify: CaseEvent[] = [];

  // Each case in its own transaction: one bad row must not hold up the others.
  const each = async (cases: Case[], work: (c: Case) => Promise<CaseEvent | null>) => {
    let count = 0;
    for (const c of cases) {
      const event = await work(c).catch((err: unknown) => {
        // Someone acted on it meanwhile.
        if (err instanceof IllegalTransitionError || err instanceof CaseActionError) return null;
        throw err;
      });
      if (event) count++;
    }
    return count;
  };

  const reminded = await each(
    await db.case.findMany({
      where: { status: { in: RUNNING }, remindedAt: null, deadline: { gt: now, lte: new Date(now.getTime() + config.DEADLINE_REMIND_HOURS * HOUR) } },
      take: BATCH,
    }),
    (c) =>
      db.$transaction(async (tx) => {
        const marked = await tx.case.updateMany({ where: { id: c.id, remindedAt: null }, data: { remindedAt: now } });
        return marked.count ? recordEvent(tx, c, { type: 'deadline_reminder', actor: ACTOR, at: now, data: { deadline: c.deadline!.toISOString() } }) : null;
      }),
  );

  const overdue = await each(
    await db.case.findMany({ where: { status: { in: RUNNING }, overdueAt: null, deadline: { lt: now } }, take: BATCH }),
    (c) =>
      db.$transaction(async (tx) => {
        const marked = await tx.case.updateMany({ where: { id: c.id, overdueAt: null, status: { in: RUNNING } }, data: { overdueAt: now } });
        if (!marked.count) return null;
        const escalatedTo = office ? departmentFacts(office, null) : {};
        return recordEvent(tx, c, { type: 'overdue', actor: ACTOR, at: now, data: { deadline: c.deadline!.toISOString(), escalatedTo } });
      }),
  );

  const supervised = await each(
    await db.case.findMany({
      where: { status: { in: RUNNING }, supervisedAt: null, overdueAt: { lte: new Date(now.getTime() - config.SUPERVISE_AFTER_OVERDUE_HOURS * HOUR) } },
      take: BATCH,
    }),
    async (c) => {
      const event = await db.$transaction((tx) => supervise(tx, c, { actor: ACTOR, at: now }));
      notify.push(event);
      return event;
    },
  );

  const closed = await each(
    await db.case.findMany({
      where: { status: 'resolved', satisfaction: null, resolvedAt: { lte: new Date(now.getTime() - config.SATISFACTION_WAIT_HOURS * HOUR) } },
      take: BATCH,
    }),
    async (c) => {
      const event = await db.$transaction((tx) => transition(tx, c, { to: 'closed', actor: ACTOR, at: now, data: { satisfaction: null } }));
      notify.push(event);
      return event;
    },
  );

  const released = await each(
    await db.case.findMany({
      where: { status: 'needs_info', updatedAt: { lte: new Date(now.getTime() - config.NEEDS_INFO_WAIT_HOURS * HOUR) } },
      take: BATCH,
    }),
    async (c) => {
      // Nothing confirmed is dropped: without the detail the case goes on with what it has.
      const event = await db.$transaction((tx) => transition(tx, c, { to: 'accepted', actor: ACTOR, at: now, data: { withoutInfo: true } }));
      await queueRoute(deps.queues, c.id, event);
      return event;
    },
  );

  await queueNotifications(deps.queues, notify);
  const run = { reminded, overdue, supervised, closed, released };
  if (Object.values(run).some(Boolean)) deps.log.info(run, 'deadline job acted');
  return run;
}
