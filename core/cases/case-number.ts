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
  const day = caseNumberDay(now, timeZone);
  const { rows } = await sql.query<{ last: number }>(
    `INSERT INTO "CaseNumberCounter" ("day", "last") VALUES ($1, $2)
     ON CONFLICT ("day") DO UPDATE SET "last" = "CaseNumberCounter"."last" + $2
     RETURNING "last"`,
    [day, count],
  );
  const first = rows[0]!.last - count + 1;
  return Array.from({ length: count }, (_, i) => `${prefix}${day}${formatSerial(first + i)}`);
}
