import { isWorkingDay, localDate, type Calendar } from '../routing/working-days.js';
import { localDateTime } from '../../nlp-models/index.js';

/** Opening periods of a working day, as minutes after local midnight; 'always' for a 24/7 desk. */
export type OfficeHours = { from: number; to: number }[] | 'always';

/** Reads "08:30-12:00,14:30-18:00" or "always"; throws on anything else (the config check reports it). */
export function parseOfficeHours(text: string): OfficeHours {
  if (text.trim() === 'always') return 'always';
  return text.split(',').map((part) => {
    const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(part);
    if (!m) throw new Error(`"${part}" is not a period like 08:30-12:00`);
    const [from, to] = [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])];
    if (!(from < to && to <= 24 * 60)) throw new Error(`"${part}" does not end after it starts within a day`);
    return { from, to };
  });
}

function minutesOfDay(at: Date, timeZone: string): number {
  const [h, m] = localDateTime(at, timeZone).slice(11, 16).split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * Whether staff are at work at `at`, and if not, when they are next (the start of the next
 * opening period on a working day), as local date and time text for the resident.
 */
export function officeStatus(at: Date, hours: OfficeHours, calendar: Calendar, timeZone: string): { open: true } | { open: false; back: string } {
  if (hours === 'always') return { open: true };
  const today = localDate(at, timeZone);
  const now = minutesOfDay(at, timeZone);
  if (isWorkingDay(today, calendar) && hours.some((p) => p.from <= now && now < p.to)) return { open: true };
  const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const laterToday = isWorkingDay(today, calendar) ? hours.find((p) => p.from > now) : undefined;
  if (laterToday) return { open: false, back: `${today} ${hhmm(laterToday.from)}` };
  const day = new Date(`${today}T00:00:00Z`);
  do day.setUTCDate(day.getUTCDate() + 1);
  while (!isWorkingDay(day.toISOString().slice(0, 10), calendar));
  return { open: false, back: `${day.toISOString().slice(0, 10)} ${hhmm(hours[0]!.from)}` };
}
