import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workers: true, env: { DATABASE_POOL_SIZE: '2' } });
});
afterAll(() => h?.close());

describe('DATABASE_POOL_SIZE', () => {
  it('bounds the connections a process opens to twice the setting, and residents writing at once are all answered', async () => {
    const residents = Array.from({ length: 20 }, () => uniqueUser('pool'));
    const answers = await Promise.all(residents.map((user) => h.send(user, { text: '城东区八一路的路灯坏了一个月了，晚上很黑' })));
    expect(answers.map((a) => a.status)).toEqual(residents.map(() => 200));
    const { rows } = await h.services.sql.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()`);
    expect(Number(rows[0]!.n)).toBeLessThanOrEqual(4);
  });
});
