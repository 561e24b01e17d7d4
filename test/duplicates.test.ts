import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseStatus } from '../core/platform/db.js';
import { findDuplicate, findHotSpots, textSimilarity } from '../core/cases/duplicates.js';
import { startHarness, uniqueUser, type Harness } from './support/harness.js';

const ELEVATOR = '幸福小区3号楼电梯坏了一个星期没人修，老人上下楼很困难';
const ELEVATOR_REWORDED = '幸福小区三号楼的电梯停了七八天，物业不管';

describe('textSimilarity', () => {
  it('scores the same problem in other words high', () => {
    expect(textSimilarity('幸福小区3号楼电梯坏了一个星期没人修', ELEVATOR_REWORDED)).toBeGreaterThan(0.5);
    expect(textSimilarity('湟中区鲁沙尔镇自来水已经停了三天', '鲁沙尔镇停水3天了，老人没水做饭')).toBeGreaterThan(0.5);
  });

  it('scores the same kind of problem at another place clearly lower', () => {
    const here = textSimilarity('幸福小区电梯坏了', '幸福小区的电梯又坏了');
    const elsewhere = textSimilarity('幸福小区电梯坏了', '阳光花园小区电梯坏了');
    expect(here).toBeGreaterThan(0.6);
    expect(elsewhere).toBeLessThan(0.2);
    expect(textSimilarity('幸福小区3号楼电梯坏了一个星期没人修', '阳光花园小区5号楼电梯坏了一个星期没人修')).toBeLessThan(0.3);
  });

  it('is 1 for the same text, 0 with an empty one, and symmetric', () => {
    expect(textSimilarity(ELEVATOR, ELEVATOR)).toBeCloseTo(1, 6);
    expect(textSimilarity('', ELEVATOR)).toBe(0);
    expect(textSimilarity('', '')).toBe(0);
    expect(textSimilarity(ELEVATOR, ELEVATOR_REWORDED)).toBe(textSimilarity(ELEVATOR_REWORDED, ELEVATOR));
  });

  it('does not take shared boilerplate for the same problem', () => {
    // Only bigrams across word boundaries (映问, 望尽) are left of it.
    expect(textSimilarity('反映问题，希望尽快解决', '反映一个问题，希望有关部门尽快解决')).toBeLessThan(0.3);
  });
});

let h: Harness;
let serial = 0;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function insertCase(c: {
  description: string;
  regionCode: string;
  topic: string;
  createdAt: Date;
  status?: CaseStatus;
  duplicateOfId?: string;
  features?: Uint8Array<ArrayBuffer>;
}) {
  const db = h.services.db;
  const resident = await db.resident.create({ data: { channel: 'webchat', externalId: uniqueUser('dup') } });
  const submission = await db.submission.create({
    data: {
      residentId: resident.id,
      conversationId: randomUUID(),
      channel: 'webchat',
      language: 'zh',
      description: c.description,
      topic: c.topic,
      regionCode: c.regionCode,
      createdAt: c.createdAt,
    },
  });
  return db.case.create({
    data: {
      number: `QH9901${String(++serial).padStart(6, '0')}`,
      submissionId: submission.id,
      residentId: resident.id,
      status: c.status ?? 'assigned',
      topic: c.topic,
      description: c.description,
      regionCode: c.regionCode,
      createdAt: c.createdAt,
      duplicateOfId: c.duplicateOfId ?? null,
      features: c.features ?? null,
    },
  });
}

const opts = { windowDays: 30, threshold: 0.3 };
const candidate = (regionCode: string | null, topic: string | null, createdAt: Date, description = ELEVATOR_REWORDED) => ({
  id: randomUUID(),
  regionCode,
  topic,
  description,
  createdAt,
});

describe('findDuplicate', () => {
  it('finds the open case about the same problem in the same region and first-level topic', async () => {
    const root = await insertCase({ description: ELEVATOR, regionCode: '630102', topic: '城乡建设/物业管理', createdAt: new Date('2031-03-01T08:00:00Z') });
    await insertCase({ description: '城东区八一路路灯不亮', regionCode: '630102', topic: '城乡建设', createdAt: new Date('2031-03-02T08:00:00Z') });
    const found = await findDuplicate(h.services.sql, candidate('630102', '城乡建设', new Date('2031-03-05T08:00:00Z')), opts);
    expect(found?.id).toBe(root.id);
    expect(found?.number).toBe(root.number);
    expect(found?.similarity).toBeGreaterThan(0.5);
  });

  it('reads the text of a case whose features an older version stored, and ignores those features', async () => {
    // Format version 0 and words that share nothing with the candidate.
    const stale = new Uint8Array([0, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0]);
    const root = await insertCase({ description: ELEVATOR, regionCode: '630123', topic: '城乡建设', createdAt: new Date('2031-03-01T08:00:00Z'), features: stale });
    const found = await findDuplicate(h.services.sql, candidate('630123', '城乡建设', new Date('2031-03-05T08:00:00Z')), opts);
    expect(found?.id).toBe(root.id);
    expect(found?.similarity).toBeGreaterThan(0.5);
  });

  it('does not link across regions or topics, nor without a region or topic', async () => {
    await insertCase({ description: ELEVATOR, regionCode: '630103', topic: '城乡建设', createdAt: new Date('2031-04-01T08:00:00Z') });
    const at = new Date('2031-04-03T08:00:00Z');
    expect(await findDuplicate(h.services.sql, candidate('630104', '城乡建设', at), opts)).toBeNull();
    expect(await findDuplicate(h.services.sql, candidate('630103', '商贸旅游', at), opts)).toBeNull();
    expect(await findDuplicate(h.services.sql, candidate(null, '城乡建设', at), opts)).toBeNull();
    expect(await findDuplicate(h.services.sql, candidate('630103', null, at), opts)).toBeNull();
    expect(await findDuplicate(h.services.sql, candidate('630103', '城乡建设', at), opts)).not.toBeNull();
  });

  it('does not link to a closed, rejected or not yet accepted case', async () => {
    for (const status of ['closed', 'rejected', 'resolved', 'received'] as const) {
      await insertCase({ description: ELEVATOR, regionCode: '630105', topic: '城乡建设', createdAt: new Date('2031-05-01T08:00:00Z'), status });
    }
    expect(await findDuplicate(h.services.sql, candidate('630105', '城乡建设', new Date('2031-05-02T08:00:00Z')), opts)).toBeNull();
  });

  it('does not link to a case older than the window, or created after the candidate', async () => {
    await insertCase({ description: ELEVATOR, regionCode: '630121', topic: '城乡建设', createdAt: new Date('2031-06-01T08:00:00Z') });
    expect(await findDuplicate(h.services.sql, candidate('630121', '城乡建设', new Date('2031-07-02T08:00:00Z')), opts)).toBeNull();
    expect(await findDuplicate(h.services.sql, candidate('630121', '城乡建设', new Date('2031-05-31T08:00:00Z')), opts)).toBeNull();
    expect(await findDuplicate(h.services.sql, candidate('630121', '城乡建设', new Date('2031-06-30T08:00:00Z')), opts)).not.toBeNull();
  });

  it('links to the root case, never to a case that is itself a duplicate', async () => {
    const root = await insertCase({ description: '鲁沙尔镇自来水停了三天', regionCode: '630106', topic: '城乡建设', createdAt: new Date('2031-08-01T08:00:00Z') });
    await insertCase({
      description: '湟中区鲁沙尔镇自来水已经停了三天',
      regionCode: '630106',
      topic: '城乡建设',
      createdAt: new Date('2031-08-02T08:00:00Z'),
      duplicateOfId: root.id,
    });
    const found = await findDuplicate(h.services.sql, candidate('630106', '城乡建设', new Date('2031-08-03T08:00:00Z'), '湟中区鲁沙尔镇自来水已经停了3天'), opts);
    expect(found?.id).toBe(root.id);
  });
});

describe('findHotSpots', () => {
  it('groups the same problem across regions and leaves a lone case out', async () => {
    const at = (day: number) => new Date(`2032-01-${String(day).padStart(2, '0')}T08:00:00Z`);
    const grouped = [
      await insertCase({ description: '幼儿园每月额外收取兴趣班费用八百元，家长不交孩子就不能入园', regionCode: '630102', topic: '教育文体', createdAt: at(3) }),
      await insertCase({ description: '幼儿园每月额外收取兴趣班费用800元，不交不让孩子入园', regionCode: '632801', topic: '教育文体', createdAt: at(5) }),
      await insertCase({ description: '我们这里的幼儿园强制收取兴趣班费用，每月八百元，不交不能入园', regionCode: '630223', topic: '教育文体/学前教育', createdAt: at(9) }),
    ];
    await insertCase({ description: '学校门口的道路没有红绿灯，孩子过马路很危险', regionCode: '630104', topic: '教育文体', createdAt: at(4) });
    const spots = await findHotSpots(h.services.db, { from: at(1), to: at(31), threshold: 0.3, minCases: 3, minRegions: 2 });
    expect(spots).toHaveLength(1);
    expect(spots[0]!.topic).toBe('教育文体');
    expect(spots[0]!.count).toBe(3);
    expect(spots[0]!.caseNumbers).toEqual(grouped.map((c) => c.number).sort());
    expect(spots[0]!.regions.map((r) => r.code)).toEqual(['630102', '630223', '632801']);
    expect(spots[0]!.regions.map((r) => r.name)).toEqual(['城东区', '互助土族自治县', '格尔木市']);
    expect(spots[0]!.firstAt).toEqual(at(3));
    expect(spots[0]!.lastAt).toEqual(at(9));
    expect(grouped.map((c) => c.description)).toContain(spots[0]!.description);
  });
});
