// One formatter per zone and form: making an Intl.DateTimeFormat costs far more than using one,
// and toLocaleString with a time zone makes one on every call.
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${withTime ? 't' : 'd'}${timeZone}`;
  let found = formats.get(key);
  if (!found) {
    const time = withTime ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' } as const : {};
    found = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', ...time });
    formats.set(key, found);
  }
  return found;
}

/** YYYY-MM-DD of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  return format(timeZone, false).format(at);
}

/** YYYY-MM-DD HH:MM:SS (24-hour clock) of an instant in a time zone. */
export function localDateTime(at: Date, timeZone: string): string {
  return format(timeZone, true).format(at);
}
