import type { Config } from '../platform/config.js';
import type { Db, Priority, Tx } from '../platform/db.js';
import type { Queryable } from '../platform/sql.js';
import { addWorkingDays, type Calendar } from '../routing/working-days.js';

/** The holiday calendar as the Holiday table holds it (small: a few dozen days a year). */
export async function loadCalendar(db: Db | Tx): Promise<Calendar> {
  return calendarOf(await db.holiday.findMany());
}

/** The same with plain pg, for the intake, which reads it for every batch. */
export async function readCalendar(sql: Queryable): Promise<Calendar> {
  return calendarOf((await sql.query<{ day: string; workday: boolean }>(`SELECT "day", "workday" FROM "Holiday"`)).rows);
}

function calendarOf(days: { day: string; workday: boolean }[]): Calendar {
  return {
    holidays: new Set(days.filter((d) => !d.workday).map((d) => d.day)),
    workdays: new Set(days.filter((d) => d.workday).map((d) => d.day)),
  };
}

export function workingDaysFor(config: Config, priority: Priority): number {
  return { urgent: config.DEADLINE_DAYS_URGENT, high: config.DEADLINE_DAYS_HIGH, normal: config.DEADLINE_DAYS_NORMAL }[priority];
}

/** When a department must have resolved a case of this priority handed to it at `from`. */
export async function deadlineFor(db: Db | Tx, config: Config, priority: Priority, from: Date): Promise<Date> {
  return addWorkingDays(from, workingDaysFor(config, priority), config.TIMEZONE, await loadCalendar(db));
}
