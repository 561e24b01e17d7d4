import { describe, expect, it } from 'vitest';
import { detectUrgency, mentionsOutage } from '../../nlp-models/index.js';

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

  it('recognises a supply cut off however it is put', () => {
    for (const text of ['互助县威远镇小寨村的自来水已经停了五天，老人用水困难', '我们村没有水三天了', '楼里没电一整天', 'Our street has had no water since Monday']) {
      expect(mentionsOutage(text), text).toBe(true);
      expect(detectUrgency(text, winter).signals, text).toContain('winter-outage');
    }
    expect(mentionsOutage('路灯不亮了')).toBe(false);
    expect(mentionsOutage('小区门口的水沟堵了')).toBe(false);
    expect(mentionsOutage('3号楼电梯停了三天')).toBe(false);
    expect(mentionsOutage('老小区没电梯，老人上下楼难')).toBe(false);
  });

  it.each(['路灯不亮了', '噪音扰民', 'the fireworks were loud', '', '🙂🙂'])('%j is not urgent', (text) => {
    expect(detectUrgency(text, winter)).toEqual({ urgent: false, signals: [] });
  });
});
