import { localDate } from '../text/local-time.js';
import { normalizeText } from '../text/normalize.js';

export type FoundDate = { date: string; text: string };

const WEEKDAYS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };
const EN_WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const EN_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const RELATIVE: Record<string, number> = { 今天: 0, 今日: 0, 昨天: -1, 昨日: -1, 前天: -2, 大前天: -3, today: 0, yesterday: -1 };

type Ymd = { y: number; m: number; d: number };

function iso({ y, m, d }: Ymd): string {
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
}

function shift(day: Ymd, days: number): Ymd {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function valid(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

// ISO weekday (Monday 1 … Sunday 7).
function weekday(day: Ymd): number {
  return new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay() || 7;
}

/** A weekday of this week (offset 0) or of an earlier week (offset -1 for 上周). */
function ofWeek(today: Ymd, target: number, weeksBack: number): Ymd {
  return shift(today, target - weekday(today) - 7 * weeksBack);
}

/**
 * The first date a resident mentions, resolved against `now` in the office's time zone:
 * 今天/昨天/前天, 3天前, 上周五/周三/星期日 (a weekday without 上 is the latest one not in the
 * future), 3月5日/3月5号, 2026年3月5日, 2026-03-05, and in English today/yesterday/last friday/
 * March 5. A month-day later than today is taken as last year's.
 */
export function findDate(text: string, now: Date, timeZone = 'Asia/Shanghai'): FoundDate | null {
  const clean = normalizeText(text).toLowerCase();
  const [y, m, d] = localDate(now, timeZone).split('-').map(Number) as [number, number, number];
  const today = { y, m, d };
  const pastMonthDay = (mm: number, dd: number): Ymd | null => {
    if (!valid(y, mm, dd)) return valid(y - 1, mm, dd) ? { y: y - 1, m: mm, d: dd } : null;
    return mm > m || (mm === m && dd > d) ? { y: y - 1, m: mm, d: dd } : { y, m: mm, d: dd };
  };
  const rules: [RegExp, (g: string[]) => Ymd | null][] = [
    [/(\d{4})[年\-/.](\d{1,2})[月\-/.](\d{1,2})[日号]?/, (g) => (valid(+g[1]!, +g[2]!, +g[3]!) ? { y: +g[1]!, m: +g[2]!, d: +g[3]! } : null)],
    [/(\d{1,2})月(\d{1,2})[日号]/, (g) => pastMonthDay(+g[1]!, +g[2]!)],
    [/(大前天|前天|昨天|昨日|今天|今日|yesterday|today)/, (g) => shift(today, RELATIVE[g[1]!]!)],
    [/(\d{1,3})\s*(?:天前|days? ago)/, (g) => shift(today, -Number(g[1]))],
    [/(上上|上)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天])/, (g) => {
      const target = WEEKDAYS[g[2]!]!;
      const back = g[1] === '上上' ? 2 : g[1] ? 1 : target > weekday(today) ? 1 : 0;
      return ofWeek(today, target, back);
    }],
    [new RegExp(`(last )?(${EN_WEEKDAYS.join('|')})`), (g) => {
      const target = EN_WEEKDAYS.indexOf(g[2]!) + 1;
      return ofWeek(today, target, g[1] || target > weekday(today) ? 1 : 0);
    }],
    [new RegExp(`(${EN_MONTHS.join('|')}) (\\d{1,2})(?:st|nd|rd|th)?\\b`), (g) => pastMonthDay(EN_MONTHS.indexOf(g[1]!) + 1, +g[2]!)],
  ];
  let best: { at: number; found: FoundDate } | null = null;
  for (const [pattern, resolve] of rules) {
    const match = pattern.exec(clean);
    const day = match && resolve([...match]);
    if (match && day && (!best || match.index < best.at)) best = { at: match.index, found: { date: iso(day), text: match[0] } };
  }
  return best?.found ?? null;
}
