import { t, type Lang, type TextKey } from '../i18n/index.js';
import type { Db } from '../platform/db.js';
import { addWorkingDays, localDayRange } from '../routing/working-days.js';
import { loadCalendar } from './deadlines.js';

/** One department's rates over a period; each rate is 0..1, or null when nothing counts for it yet. */
export type DepartmentRates = {
  code: string;
  name: string;
  nameEn: string | null;
  /** The department's cases: received in the period and held by it now. */
  cases: number;
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
  averageHandlingHours: number | null;
  extensions: number;
  returns: number;
  /** Position in the ranking (1 = best), by `score`; departments without any rate come last. */
  rank: number;
  /** The mean of the rates that are not null. */
  score: number | null;
};

/**
 * The definitions, written once: the README and the console show these texts (rates.def.*), and
 * computeRates below is them in code.
 */
export const RATE_DEFINITIONS = ['cases', 'responseRate', 'resolutionRate', 'satisfactionRate', 'averageHandlingHours', 'extensions', 'returns', 'rank'] as const;

export function rateDefinitions(lang: Lang): { key: (typeof RATE_DEFINITIONS)[number]; label: string; text: string }[] {
  return RATE_DEFINITIONS.map((key) => ({ key, label: t(lang, `rates.label.${key}` as TextKey), text: t(lang, `rates.def.${key}` as TextKey) }));
}

const HOUR = 3_600_000;
const ratio = (n: number, of: number) => (of ? n / of : null);

/**
 * The three rates (响应率, 解决率, 满意率) and their companions for each department but the
 * supervision office that has cases, over the cases received between two local dates (both included), as of `now`.
 */
export async function computeRates(db: Db, opts: { from: string; to: string; timeZone: string; now: Date }): Promise<DepartmentRates[]> {
  const { from, to } = localDayRange(opts.from, opts.to, opts.timeZone);
  const calendar = await loadCalendar(db);
  const [departments, cases] = await Promise.all([
    db.department.findMany({ where: { kind: { not: 'supervision_office' } }, orderBy: { code: 'asc' }, include: { staff: { select: { id: true } } } }),
    db.case.findMany({
      // Imported past cases (source) were not handled here: they are not ranked.
      where: { createdAt: { gte: from, lt: to }, departmentId: { not: null }, source: null },
      select: {
        departmentId: true,
        status: true,
        deadline: true,
        resolvedAt: true,
        satisfaction: true,
        events: { select: { type: true, actor: true, at: true, data: true }, orderBy: { at: 'asc' } },
      },
    }),
  ]);
  const byDepartment = new Map<string, typeof cases>();
  for (const c of cases) byDepartment.set(c.departmentId!, [...(byDepartment.get(c.departmentId!) ?? []), c]);

  const rows = departments.map((d) => {
    const own = byDepartment.get(d.id) ?? [];
    // The department's own staff: a note by the supervision office is no response of the department.
    const members = new Set(d.staff.map((m) => `staff:${m.id}`));
    let responseDue = 0, responded = 0, resolutionDue = 0, resolved = 0, rated = 0, satisfied = 0, extensions = 0, returns = 0;
    const handling: number[] = [];
    for (const c of own) {
      // The department's round of work starts at its latest assignment (a transfer or reassignment starts a new one).
      const assigned = c.events.filter((e) => (e.type === 'assigned' || e.type === 'transferred') && (e.data as { departmentId?: string } | null)?.departmentId === d.id).at(-1);
      if (assigned) {
        const window = addWorkingDays(assigned.at, 1, opts.timeZone, calendar);
        const first = c.events.find((e) => e.at >= assigned.at && members.has(e.actor));
        if (first || opts.now >= window) responseDue++;
        if (first && first.at <= window) responded++;
      }
      const done = c.status === 'resolved' || c.status === 'closed';
      if (done || (c.deadline && c.deadline <= opts.now)) resolutionDue++;
      if (done) {
        resolved++;
        if (assigned && c.resolvedAt) handling.push((c.resolvedAt.getTime() - assigned.at.getTime()) / HOUR);
      }
      if (c.satisfaction) {
        rated++;
        if (c.satisfaction !== 'unsatisfied') satisfied++;
      }
      extensions += c.events.filter((e) => e.type === 'extension_approved').length;
      returns += c.events.filter((e) => e.type === 'review_returned').length;
    }
    const rates = { responseRate: ratio(responded, responseDue), resolutionRate: ratio(resolved, resolutionDue), satisfactionRate: ratio(satisfied, rated) };
    const known = Object.values(rates).filter((r): r is number => r !== null);
    return {
      code: d.code,
      name: d.name,
      nameEn: d.nameEn,
      cases: own.length,
      ...rates,
      averageHandlingHours: handling.length ? handling.reduce((s, h) => s + h, 0) / handling.length : null,
      extensions,
      returns,
      rank: 0,
      score: known.length ? known.reduce((s, r) => s + r, 0) / known.length : null,
    };
  });
  const ranked = rows.filter((r) => r.cases > 0);
  ranked.sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || b.cases - a.cases || a.code.localeCompare(b.code));
  ranked.forEach((r, i) => (r.rank = i + 1));
  return ranked;
}
