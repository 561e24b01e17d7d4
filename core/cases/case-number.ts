import type { Queryable } from '../platform/sql.js';
import { localDate } from '../routing/working-days.js';

/** The day's serials 1–8999 take four digits; from 9000 on a "9" and eight digits, so they still sort after. */
const SHORT_MAX = 8999;
const LONG_DIGITS = 8;
export const MAX_DAILY_CASES = 10 ** LONG_DIGITS - 1;

/**
 * The day's n-th serial as it appears in the case number. Numbers of one day sort as strings in
 * the order they were given: 0001 … 8999, then 900009000 … 999999999 (a longer number starting
 * with 9 sorts after every four-digit one, and the long ones have one width).
 */
export function formatSerial(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > MAX_DAILY_CASES) throw new RangeError(`case serial ${n} is outside 1–${MAX_DAILY_CASES}`);
  return n <= SHORT_MAX ? String(n).padStart(4, '0') : `9${String(n).padStart(LONG_DIGITS, '0')}`;
}

/** The local date (YYMMDD) part of a case number given at `now`. */
export function caseNumberDay(now: Date, timeZone: string): string {
  return localDate(now, timeZone).replaceAll('-', '').slice(2);
}

/**
 * The next `count` human-friendly case numbers, e.g. QH2611250001: prefix, local date (YYMMDD)
 * and the day's serial. One atomic upsert, so concurrent workers never hand out the same number;
 * inside the caller's transaction the day's counter stays locked until it commits, so callers
 * take numbers as their last step.
 */
export async function nextCaseNumbers(sql: Queryable, prefix: string, now: Date, timeZone: string, count: number): Promise<string[]> {
  return (await caseNumbersOfDays(sql, prefix, [{ at: now, count }], timeZone))[0]!;
}

/** nextCaseNumbers for several days at once (an import of past cases), in one statement: the numbers of each, in order. */
export async function caseNumbersOfDays(sql: Queryable, prefix: string, wanted: { at: Date; count: number }[], timeZone: string): Promise<string[][]> {
  const counts = new Map<string, number>();
  const days = wanted.map(({ at, count }) => {
    const day = caseNumberDay(at, timeZone);
    counts.set(day, (counts.get(day) ?? 0) + count);
    return day;
  });
  const { rows } = await sql.query<{ day: string; last: number }>(
    `INSERT INTO "CaseNumberCounter" ("day", "last") SELECT * FROM unnest($1::text[], $2::int[])
     ON CONFLICT ("day") DO UPDATE SET "last" = "CaseNumberCounter"."last" + EXCLUDED."last"
     RETURNING "day", "last"`,
    [[...counts.keys()], [...counts.values()]],
  );
  // The first serial still free of each day, handed out in the order asked.
  const next = new Map(rows.map((r) => [r.day, r.last - counts.get(r.day)! + 1]));
  return wanted.map(({ count }, i) => {
    const first = next.get(days[i]!)!;
    next.set(days[i]!, first + count);
    return Array.from({ length: count }, (_, k) => `${prefix}${days[i]}${formatSerial(first + k)}`);
  });
}
