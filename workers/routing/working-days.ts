/** YYYY-MM-DD of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  return at.toLocaleDateString('sv-SE', { timeZone });
}

// Milliseconds the zone is ahead of UTC at that instant.
function zoneOffset(at: Date, timeZone: string): number {
  const wall = at.toLocaleString('sv-SE', { timeZone, hour12: false }).replace(' ', 'T');
  return Date.parse(`${wall}Z`) - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The end (23:59:59 local time) of the n-th working day after `start`: weekends and the given
 * holidays (YYYY-MM-DD) do not count, and the day of `start` itself does not either.
 */
export function addWorkingDays(start: Date, n: number, timeZone: string, holidays: ReadonlySet<string> = new Set()): Date {
  const [y, m, d] = localDate(start, timeZone).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  for (let counted = 0; counted < n; ) {
    day.setUTCDate(day.getUTCDate() + 1);
    const weekday = day.getUTCDay();
    if (weekday !== 0 && weekday !== 6 && !holidays.has(day.toISOString().slice(0, 10))) counted++;
  }
  const endOfDay = new Date(day.getTime() + (24 * 3600 - 1) * 1000);
  return new Date(endOfDay.getTime() - zoneOffset(endOfDay, timeZone));
}
