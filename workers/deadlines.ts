import type { Config } from '../core/platform/config.js';
import type { Case, CaseEvent, CaseStatus, Department, Prisma } from '../core/platform/db.js';
import { CaseActionError, supervise } from '../core/cases/actions.js';
import { departmentFacts } from '../core/cases/assignment.js';
import { loadCalendar } from '../core/cases/deadlines.js';
import { queueNotifications, queueRoute } from '../core/cases/follow-up.js';
import { IllegalTransitionError, recordEvent, transition } from '../core/cases/status-machine.js';
import { addWorkingDays } from '../core/routing/working-days.js';
import type { WorkerDeps } from './deps.js';

const ACTOR = 'system:deadlines';
const BATCH = 500;
const HOUR = 3_600_000;
/**
 * Statuses in which a department's deadline runs. Not in_review: the supervision office holds the
 * answer, so the department is neither reminded nor marked late meanwhile; a returned case is
 * judged by its deadline again (the office is reminded of a review that waits instead).
 */
const RUNNING: CaseStatus[] = ['assigned', 'in_progress', 'reopened'];

export type DeadlineRun = { reminded: number; overdue: number; supervised: number; closed: number; released: number; reviewReminded: number };

type Run = { deps: WorkerDeps; now: Date; office: Department | null; notify: CaseEvent[] };

/** One thing the deadline job watches for: which cases are due, and what it does to one of them. */
type Watch = {
  due: (now: Date, config: Config) => Prisma.CaseWhereInput;
  /** In the case's own transaction; null when someone acted first. */
  act: (c: Case, run: Run) => Promise<CaseEvent | null>;
};

const later = (now: Date, hours: number) => new Date(now.getTime() + hours * HOUR);

/** Staff-only events still go through the notify worker: it alerts the department (the resident is not told). */
async function told(run: Run, written: Promise<CaseEvent | null>): Promise<CaseEvent | null> {
  const event = await written;
  if (event) run.notify.push(event);
  return event;
}

/** In the order they run: reminders, overdue, supervision, closing unrated cases, routing without the detail, waiting reviews. */
const WATCHES: { [K in keyof DeadlineRun]: Watch } = {
  /** The department is told once that its deadline is near. */
  reminded: {
    due: (now, config) => ({ status: { in: RUNNING }, remindedAt: null, deadline: { gt: now, lte: later(now, config.DEADLINE_REMIND_HOURS) } }),
    act: (c, run) =>
      told(run, run.deps.db.$transaction(async (tx) => {
        const marked = await tx.case.updateMany({ where: { id: c.id, remindedAt: null }, data: { remindedAt: run.now } });
        return marked.count ? recordEvent(tx, c, { type: 'deadline_reminder', actor: ACTOR, at: run.now, data: { deadline: c.deadline!.toISOString() } }) : null;
      })),
  },
  /** A late case is marked overdue and escalated to the supervision office. */
  overdue: {
    due: (now) => ({ status: { in: RUNNING }, overdueAt: null, deadline: { lt: now } }),
    act: (c, run) =>
      told(run, run.deps.db.$transaction(async (tx) => {
        const marked = await tx.case.updateMany({ where: { id: c.id, overdueAt: null, status: { in: RUNNING } }, data: { overdueAt: run.now } });
        if (!marked.count) return null;
        const escalatedTo = run.office ? departmentFacts(run.office, null) : {};
        return recordEvent(tx, c, { type: 'overdue', actor: ACTOR, at: run.now, data: { deadline: c.deadline!.toISOString(), escalatedTo } });
      })),
  },
  /** A case still overdue after a while is put under supervision (挂牌督办); the resident hears of it. */
  supervised: {
    due: (now, config) => ({ status: { in: RUNNING }, supervisedAt: null, overdueAt: { lte: later(now, -config.SUPERVISE_AFTER_OVERDUE_HOURS) } }),
    act: async (c, { deps, now, notify }) => {
      const event = await deps.db.$transaction((tx) => supervise(tx, c, { actor: ACTOR, at: now }));
      notify.push(event);
      return event;
    },
  },
  /** A resolved case the resident never rated is closed. */
  closed: {
    due: (now, config) => ({ status: 'resolved', satisfaction: null, resolvedAt: { lte: later(now, -config.SATISFACTION_WAIT_HOURS) } }),
    act: async (c, { deps, now, notify }) => {
      const event = await deps.db.$transaction((tx) => transition(tx, c, { to: 'closed', actor: ACTOR, at: now, data: { satisfaction: null } }));
      notify.push(event);
      return event;
    },
  },
  /** Nothing confirmed is dropped: without the detail asked for, the case goes on with what it has. */
  released: {
    due: (now, config) => ({ status: 'needs_info', updatedAt: { lte: later(now, -config.NEEDS_INFO_WAIT_HOURS) } }),
    act: async (c, { deps, now }) => {
      const event = await deps.db.$transaction((tx) => transition(tx, c, { to: 'accepted', actor: ACTOR, at: now, data: { withoutInfo: true } }));
      await queueRoute(deps.queues, c.id, event);
      return event;
    },
  },
  /**
   * An answer that has waited for review past the end of the next working day: the supervision
   * office is reminded, once per round of review (a returned and resubmitted answer waits anew).
   */
  reviewReminded: {
    // A working day later is at least 24 hours later: the exact day is checked in `act`.
    due: (now) => ({ status: 'in_review', events: { some: { type: 'review_submitted', at: { lte: later(now, -24) } } } }),
    act: (c, run) =>
      told(run, run.deps.db.$transaction(async (tx) => {
        // Holds the case's row, so a second run at the same moment waits here and then finds the reminder.
        const held = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Case" WHERE "id" = ${c.id}::uuid AND "status" = 'in_review' FOR UPDATE`;
        if (!held.length) return null;
        const submitted = await tx.caseEvent.findFirstOrThrow({ where: { caseId: c.id, type: 'review_submitted' }, orderBy: { at: 'desc' } });
        const waitedUntil = addWorkingDays(submitted.at, 1, run.deps.config.TIMEZONE, await loadCalendar(tx));
        if (waitedUntil > run.now) return null;
        if (await tx.caseEvent.count({ where: { caseId: c.id, type: 'review_reminder', at: { gte: submitted.at } } })) return null;
        return recordEvent(tx, c, { type: 'review_reminder', actor: ACTOR, at: run.now, data: { submittedAt: submitted.at.toISOString() } });
      })),
  },
};

/**
 * The periodic watch over deadlines (a repeatable job, run by one worker at a time): each of
 * WATCHES in turn, each case in its own transaction so that one bad row holds up no other. Every
 * step is a conditional update, so a second run at the same moment changes nothing.
 */
export async function processDeadlines(deps: WorkerDeps): Promise<DeadlineRun> {
  const { db, config } = deps;
  const now = deps.now();
  const office = await db.department.findFirst({ where: { kind: 'supervision_office' }, orderBy: { code: 'asc' } });
  const run: Run = { deps, now, office, notify: [] };
  const counts: DeadlineRun = { reminded: 0, overdue: 0, supervised: 0, closed: 0, released: 0, reviewReminded: 0 };
  for (const [name, watch] of Object.entries(WATCHES) as [keyof DeadlineRun, Watch][]) {
    for (const c of await db.case.findMany({ where: watch.due(now, config), take: BATCH })) {
      const event = await watch.act(c, run).catch((err: unknown) => {
        // Someone acted on it meanwhile.
        if (err instanceof IllegalTransitionError || err instanceof CaseActionError) return null;
        throw err;
      });
      if (event) counts[name]++;
    }
  }
  await queueNotifications(deps.queues, run.notify);
  if (Object.values(counts).some(Boolean)) deps.log.info(counts, 'deadline job acted');
  return counts;
}
