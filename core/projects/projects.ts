import { z } from 'zod';
import { queueProjectAlert } from '../alerts/alerts.js';
import { CaseActionError, type StaffActor } from '../cases/actions.js';
import type { EventData } from '../cases/describe.js';
import { queueNotifications } from '../cases/follow-up.js';
import { recordEvent } from '../cases/status-machine.js';
import type { Clock } from '../platform/clock.js';
import { Prisma, type Case, type CaseEvent, type Db, type Department, type SupervisionProject, type Tx } from '../platform/db.js';
import type { Queues } from '../queues.js';
import { isoDay, localDate } from '../routing/working-days.js';
import { FINISHED, isOverdue, progressOf, visibleProjects } from './progress.js';
import { isUuid } from '../platform/ids.js';

/**
 * 专项督查 (举一反三): a supervision project groups cases about one problem under a department
 * that reviews them together by a deadline. It has its own lifecycle (open → closed) and never
 * changes a case's status: each case only gets timeline events (project_added, project_removed,
 * project_closed), and its resident is told once, through the notify worker, that the problem is
 * part of a wider review.
 */

/** ZX-0007: how staff and residents name a project. */
export function projectCode(number: number): string {
  return `ZX-${String(number).padStart(4, '0')}`;
}

const caseNumbers = z.array(z.string().trim().toUpperCase().regex(/^[A-Z0-9]{4,24}$/)).min(1).max(200);

/** The body of POST /console/api/projects. */
export const openSchema = z.object({
  title: z.string().trim().min(1).max(200),
  reason: z.string().trim().min(1).max(2000),
  departmentId: z.string().uuid(),
  deadline: isoDay,
  caseNumbers,
});
/** Closed projects per page of the list. */
export const CLOSED_PAGE = 50;

/** The query of GET /console/api/projects: the closed projects opened before this number. */
export const listQuery = z.object({ closedBefore: z.coerce.number().int().positive().max(2_147_483_647).optional() });

/** The body of POST /console/api/projects/:id/cases: numbers to add and numbers to take out. */
export const casesSchema = z.object({ add: caseNumbers.optional(), remove: caseNumbers.optional() }).refine((b) => b.add?.length || b.remove?.length, 'add or remove some cases');
/** The body of POST /console/api/projects/:id/close: a reason is needed while some cases are not finished. */
export const closeSchema = z.object({ note: z.string().trim().max(2000).optional() });

export type ProjectsDeps = { db: Db; queues: Pick<Queues, 'notify' | 'alerts'>; now: Clock; timeZone: string };

const OFFICE = new Set(['admin', 'supervisor']);

type Found = Pick<Case, 'id' | 'number' | 'status' | 'residentId'>;

/** What the office does with projects; what staff see of them is projectViews. */
export function supervisionProjects(deps: ProjectsDeps) {
  const { db } = deps;

  function office(actor: StaffActor): void {
    if (!OFFICE.has(actor.role)) throw new CaseActionError('forbidden', `a ${actor.role} may not manage supervision projects`, 'staffError.roleMayNot');
  }

  /** The cases by number, all of them or a refusal naming those missing (the office sees every case). */
  async function casesByNumber(tx: Tx, numbers: string[], joining = true): Promise<Found[]> {
    const unique = [...new Set(numbers)];
    const found = await tx.case.findMany({ where: { number: { in: unique } }, select: { id: true, number: true, status: true, residentId: true }, orderBy: { number: 'asc' } });
    const known = new Set(found.map((c) => c.number));
    const missing = unique.filter((n) => !known.has(n));
    if (missing.length) throw new CaseActionError('invalid', `no such case: ${missing.join(', ')}`, 'staffError.projectNoSuchCases', { numbers: missing.join(' ') });
    const rejected = joining ? found.filter((c) => c.status === 'rejected') : [];
    if (rejected.length) throw new CaseActionError('invalid', `rejected reports cannot join a project: ${rejected.map((c) => c.number).join(', ')}`, 'staffError.projectRejectedCases', { numbers: rejected.map((c) => c.number).join(' ') });
    return found;
  }

  async function openProject(tx: Tx, id: string): Promise<SupervisionProject & { department: Department }> {
    const project = isUuid(id) ? await tx.supervisionProject.findUnique({ where: { id }, include: { department: true } }) : null;
    if (!project) throw new CaseActionError('not_found', 'no such project', 'staffError.projectNotFound');
    if (project.status !== 'open') throw new CaseActionError('conflict', `project ${projectCode(project.number)} is closed`, 'staffError.projectClosed', { code: projectCode(project.number) });
    return project;
  }

  /**
   * Adds cases to an open project: the join rows and a project_added event on each case. Each
   * resident is told once per project: the first of their cases carries the message (naming all of
   * them), the others are `quiet`, as are the cases of residents the project already told.
   */
  async function addCases(tx: Tx, project: SupervisionProject & { department: Department }, cases: Found[], actor: string, at: Date): Promise<CaseEvent[]> {
    // Residents this project already told (by its events, so a case taken out and back in is not told twice).
    const told = new Set(
      (await tx.caseEvent.findMany({ where: { type: 'project_added', data: { path: ['projectId'], equals: project.id } }, select: { case: { select: { residentId: true } } } })).map((e) => e.case.residentId),
    );
    const already = await tx.projectCase.findMany({ where: { projectId: project.id, caseId: { in: cases.map((c) => c.id) } }, select: { caseId: true } });
    const fresh = cases.filter((c) => !already.some((a) => a.caseId === c.id));
    const taken = await tx.projectCase.findFirst({ where: { open: true, caseId: { in: fresh.map((c) => c.id) }, projectId: { not: project.id } }, include: { case: true, project: true } });
    if (taken) {
      const code = projectCode(taken.project.number);
      throw new CaseActionError('conflict', `case ${taken.case.number} is already in open project ${code}`, 'staffError.projectCaseTaken', { number: taken.case.number, code });
    }
    try {
      await tx.projectCase.createMany({ data: fresh.map((c) => ({ projectId: project.id, caseId: c.id, addedAt: at })) });
    } catch (err) {
      // The partial unique index settles a race with another project taking one of the cases at the same moment.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new CaseActionError('conflict', 'a case was just taken into another open project', 'staffError.projectRace');
      throw err;
    }
    const byResident = new Map<string, string[]>();
    for (const c of fresh) byResident.set(c.residentId, [...(byResident.get(c.residentId) ?? []), c.number]);
    const data: EventData = { project: projectCode(project.number), projectId: project.id, departmentName: project.department.name, departmentNameEn: project.department.nameEn };
    const events: CaseEvent[] = [];
    for (const c of fresh) {
      const first = byResident.get(c.residentId)![0] === c.number && !told.has(c.residentId);
      const extra = first ? { cases: byResident.get(c.residentId)! } : { quiet: true };
      events.push(await recordEvent(tx, c, { type: 'project_added', actor, at, data: { ...data, ...extra } }));
    }
    return events;
  }

  /** A transaction that a concurrent one cannot interleave with on the same project: a closing and an adding are serialised. */
  async function onProject<T>(id: string, work: (tx: Tx, project: SupervisionProject & { department: Department }) => Promise<T>): Promise<T> {
    return db.$transaction(async (tx) => {
      if (isUuid(id)) await tx.$executeRaw`SELECT 1 FROM "SupervisionProject" WHERE id = ${id}::uuid FOR UPDATE`;
      return work(tx, await openProject(tx, id));
    });
  }

  return {
    ...projectViews(deps),
    async open(actor: StaffActor, input: z.infer<typeof openSchema>): Promise<{ id: string; code: string }> {
      office(actor);
      const at = deps.now();
      if (input.deadline < localDate(at, deps.timeZone)) throw new CaseActionError('invalid', 'the deadline has passed', 'staffError.projectDeadlinePast');
      const department = await db.department.findUnique({ where: { id: input.departmentId } });
      if (!department) throw new CaseActionError('invalid', 'no such department', 'staffError.noSuchDepartment');
      const { project, events } = await db.$transaction(async (tx) => {
        const cases = await casesByNumber(tx, input.caseNumbers);
        const project = await tx.supervisionProject.create({
          data: { title: input.title, reason: input.reason, departmentId: department.id, deadline: new Date(`${input.deadline}T00:00:00Z`), createdById: actor.id, createdAt: at },
        });
        return { project, events: await addCases(tx, { ...project, department }, cases, `staff:${actor.id}`, at) };
      });
      await queueNotifications(deps.queues, events.filter((e) => !(e.data as EventData).quiet));
      await queueProjectAlert(deps.queues, project.id);
      return { id: project.id, code: projectCode(project.number) };
    },

    /** Adds and takes out cases; a case taken out gets a project_removed event (its resident is not told again). */
    async changeCases(actor: StaffActor, id: string, change: z.infer<typeof casesSchema>): Promise<void> {
      office(actor);
      const at = deps.now();
      const by = `staff:${actor.id}`;
      const events = await onProject(id, async (tx, project) => {
        const removed = change.remove?.length ? await casesByNumber(tx, change.remove, false) : [];
        const rows = await tx.projectCase.findMany({ where: { projectId: project.id, caseId: { in: removed.map((c) => c.id) } }, select: { caseId: true } });
        await tx.projectCase.deleteMany({ where: { projectId: project.id, caseId: { in: rows.map((r) => r.caseId) } } });
        for (const c of removed.filter((r) => rows.some((x) => x.caseId === r.id))) {
          await recordEvent(tx, c, { type: 'project_removed', actor: by, at, data: { project: projectCode(project.number), projectId: project.id } });
        }
        return change.add?.length ? addCases(tx, project, await casesByNumber(tx, change.add), by, at) : [];
      });
      await queueNotifications(deps.queues, events.filter((e) => !(e.data as EventData).quiet));
    },

    /** Closes a project: without a reason only when every case is finished (resolved, closed or rejected). */
    async close(actor: StaffActor, id: string, note?: string): Promise<void> {
      office(actor);
      const at = deps.now();
      await onProject(id, async (tx, project) => {
        const cases = await tx.case.findMany({ where: { projects: { some: { projectId: project.id } } }, select: { id: true, number: true, status: true } });
        const unfinished = cases.filter((c) => !FINISHED.includes(c.status));
        if (unfinished.length && !note) {
          throw new CaseActionError('conflict', `${unfinished.length} case(s) are not finished: give a reason to close`, 'staffError.projectUnfinished', { count: unfinished.length });
        }
        await tx.supervisionProject.update({ where: { id: project.id }, data: { status: 'closed', closedAt: at, closeNote: note || null } });
        await tx.projectCase.updateMany({ where: { projectId: project.id }, data: { open: false } });
        for (const c of cases) {
          await recordEvent(tx, c, { type: 'project_closed', actor: `staff:${actor.id}`, at, note: note || null, data: { project: projectCode(project.number), projectId: project.id } });
        }
      });
    },
  };
}

/** The projects as a member of staff may see them, in the console and in chat. */
export function projectViews(deps: Pick<ProjectsDeps, 'db' | 'now' | 'timeZone'>) {
  const { db } = deps;
  const include = { department: { select: { id: true, code: true, name: true, nameEn: true } } } as const;
  // An office has few projects open at a time; the closed ones pile up over the years.
  const openOnes = (departmentId: string | undefined) =>
    db.supervisionProject.findMany({ where: { AND: [visibleProjects(departmentId), { status: 'open' }] }, orderBy: { number: 'desc' }, include });
  /** Each project with its progress over the cases the member of staff may see (one statement for all). */
  const withProgress = async (projects: Awaited<ReturnType<typeof openOnes>>, departmentId: string | undefined) => {
    const progress = await progressOf(db, projects.map((p) => p.id), departmentId);
    const today = localDate(deps.now(), deps.timeZone);
    return projects.map((p) => {
      const pr = progress.get(p.id)!;
      return { ...view(p), progress: pr, overdue: isOverdue(p, pr, today) };
    });
  };
  return {
    /** Every open project a member of staff may see, newest first (the chat's #专项). */
    async open(departmentId: string | undefined) {
      return withProgress(await openOnes(departmentId), departmentId);
    },

    /**
     * The projects a member of staff may see: every open one and the newest CLOSED_PAGE closed
     * ones, or with `closedBefore` (a project number) the closed ones opened before it. `more` is
     * where the next closed page starts.
     */
    async list(departmentId: string | undefined, closedBefore?: number) {
      const open = closedBefore === undefined ? await openOnes(departmentId) : [];
      const closed = await db.supervisionProject.findMany({
        where: { AND: [visibleProjects(departmentId), { status: 'closed' }, closedBefore === undefined ? {} : { number: { lt: closedBefore } }] },
        orderBy: { number: 'desc' },
        take: CLOSED_PAGE + 1,
        include,
      });
      return {
        projects: await withProgress([...open, ...closed.slice(0, CLOSED_PAGE)], departmentId),
        more: closed.length > CLOSED_PAGE ? closed[CLOSED_PAGE - 1]!.number : null,
      };
    },

    /** One project (by id, or by number in chat) with the cases a member of staff may see; null when they may not see it. */
    async get(which: { id: string } | { number: number }, departmentId: string | undefined) {
      if ('id' in which && !isUuid(which.id)) return null;
      const project = await db.supervisionProject.findFirst({
        where: { ...which, ...visibleProjects(departmentId) },
        include: {
          department: { select: { id: true, code: true, name: true, nameEn: true } },
          createdBy: { select: { username: true, displayName: true } },
          cases: {
            where: departmentId === undefined ? {} : { case: { departmentId } },
            orderBy: { addedAt: 'asc' },
            include: { case: { select: { id: true, number: true, status: true, topic: true, overdueAt: true, deadline: true, regionCode: true, region: { select: { name: true, nameEn: true } }, department: { select: { name: true, nameEn: true } } } } },
          },
        },
      });
      if (!project) return null;
      const progress = (await progressOf(db, [project.id], departmentId)).get(project.id)!;
      const { cases, createdBy, ...rest } = project;
      return {
        ...view(rest),
        createdBy: createdBy.displayName ?? createdBy.username,
        progress,
        overdue: isOverdue(project, progress, localDate(deps.now(), deps.timeZone)),
        cases: cases.map((pc) => ({ ...pc.case, addedAt: pc.addedAt })),
      };
    },
  };
}

/** The open project a case is in, as its page links to it; null when none, or when this member of staff may not see it. */
export async function openProjectOf(db: Db, caseId: string, departmentId: string | undefined): Promise<{ id: string; code: string; title: string } | null> {
  const project = await db.supervisionProject.findFirst({
    where: { AND: [visibleProjects(departmentId), { status: 'open', cases: { some: { caseId, open: true } } }] },
    select: { id: true, number: true, title: true },
  });
  return project && { id: project.id, code: projectCode(project.number), title: project.title };
}

/** A project as the console's API gives it: its code, and its deadline as a date. */
function view<P extends SupervisionProject>(p: P) {
  return { ...p, code: projectCode(p.number), deadline: p.deadline.toISOString().slice(0, 10) };
}

export type SupervisionProjects = ReturnType<typeof supervisionProjects>;
/** A project as a member of staff sees it in a list. */
export type ProjectView = Awaited<ReturnType<ReturnType<typeof projectViews>['open']>>[number];
