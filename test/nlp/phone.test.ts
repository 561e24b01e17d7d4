import { describe, expect, it } from 'vitest';
import { findMobilePhone, parseMobilePhone } from '../../nlp-models/index.js';

describe('findMobilePhone', () => {
  it.each([
    ['我的电话13812345678，请联系', '13812345678'],
    ['电话 138 1234 5678', '13812345678'],
    ['call 138-1234-5678 please', '13812345678'],
    ['+86 139 0000 1111', '13900001111'],
    ['8615912345678', '15912345678'],
    ['0086-19912345678', '19912345678'],
    ['手机１３８１２３４５６７８', '13812345678'],
    ['2020年 138 1234 5678 谢谢', '13812345678'],
  ])('finds the number in %j', (text, phone) => {
    expect(findMobilePhone(text)).toBe(phone);
  });

  it.each([
    ['身份证号630102199001011234', 'an 18-digit ID card number'],
    ['账号 6222021381234567890', 'a longer run of digits'],
    ['138123456789', 'twelve digits'],
    ['1234567890', 'ten digits'],
    ['12345678901', 'a second digit of 2'],
    ['座机 0971-1234567', 'a landline'],
    ['没有电话', 'no digits'],
  ])('finds nothing in %j (%s)', (text) => {
    expect(findMobilePhone(text)).toBeNull();
  });
});

describe('findMobilePhone on long runs of digit groups', () => {
  // An algorithmic bound, not a benchmark: the old search tried every span (cubic) and took seconds.
  it('answers 5,000 characters of "1 1 1 …" quickly, and still finds a number at its end', () => {
    const noise = '1 '.repeat(2500);
    const started = performance.now();
    expect(findMobilePhone(noise)).toBeNull();
    expect(findMobilePhone(`${noise}138 1234 5678`)).toBe('13812345678');
    expect(findMobilePhone(`${noise}1381234567`)).toBeNull();
    // Seconds before; a loaded CI machine may take some tens of milliseconds now.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('parseMobilePhone', () => {
  it.each([
    ['13812345678', '13812345678'],
    [' 138 1234 5678 ', '13812345678'],
    ['+86 13812345678', '13812345678'],
    ['电话：13812345678', '13812345678'],
    ['我的手机号是138-1234-5678。', '13812345678'],
    ['１３８１２３４５６７８', '13812345678'],
  ])('accepts %j', (answer, phone) => {
    expect(parseMobilePhone(answer)).toBe(phone);
  });

  it.each(['不想留', '13812345678 明天下午再打', '1381234567', '23812345678', '630102199001011234', ''])('rejects %j', (answer) => {
    expect(parseMobilePhone(answer)).toBeNull();
  });
});
