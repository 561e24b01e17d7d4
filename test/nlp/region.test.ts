import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RegionMatcher, addressAfter, type RegionDef } from '../../nlp-models/index.js';

const seed = JSON.parse(readFileSync(new URL('../../prisma/seed/regions.json', import.meta.url), 'utf8')) as { regions: RegionDef[] };
const matcher = new RegionMatcher(seed.regions);
const nameOf = (text: string) => matcher.match(text)?.name ?? null;

describe('RegionMatcher', () => {
  it.each([
    ['西宁市城东区建国路', '城东区'],
    ['我住城东，垃圾没人收', '城东区'],
    ['格尔木的暖气不热', '格尔木市'],
    ['大通县桥头镇', '大通回族土族自治县'],
    ['大通回族土族自治县', '大通回族土族自治县'],
    ['河南县优干宁镇', '河南蒙古族自治县'],
    ['海南州共和县恰卜恰镇', '共和县'],
    ['我在西宁上班', '西宁市'],
    ['海东市的问题', '海东市'],
    ['😀 格尔木 😀', '格尔木市'],
    ['ＸＸ城西区胜利路', '城西区'],
  ])('%j → %s', (text, name) => {
    expect(nameOf(text)).toBe(name);
  });

  it('prefers a county over a prefecture, wherever they appear', () => {
    expect(nameOf('海东市平安区')).toBe('平安区');
    expect(nameOf('平安区，属于海东市')).toBe('平安区');
    expect(matcher.match('海东市平安区')?.parentCode).toBe('630200');
  });

  it.each([
    ['北京东城区', '东城 is not 城东'],
    ['我家在城中村，路灯坏了', 'an urban village is not 城中区'],
    ['海南省三亚市', 'Hainan province is not 海南州'],
    ['河南省郑州市', 'Henan province is not 河南县'],
    ['他是河南人', 'a man from Henan'],
    ['在祁连山下放牧', 'the Qilian mountains are not 祁连县'],
    ['一切平安', 'the word 平安 is not 平安区'],
    ['', 'empty text'],
  ])('%j matches nothing (%s)', (text) => {
    expect(nameOf(text)).toBeNull();
  });
});

describe('the address after the region', () => {
  it.each([
    ['海东市乐都区碾伯镇七里店村的自来水已经停了五天', '碾伯镇七里店村'],
    ['乐都碾伯镇七里店村自来水停了', '碾伯镇七里店村'],
    ['城西区胜利路的垃圾三天没人清运', '胜利路'],
    ['格尔木市昆仑路小区门口的路灯坏了', '昆仑路小区门口'],
    ['大通县有人偷倒垃圾', ''],
  ])('%s → %s', (text, address) => {
    expect(addressAfter(text, matcher.match(text)!)).toBe(address);
  });
});
