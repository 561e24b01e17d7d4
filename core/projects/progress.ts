import { Prisma, type CaseStatus, type Db } from '../platform/db.js';
import { localDayRange } from '../routing/working-days.js';

/** A case that needs no more work: its project can close without a reason once all its cases are. */
export const FINISHED: readonly CaseStatus[] = ['resolved', 'closed', 'rejected'];

/** A project's progress over the cases one member of staff may see. */
export type Progress = {
  total: number;
  finished: number;
  /** Cases past their own deadline and not finished. */
  overdueCases: number;
  byStatus: Partial<Record<CaseStatus, number>>;
  /** Finished cases in percent, rounded down (100 only when all are). */
  percent: number;
};

/** Projects a member of staff may see: the office all; a handler those led by, or holding cases of, their department. */
export function visibleProjects(departmentId: string | undefined): Prisma.SupervisionProjectWhereInput {
  return departmentId === undefined ? {} : { OR: [{ departmentId }, { cases: { some: { case: { departmentId } } } }] };
}

/** The cases of a project a member of staff may see (a handler: their department's only). */
export function caseScope(departmentId: string | undefined): Prisma.Sql {
  return departmentId === undefined ? Prisma.sql`TRUE` : Prisma.sql`c."departmentId" = ${departmentId}::uuid`;
}

const finished = Prisma.sql`c.status = ANY(${FINISHED}::"CaseStatus"[])`;

/** Each project's progress, counted in PostgreSQL per project and status (one statement for the whole list). */
export async function progressOf(db: Db, projectIds: string[], departmentId: string | undefined): Promise<Map<string, Progress>> {
  const empty = (): Progress => ({ total: 0, finished: 0, overdueCases: 0, byStatus: {}, percent: 0 });
  const result = new Map(projectIds.map((id) => [id, empty()]));
  if (!projectIds.length) return result;
  const rows = await db.$queryRaw<{ id: string; status: CaseStatus; n: number; finished: boolean; overdue: number }[]>`
    SELECT pc."projectId" AS id, c.status, count(*)::int AS n, bool_and(${finished}) AS finished,
      count(*) FILTER (WHERE c."overdueAt" IS NOT NULL AND NOT ${finished})::int AS overdue
    FROM "ProjectCase" pc JOIN "Case" c ON c.id = pc."caseId"
    WHERE pc."projectId" = ANY(${projectIds}::uuid[]) AND ${caseScope(departmentId)}
    GROUP BY 1, 2`;
  for (const row of rows) {
    const p = result.get(row.id)!;
    p.total += row.n;
    if (row.finished) p.finished += row.n;
    p.overdueCases += row.overdue;
    p.byStatus[row.status] = row.n;
  }
  for (const p of result.values()) p.percent = p.total ? Math.floor((p.finished * 100) / p.total) : 0;
  return result;
}

/** An open project is overdue once its last day has passed and some of its cases are not finished. */
export function isOverdue(project: { status: string; deadline: Date }, progress: Progress, today: string): boolean {
  return project.status === 'open' && project.deadline.toISOString().slice(0, 10) < today && progress.finished < progress.total;
}

export type ProjectFigures = { opened: number; open: number; closed: number; overdue: number };

/**
 * The projects opened between two local dates (both included), for the office's figures: how
 * many, how many are still open or closed, and how many of the open ones are overdue `today`.
 * With `departmentId`, the projects a handler of that department sees.
 */
export async function projectFigures(db: Db, opts: { from: string; to: string; timeZone: string; today: string; departmentId?: string }): Promise<ProjectFigures> {
  const { from, to } = localDayRange(opts.from, opts.to, opts.timeZone);
  const scope =
    opts.departmentId === undefined
      ? Prisma.sql`TRUE`
      : Prisma.sql`(p."departmentId" = ${opts.departmentId}::uuid OR EXISTS (SELECT 1 FROM "ProjectCase" pc JOIN "Case" c ON c.id = pc."caseId" WHERE pc."projectId" = p.id AND ${caseScope(opts.departmentId)}))`;
  const [row] = await db.$queryRaw<ProjectFigures[]>`
    SELECT count(*)::int AS opened,
      count(*) FILTER (WHERE p.status = 'open')::int AS open,
      count(*) FILTER (WHERE p.status = 'closed')::int AS closed,
      count(*) FILTER (WHERE p.status = 'open' AND p.deadline < ${opts.today}::date AND EXISTS (
        SELECT 1 FROM "ProjectCase" pc JOIN "Case" c ON c.id = pc."caseId" WHERE pc."projectId" = p.id AND NOT ${finished}))::int AS overdue
    FROM "SupervisionProject" p WHERE p."createdAt" >= ${from} AND p."createdAt" < ${to} AND ${scope}`;
  return row!;
}
