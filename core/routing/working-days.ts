import { z } from 'zod';
import { localDate, localDateTime } from '../../nlp-models/index.js';

/** A day written YYYY-MM-DD that exists on the calendar (2026-02-30 does not). */
export const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-11-25')
  .refine((d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
  }, 'not a real date');

export { localDate };

// Milliseconds the zone is ahead of UTC at that instant.
function zoneOffset(at: Date, timeZone: string): number {
  const wall = localDateTime(at, timeZone).replace(' ', 'T');
  return Date.parse(`${wall}Z`) - Math.floor(at.getTime() / 1000) * 1000;
}

/** Midnight at the start of a local day (YYYY-MM-DD), as an instant. */
export function startOfLocalDay(day: string, timeZone: string): Date {
  const midnight = new Date(`${day}T00:00:00Z`);
  return new Date(midnight.getTime() - zoneOffset(midnight, timeZone));
}

/** The instants from the start of one local day to the end of another (both days included; `to` excluded). */
export function localDayRange(from: string, to: string, timeZone: string): { from: Date; to: Date } {
  return { from: startOfLocalDay(from, timeZone), to: new Date(startOfLocalDay(to, timeZone).getTime() + 86_400_000) };
}

/** Public holidays, and weekend days that are worked instead (调休), as YYYY-MM-DD. */
export type Calendar = { holidays: ReadonlySet<string>; workdays: ReadonlySet<string> };

export const NO_HOLIDAYS: Calendar = { holidays: new Set(), workdays: new Set() };

/** Whether a day (YYYY-MM-DD) is worked: a weekday that is not a holiday, or a make-up day. */
export function isWorkingDay(day: string, calendar: Calendar): boolean {
  if (calendar.workdays.has(day)) return true;
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !calendar.holidays.has(day);
}

/**
 * The end (23:59:59 local time) of the n-th working day after `start`: weekends and holidays do
 * not count, make-up working weekends do, and the day of `start` itself does not.
 */
export function addWorkingDays(start: Date, n: number, timeZone: string, calendar: Calendar = NO_HOLIDAYS): Date {
  const [y, m, d] = localDate(start, timeZone).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  for (let counted = 0; counted < n; ) {
    day.setUTCDate(day.getUTCDate() + 1);
    if (isWorkingDay(day.toISOString().slice(0, 10), calendar)) counted++;
  }
  const endOfDay = new Date(day.getTime() + (24 * 3600 - 1) * 1000);
  return new Date(endOfDay.getTime() - zoneOffset(endOfDay, timeZone));
}
