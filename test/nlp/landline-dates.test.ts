import { describe, expect, it } from 'vitest';
import { findDate, findQinghaiLandline, parseQinghaiLandline } from '../../nlp-models/index.js';

describe('Qinghai landlines', () => {
  it('reads the area code and local number however they are written', () => {
    expect(findQinghaiLandline('请打办公室电话0971-8123456')).toBe('0971-8123456');
    expect(findQinghaiLandline('(0977)8212345 找王主任')).toBe('0977-8212345');
    expect(findQinghaiLandline('座机 0972 6123456')).toBe('0972-6123456');
    expect(findQinghaiLandline('０９７１８１２３４５６')).toBe('0971-8123456');
    expect(parseQinghaiLandline('电话：0971-8123456')).toBe('0971-8123456');
  });

  it('leaves other provinces, mobiles and ID cards alone', () => {
    expect(findQinghaiLandline('010-62345678')).toBeNull();
    expect(findQinghaiLandline('13912345678')).toBeNull();
    expect(findQinghaiLandline('630102199001011234')).toBeNull();
    expect(findQinghaiLandline('0971-0123456')).toBeNull();
    expect(parseQinghaiLandline('0971-8123456 或者 13912345678')).toBeNull();
  });
});

describe('dates and relative times', () => {
  // Wednesday 25 November 2026, 10:00 in Xining.
  const now = new Date('2026-11-25T02:00:00Z');
  const date = (text: string) => findDate(text, now)?.date;

  it('resolves relative days and weekdays against the office’s today', () => {
    expect(date('昨天晚上开始停水')).toBe('2026-11-24');
    expect(date('前天')).toBe('2026-11-23');
    expect(date('3天前路面就塌了')).toBe('2026-11-22');
    expect(date('上周五下午')).toBe('2026-11-20');
    expect(date('上上周一')).toBe('2026-11-09');
    expect(date('周一就报修了')).toBe('2026-11-23');
    expect(date('星期五')).toBe('2026-11-20');
    expect(date('yesterday afternoon')).toBe('2026-11-24');
    expect(date('since last friday')).toBe('2026-11-20');
  });

  it('reads calendar dates, taking a month-day still to come as last year’s', () => {
    expect(date('3月5日')).toBe('2026-03-05');
    expect(date('12月3号开始施工')).toBe('2025-12-03');
    expect(date('2026年11月1日')).toBe('2026-11-01');
    expect(date('2026-10-09')).toBe('2026-10-09');
    expect(date('on March 5th')).toBe('2026-03-05');
  });

  it('uses the time zone, not UTC, to know what today is', () => {
    // 23:30 on the 25th in Xining is still the 25th UTC-wise 15:30.
    expect(findDate('今天', new Date('2026-11-25T15:30:00Z'))?.date).toBe('2026-11-25');
    expect(findDate('今天', new Date('2026-11-25T16:30:00Z'))?.date).toBe('2026-11-26');
  });

  it('finds nothing where there is no date, and rejects impossible ones', () => {
    expect(date('小区路灯坏了')).toBeUndefined();
    expect(date('2月30日')).toBeUndefined();
    expect(date('3个人受伤')).toBeUndefined();
  });
});
