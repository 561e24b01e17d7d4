import type { Clock } from '../../core/platform/clock.js';

/**
 * Instants the suite runs at, in Asia/Shanghai: the harness's default is a working morning, so
 * no test depends on when (or in which time zone) the machine runs it.
 */
export const INSTANTS = {
  /** Wednesday, office open. */
  workingMorning: '2026-12-02T10:00:00+08:00',
  /** Wednesday, before the office opens; still Tuesday in UTC. */
  beforeDawn: '2026-12-02T04:00:00+08:00',
  /** Wednesday, lunch break (12:00-14:30). */
  lunchBreak: '2026-12-02T13:00:00+08:00',
  /** Saturday. */
  weekend: '2026-12-05T11:00:00+08:00',
  /** National Day holiday. */
  holiday: '2026-10-02T10:00:00+08:00',
  /** Wednesday, after closing, two minutes before the local day ends. */
  lateEvening: '2026-12-02T23:58:00+08:00',
} as const;

/** A clock that starts at `iso` and then runs at the real pace, so waits and timeouts still work. */
export function clockFrom(iso: string): Clock {
  const start = new Date(iso).getTime();
  if (Number.isNaN(start)) throw new Error(`not an instant: ${iso}`);
  const origin = performance.now();
  return () => new Date(start + (performance.now() - origin));
}
