import { describe, expect, it } from 'vitest';
import { findCaseNumber, looksLikeCaseNumberAttempt, readCaseNumber } from '../../nlp-models/index.js';

describe('findCaseNumber', () => {
  it.each([
    ['QH2611250001', 'QH2611250001'],
    ['查询 QH2611250001 的进度', 'QH2611250001'],
    ['qh2611250001', 'QH2611250001'],
    ['qh-261125-0001', 'QH2611250001'],
    ['QH 26 11 25 0001', 'QH2611250001'],
    ['ＱＨ２６１１２５０００１', 'QH2611250001'],
    ['QH26112512345', 'QH26112512345'],
    ['QH2611250001，电话13812345678', 'QH2611250001'],
  ])('reads %j', (text, number) => {
    expect(findCaseNumber(text)).toBe(number);
  });

  it.each([
    ['QH261125001', 'a 3-digit serial'],
    ['QH2613250001', 'month 13'],
    ['QH2602300001', '30 February'],
    ['AQH2611250001', 'the prefix inside a word'],
    ['2611250001', 'no prefix'],
    ['XA2611250001', 'another prefix'],
  ])('rejects %j (%s)', (text) => {
    expect(findCaseNumber(text)).toBeNull();
  });

  it('uses the configured prefix', () => {
    expect(findCaseNumber('xa-261125-0001', 'XA')).toBe('XA2611250001');
    expect(findCaseNumber('QH2611250001', 'XA')).toBeNull();
  });
});

describe('readCaseNumber', () => {
  it('tells a malformed number from no number at all', () => {
    expect(readCaseNumber('查询 QH2611250001')).toEqual({ kind: 'valid', number: 'QH2611250001' });
    expect(readCaseNumber('查询 123')).toEqual({ kind: 'malformed' });
    expect(readCaseNumber('QH12')).toEqual({ kind: 'malformed' });
    expect(readCaseNumber('查询')).toEqual({ kind: 'none' });
    expect(readCaseNumber('我的案件 2')).toEqual({ kind: 'none' });
  });

  it('looksLikeCaseNumberAttempt is true only for malformed attempts', () => {
    expect(looksLikeCaseNumberAttempt('查询 123')).toBe(true);
    expect(looksLikeCaseNumberAttempt('QH2611250001')).toBe(false);
    expect(looksLikeCaseNumberAttempt('你好')).toBe(false);
  });
});
