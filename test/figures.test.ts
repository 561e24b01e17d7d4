import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseStatus, Satisfaction } from '../core/platform/db.js';
import { computeFigures, figuresText, type Figures } from '../core/cases/figures.js';
import { makeCase } from './support/cases.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
let figures: Figures;
const HOUR = 3_600_000;

// Local time in Xining is UTC+8: "2026-03-02 10:00" there is 02:00 UTC.
const local = (day: string, time = '10:00') => new Date(`${day}T${time}:00+08:00`);

beforeAll(async () => {
  h = await startHarness();
  const add = async (
    at: Date,
    status: CaseStatus,
    opts: { topic?: string | null; region?: string | null; dept?: string; response?: number; close?: number; satisfaction?: Satisfaction; overdue?: boolean; supervised?: boolean } = {},
  ) =>
    makeCase(h.services, {
      status,
      topic: opts.topic === undefined ? '城乡建设' : opts.topic,
      regionCode: opts.region === undefined ? '630102' : opts.region,
      departmentCode: opts.dept,
      set: {
        createdAt: at,
        firstResponseAt: opts.response === undefined ? null : new Date(at.getTime() + opts.response * HOUR),
        resolvedAt: opts.close === undefined ? null : new Date(at.getTime() + opts.close * HOUR),
        satisfaction: opts.satisfaction ?? null,
        overdueAt: opts.overdue ? new Date(at.getTime() + 240 * HOUR) : null,
        supervisedAt: opts.supervised ? new Date(at.getTime() + 300 * HOUR) : null,
      },
    });
  // March 2026, by hand:
  await add(local('2026-03-02'), 'closed', { topic: '城乡建设/物业管理', dept: 'G630102', response: 2, close: 48, satisfaction: 'satisfied' }); // A
  await add(local('2026-03-03'), 'resolved', { dept: 'G630102', response: 4, close: 24 }); // B
  await add(local('2026-03-04'), 'in_progress', { topic: '交通运输', region: '630104', dept: 'G630104', response: 10, overdue: true, supervised: true }); // C
  await add(local('2026-03-04'), 'assigned', { topic: '交通运输', region: '630104', dept: 'G630104', overdue: true }); // D
  await add(local('2026-03-05'), 'rejected', { topic: null, region: null }); // E
  await add(local('2026-03-05'), 'needs_info', { topic: '环境保护' }); // F
  await add(local('2026-03-05'), 'closed', { topic: '环境保护', region: '630121', dept: 'G630121', response: 6, close: 96, satisfaction: 'basic' }); // G
  await add(local('2026-03-31', '23:30'), 'assigned', { dept: 'G630102' }); // I: the last half hour of the range
  await add(local('2026-03-01', '00:10'), 'accepted', { topic: '民政' }); // K: the first minutes of the range
  // Outside the range: the evening before it starts and the morning after it ends.
  await add(local('2026-02-28', '23:30'), 'closed', { dept: 'G630102', response: 1, close: 2, satisfaction: 'unsatisfied' });
  await add(local('2026-04-01', '08:00'), 'closed', { dept: 'G630102', response: 1, close: 2, satisfaction: 'unsatisfied' });
  figures = await computeFigures(h.services.db, { from: '2026-03-01', to: '2026-03-31', timeZone: 'Asia/Shanghai' });
});
afterAll(() => h.close());

describe('the office figures', () => {
  it('count the cases of the period by status', () => {
    // 9 received (A B C D E F G I K); E rejected; F pending; valid 9 − 1 − 1 = 7;
    // closed A B G = 3; in progress C D I K = 4; overdue and open C D = 2; supervised C.
    expect(figures.totals).toEqual({ received: 9, valid: 7, rejected: 1, pending: 1, closed: 3, inProgress: 4, overdue: 2, everOverdue: 2, supervised: 1 });
  });

  it('give nearest-rank medians and 90th percentiles in hours', () => {
    // First responses 2, 4, 6, 10 h → median the 2nd (4), p90 the 4th (10). Closing 24, 48, 96 h → 48 and 96.
    expect(figures.firstResponse).toEqual({ count: 4, medianHours: 4, p90Hours: 10 });
    expect(figures.toClose).toEqual({ count: 3, medianHours: 48, p90Hours: 96 });
  });

  it('rate satisfaction as satisfied plus basically satisfied over ratings given', () => {
    expect(figures.satisfaction).toEqual({ satisfied: 1, basic: 1, unsatisfied: 0, rate: 1 });
  });

  it('break the period down by first-level topic, region and department', () => {
    const topic = (key: string | null) => figures.byTopic.find((r) => r.key === key);
    // 城乡建设: A (second-level), B, I.
    expect(topic('城乡建设')).toMatchObject({ received: 3, valid: 3, closed: 2, inProgress: 1, overdue: 0 });
    expect(topic('交通运输')).toMatchObject({ received: 2, closed: 0, inProgress: 2, overdue: 2 });
    expect(topic('环境保护')).toMatchObject({ received: 2, valid: 1, pending: 1, closed: 1 });
    expect(figures.byTopic[0]!.key).toBe('城乡建设');
    const region = figures.byRegion.find((r) => r.key === '630104');
    expect(region).toMatchObject({ label: '城西区', received: 2 });
    const department = figures.byDepartment.find((r) => r.key === 'G630102');
    expect(department).toMatchObject({ label: '西宁市城东区人民政府', received: 3, closed: 2 });
  });

  it('give received and closed per local day', () => {
    expect(figures.daily).toHaveLength(31);
    const on = (day: string) => figures.daily.find((d) => d.day === day);
    // Closings count on the day they happen: the case received on 28 February was resolved at 01:30 on 1 March.
    expect(on('2026-03-01')).toEqual({ day: '2026-03-01', received: 1, closed: 1 });
    expect(on('2026-03-04')).toEqual({ day: '2026-03-04', received: 2, closed: 2 }); // A and B resolved that day
    expect(on('2026-03-09')).toEqual({ day: '2026-03-09', received: 0, closed: 1 }); // G
    expect(on('2026-03-31')).toEqual({ day: '2026-03-31', received: 1, closed: 0 });
  });

  it('read like an office report in Chinese and in English', () => {
    const zh = figuresText(figures, 'zh');
    expect(zh).toContain('2026-03-01 至 2026-03-31，累计收到留言9条，其中有效留言7条，已办结3条，其余4条正在办理中；不予受理1条');
    expect(zh).toContain('超期未办结2条，挂牌督办1条');
    expect(zh).toContain('群众满意率（满意与基本满意）100%，共2人评价');
    expect(zh).toContain('反映较多的问题：城乡建设3条');
    expect(zh).toContain('留言较多的地区：');
    const en = figuresText(figures, 'en');
    expect(en).toContain('9 messages received, 7 of them valid; 3 closed and the other 4 in progress');
    // Topics and regions by their English names, no Chinese left in the English text.
    expect(en).toContain('Urban & rural construction 3');
    expect(en).toMatch(/Regions with the most messages: .*Chengxi District 2/);
    expect(en).not.toMatch(/\p{Script=Han}/u);
  });
});

describe('npm run report', () => {
  const report = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', 'workers/report-cli.ts', ...args, '--as-of', h.services.now().toISOString()], { env: { ...process.env, DATABASE_URL: h.services.config.DATABASE_URL } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  it('prints the summary for a period', async () => {
    const { code, stdout } = await report('--from', '2026-03-01', '--to', '2026-03-31');
    expect(code).toBe(0);
    expect(stdout).toContain('累计收到留言9条，其中有效留言7条，已办结3条，其余4条正在办理中');
  }, 30_000);

  it('names the hot spots: the same problem in several regions', async () => {
    for (const [region, place] of [['630102', '城东区'], ['630104', '城西区'], ['630121', '大通县']]) {
      await makeCase(h.services, {
        status: 'assigned',
        regionCode: region,
        description: `${place}的小区电梯经常困人，物业维保不到位，居民上下楼很不安全`,
        set: { createdAt: local('2026-05-12') },
      });
    }
    const { code, stdout } = await report('--from', '2026-05-01', '--to', '2026-05-31');
    expect(code).toBe(0);
    expect(stdout).toContain('累计收到留言3条');
    expect(stdout).toMatch(/热点问题（城乡建设）：3件，涉及.*城东区.*城西区|热点问题（城乡建设）：3件，涉及.*城西区.*城东区/);
    // In English the topic and the regions by their English names, as the figures name them.
    const en = await report('--from', '2026-05-01', '--to', '2026-05-31', '--lang', 'en');
    expect(en.code).toBe(0);
    expect(en.stdout).toMatch(/^Hot spot \(Urban & rural construction\): 3 cases in Chengdong District, Chengxi District, Datong [A-Za-z ]+, e\.g\. “/m);
  }, 30_000);

  it('refuses bad dates with one line and exit code 2', async () => {
    for (const args of [['--from', 'yesterday', '--to', '2026-03-31'], ['--from', '2026-03-31', '--to', '2026-03-01'], ['--from', '2026-02-30', '--to', '2026-03-01']]) {
      const { code, stderr } = await report(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr.split('\n')[0]).toMatch(/^report: /);
    }
  }, 60_000);
});
