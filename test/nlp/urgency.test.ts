import { describe, expect, it } from 'vitest';
import { detectUrgency } from '../../nlp-models/index.js';

const timeZone = 'Asia/Shanghai';
const summer = { now: new Date('2026-07-10T02:00:00Z'), timeZone };
const winter = { now: new Date('2026-01-10T02:00:00Z'), timeZone };

describe('detectUrgency', () => {
  it.each([
    ['小区门口道路塌陷了', 'collapse'],
    ['楼道里有很大的燃气泄漏的味道', 'gas-leak'],
    ['厨房漏气', 'gas-leak'],
    ['对面楼着火了', 'fire'],
    ['工地有人受伤', 'injury'],
    ['有人触电', 'electric-shock'],
    ['There is a gas leak in my building', 'gas-leak'],
    ['The road COLLAPSED', 'collapse'],
    ['a worker was injured', 'injury'],
  ])('%j is urgent (%s)', (text, signal) => {
    expect(detectUrgency(text, summer)).toEqual({ urgent: true, signals: [signal] });
  });

  it('reports every signal found', () => {
    expect(detectUrgency('房子倒塌起火，有人受伤', summer).signals).toEqual(['collapse', 'fire', 'injury']);
  });

  it('treats a loss of heat, water or power as urgent only in winter', () => {
    expect(detectUrgency('小区停暖三天了', winter).urgent).toBe(true);
    expect(detectUrgency('小区停暖三天了', summer).urgent).toBe(false);
    expect(detectUrgency('小区断水两天了', summer).urgent).toBe(false);
    expect(detectUrgency('冬天零下二十度，小区断水两天了', summer).signals).toEqual(['winter-outage']);
  });

  it.each(['路灯不亮了', '噪音扰民', 'the fireworks were loud', '', '🙂🙂'])('%j is not urgent', (text) => {
    expect(detectUrgency(text, winter)).toEqual({ urgent: false, signals: [] });
  });
});
