import { t, type Lang } from '../i18n/index.js';
import { Prisma, type Db } from '../platform/db.js';
import { localDayRange } from '../routing/working-days.js';

/** Counts for one slice of the cases (all of them, a topic, a region, a department). */
export type Counts = { received: number; valid: number; rejected: number; pending: number; closed: number; inProgress: number; overdue: number };
/** `labelEn`: the English name, where the reference data has one. */
export type Row = Counts & { key: string | null; label: string; labelEn: string | null };
/** Hours, over the cases that have the measure; nearest-rank percentiles (PostgreSQL percentile_disc). */
export type Duration = { count: number; medianHours: number | null; p90Hours: number | null };

export type Figures = {
  from: string;
  to: string;
  totals: Counts & { everOverdue: number; supervised: number };
  firstResponse: Duration;
  toClose: Duration;
  satisfaction: { satisfied: number; basic: number; unsatisfied: number; rate: number | null };
  byTopic: Row[];
  byRegion: Row[];
  byDepartment: Row[];
  daily: { day: string; received: number; closed: number }[];
};

// Valid: past screening and not rejected. Closed (办结): resolved or closed. The rest of the valid ones are in progress.
const COUNTS = Prisma.sql`
  count(*)::int AS received,
  count(*) FILTER (WHERE c.status NOT IN ('received', 'needs_info', 'rejected'))::int AS valid,
  count(*) FILTER (WHERE c.status = 'rejected')::int AS rejected,
  count(*) FILTER (WHERE c.status IN ('received', 'needs_info'))::int AS pending,
  count(*) FILTER (WHERE c.status IN ('resolved', 'closed'))::int AS closed,
  count(*) FILTER (WHERE c.status IN ('accepted', 'assigned', 'in_progress', 'in_review', 'reopened'))::int AS "inProgress",
  count(*) FILTER (WHERE c."overdueAt" IS NOT NULL AND c.status NOT IN ('resolved', 'closed', 'rejected'))::int AS overdue`;

function duration(column: 'firstResponseAt' | 'resolvedAt', from: Date, to: Date, scope: Prisma.Sql) {
  const hours = Prisma.sql`extract(epoch FROM (c.${Prisma.raw(`"${column}"`)} - c."createdAt")) / 3600`;
  return Prisma.sql`
    SELECT count(*)::int AS count,
      percentile_disc(0.5) WITHIN GROUP (ORDER BY ${hours})::float AS "medianHours",
      percentile_disc(0.9) WITHIN GROUP (ORDER BY ${hours})::float AS "p90Hours"
    FROM "Case" c WHERE c."createdAt" >= ${from} AND c."createdAt" < ${to} AND ${scope} AND c.${Prisma.raw(`"${column}"`)} IS NOT NULL`;
}

/**
 * The office's figures for the cases received between two local dates (both included), counted
 * in PostgreSQL: totals, breakdowns by topic (first level), region and department, response and
 * closing times, satisfaction, and received/closed per day. With `departmentId`, only that
 * department's cases count (a handler's view).
 */
export async function computeFigures(db: Db, opts: { from: string; to: string; timeZone: string; departmentId?: string }): Promise<Figures> {
  const { from, to } = localDayRange(opts.from, opts.to, opts.timeZone);
  // Cases imported from the office's past messages (source) are not cases received in the period.
  const scope = opts.departmentId === undefined ? Prisma.sql`c."source" IS NULL` : Prisma.sql`c."source" IS NULL AND c."departmentId" = ${opts.departmentId}::uuid`;
  const inRange = Prisma.sql`c."createdAt" >= ${from} AND c."createdAt" < ${to} AND ${scope}`;
  const local = (column: string) => Prisma.sql`to_char((c.${Prisma.raw(`"${column}"`)} AT TIME ZONE 'UTC') AT TIME ZONE ${opts.timeZone}, 'YYYY-MM-DD')`;
  // One snapshot (repeatable read), so that the breakdowns add up to the totals while workers change cases.
  const [[totals], [firstResponse], [toClose], [satisfaction], byTopic, byRegion, byDepartment, received, closed] = await db.$transaction([
    db.$queryRaw<(Counts & { everOverdue: number; supervised: number })[]>`
      SELECT ${COUNTS}, count(c."overdueAt")::int AS "everOverdue", count(c."supervisedAt")::int AS supervised
      FROM "Case" c WHERE ${inRange}`,
    db.$queryRaw<Duration[]>(duration('firstResponseAt', from, to, scope)),
    db.$queryRaw<Duration[]>(duration('resolvedAt', from, to, scope)),
    db.$queryRaw<{ satisfied: number; basic: number; unsatisfied: number }[]>`
      SELECT count(*) FILTER (WHERE c.satisfaction = 'satisfied')::int AS satisfied,
        count(*) FILTER (WHERE c.satisfaction = 'basic')::int AS basic,
        count(*) FILTER (WHERE c.satisfaction = 'unsatisfied')::int AS unsatisfied
      FROM "Case" c WHERE ${inRange}`,
    db.$queryRaw<Row[]>`
      SELECT split_part(c.topic, '/', 1) AS key, split_part(c.topic, '/', 1) AS label, t."nameEn" AS "labelEn", ${COUNTS}
      FROM "Case" c LEFT JOIN "Topic" t ON t."parentId" IS NULL AND t.name = split_part(c.topic, '/', 1)
      WHERE ${inRange} GROUP BY 1, 2, 3 ORDER BY received DESC, key`,
    db.$queryRaw<Row[]>`
      SELECT c."regionCode" AS key, r.name AS label, r."nameEn" AS "labelEn", ${COUNTS}
      FROM "Case" c LEFT JOIN "Region" r ON r.code = c."regionCode" WHERE ${inRange} GROUP BY 1, 2, 3 ORDER BY received DESC, key`,
    db.$queryRaw<Row[]>`
      SELECT d.code AS key, d.name AS label, d."nameEn" AS "labelEn", ${COUNTS}
      FROM "Case" c LEFT JOIN "Department" d ON d.id = c."departmentId" WHERE ${inRange} GROUP BY 1, 2, 3 ORDER BY received DESC, key`,
    db.$queryRaw<{ day: string; n: number }[]>`SELECT ${local('createdAt')} AS day, count(*)::int AS n FROM "Case" c WHERE ${inRange} GROUP BY 1`,
    db.$queryRaw<{ day: string; n: number }[]>`
      SELECT ${local('resolvedAt')} AS day, count(*)::int AS n FROM "Case" c
      WHERE c."resolvedAt" >= ${from} AND c."resolvedAt" < ${to} AND ${scope} AND c.status IN ('resolved', 'closed') GROUP BY 1`,
  ], { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead });
  const days: Figures['daily'] = [];
  const byDay = (rows: { day: string; n: number }[]) => new Map(rows.map((r) => [r.day, r.n]));
  const [receivedOn, closedOn] = [byDay(received), byDay(closed)];
  for (let d = new Date(`${opts.from}T00:00:00Z`); d <= new Date(`${opts.to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    const day = d.toISOString().slice(0, 10);
    days.push({ day, received: receivedOn.get(day) ?? 0, closed: closedOn.get(day) ?? 0 });
  }
  const answered = satisfaction!.satisfied + satisfaction!.basic + satisfaction!.unsatisfied;
  return {
    from: opts.from,
    to: opts.to,
    totals: totals!,
    firstResponse: firstResponse!,
    toClose: toClose!,
    satisfaction: { ...satisfaction!, rate: answered ? (satisfaction!.satisfied + satisfaction!.basic) / answered : null },
    byTopic,
    byRegion,
    byDepartment,
    daily: days,
  };
}

/** A row's name in the language asked for (Chinese where no English name is known). */
export function rowLabel(row: Pick<Row, 'label' | 'labelEn'>, lang: Lang): string {
  return lang === 'en' && row.labelEn ? row.labelEn : row.label;
}

/** The figures as an office writes them in its report. */
export function figuresText(f: Figures, lang: Lang): string {
  const n = f.totals;
  const hours = (h: number | null) => (h === null ? '—' : h.toFixed(1));
  const list = (rows: Row[]) => rows.filter((r) => r.key && r.label).slice(0, 3).map((r) => t(lang, 'figures.topicItem', { topic: rowLabel(r, lang), count: r.received })).join(lang === 'en' ? ', ' : '、');
  const [topics, regions] = [list(f.byTopic), list(f.byRegion)];
  const lines = [
    t(lang, 'figures.summary', { from: f.from, to: f.to, received: n.received, valid: n.valid, closed: n.closed, inProgress: n.inProgress, rejected: n.rejected, pending: n.pending }),
    t(lang, 'figures.flags', { overdue: n.overdue, supervised: n.supervised }),
    t(lang, 'figures.times', { response: hours(f.firstResponse.medianHours), close: hours(f.toClose.medianHours), close90: hours(f.toClose.p90Hours) }),
    f.satisfaction.rate === null
      ? t(lang, 'figures.noRatings')
      : t(lang, 'figures.satisfaction', { rate: Math.round(f.satisfaction.rate * 1000) / 10, answered: f.satisfaction.satisfied + f.satisfaction.basic + f.satisfaction.unsatisfied }),
  ];
  if (topics) lines.push(t(lang, 'figures.topTopics', { list: topics }));
  if (regions) lines.push(t(lang, 'figures.topRegions', { list: regions }));
  return lines.join('\n');
}
