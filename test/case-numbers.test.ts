import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSerial, nextCaseNumbers } from '../core/cases/case-number.js';
import { findCaseNumber } from '../nlp-models/index.js';
import { startHarness, type Harness } from './support/harness.js';

describe('case numbers past 9,999 a day', () => {
  it('keep four digits up to 8999, then grow, and sort as strings in the order given', () => {
    expect([1, 42, 8999, 9000, 9999, 10_000, 123_456, 99_999_999].map(formatSerial)).toEqual([
      '0001', '0042', '8999', '900009000', '900009999', '900010000', '900123456', '999999999',
    ]);
    const serials = [1, 9, 10, 999, 8998, 8999, 9000, 9001, 9999, 10_000, 99_999, 100_000, 5_000_000, 99_999_999];
    const numbers = serials.map((n) => `QH261125${formatSerial(n)}`);
    expect([...numbers].sort()).toEqual(numbers);
    expect(() => formatSerial(100_000_000)).toThrow(RangeError);
  });

  it('are read back from what a resident types', () => {
    expect(findCaseNumber('查询 QH261125900010000')).toBe('QH261125900010000');
  });

  describe('as the intake hands them out', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness();
    });
    afterAll(() => h.close());

    it('go on past 9,999 in one day without a repeat', async () => {
      const at = new Date('2026-11-25T02:00:00Z');
      const take = (count: number) => nextCaseNumbers(h.services.sql, 'QH', at, 'Asia/Shanghai', count);
      await h.services.sql.query(`INSERT INTO "CaseNumberCounter" ("day", "last") VALUES ('261125', 8997)`);
      const numbers = [...(await take(2)), ...(await take(2))];
      await h.services.sql.query(`UPDATE "CaseNumberCounter" SET "last" = 9998 WHERE "day" = '261125'`);
      numbers.push(...(await take(3)));
      expect(numbers).toEqual(['QH2611258998', 'QH2611258999', 'QH261125900009000', 'QH261125900009001', 'QH261125900009999', 'QH261125900010000', 'QH261125900010001']);
      expect([...numbers].sort()).toEqual(numbers);
    });
  });
});
