import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDepartment } from '../core/routing/resolve-department.js';
import { addWorkingDays } from '../core/routing/working-days.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const name = async (regionCode: string | null, topic: string | null) => (await resolveDepartment(h.services.sql, { regionCode, topic })).name;

describe('routing follows local responsibility (属地)', () => {
  it('sends a case to the county government when the county is known', async () => {
    expect(await name('630121', '环境保护')).toBe('西宁市大通回族土族自治县人民政府');
  });
  it('sends it to the prefecture government when only the prefecture is known', async () => {
    expect(await name('632800', '交通运输')).toBe('海西蒙古族藏族自治州人民政府');
  });
  it('sends it to the provincial department of the topic when the place is unknown', async () => {
    expect(await name(null, '劳动和社会保障')).toBe('青海省人力资源和社会保障厅');
  });
  it('sends it to the supervision office for triage when neither is known', async () => {
    expect(await name(null, null)).toBe('青海省人民政府督查室');
  });
  it('prefers a rule naming the topic, and then the lower priority', async () => {
    const db = h.services.db;
    const office = await db.department.findFirstOrThrow({ where: { code: 'P07' } });
    const other = await db.department.findFirstOrThrow({ where: { code: 'P08' } });
    await db.routingRule.create({ data: { regionCode: '632801', topic: '卫生计生', departmentId: other.id, priority: 50 } });
    await db.routingRule.create({ data: { regionCode: '632801', topic: '卫生计生', departmentId: office.id, priority: 10 } });
    expect(await name('632801', '卫生计生')).toBe(office.name);
    expect(await name('632801', '教育文体')).toBe('海西蒙古族藏族自治州格尔木市人民政府');
  });
});

describe('second-level topics', () => {
  it('use a rule for their first level, and a rule of their own before it', async () => {
    const db = h.services.db;
    const housing = await db.department.findFirstOrThrow({ where: { code: 'P01' } });
    const civil = await db.department.findFirstOrThrow({ where: { code: 'P09' } });
    expect(await name('630104', '城乡建设/物业管理')).toBe('西宁市城西区人民政府');
    await db.routingRule.create({ data: { regionCode: '630104', topic: '城乡建设', departmentId: housing.id } });
    expect(await name('630104', '城乡建设/物业管理')).toBe(housing.name);
    await db.routingRule.create({ data: { regionCode: '630104', topic: '城乡建设/物业管理', departmentId: civil.id } });
    expect(await name('630104', '城乡建设/物业管理')).toBe(civil.name);
    expect(await name('630104', '城乡建设/住房保障')).toBe(housing.name);
  });
});

describe('deadlines count working days in the office time zone', () => {
  const tz = 'Asia/Shanghai';
  it('skips the weekend', () => {
    // Friday 2026-11-27 10:00 in Xining; one working day later is Monday's end.
    const friday = new Date('2026-11-27T02:00:00Z');
    expect(addWorkingDays(friday, 1, tz).toISOString()).toBe('2026-11-30T15:59:59.000Z');
    expect(addWorkingDays(friday, 10, tz).toISOString()).toBe('2026-12-11T15:59:59.000Z');
  });
  it('uses the local date, not the UTC one, late in the evening', () => {
    // 23:30 on Wednesday in Xining is still Wednesday there (15:30 UTC).
    expect(addWorkingDays(new Date('2026-11-25T15:30:00Z'), 1, tz).toISOString()).toBe('2026-11-26T15:59:59.000Z');
  });
  it('skips holidays given to it', () => {
    const calendar = { holidays: new Set(['2026-11-30']), workdays: new Set<string>() };
    expect(addWorkingDays(new Date('2026-11-27T02:00:00Z'), 1, tz, calendar).toISOString()).toBe('2026-12-01T15:59:59.000Z');
  });
  it('counts a make-up working Saturday (调休)', () => {
    const calendar = { holidays: new Set<string>(), workdays: new Set(['2026-11-28']) };
    expect(addWorkingDays(new Date('2026-11-27T02:00:00Z'), 1, tz, calendar).toISOString()).toBe('2026-11-28T15:59:59.000Z');
  });
});
