// The administration page's department alerts and the ranking page, in Debian's Chromium (playwright-core).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { makeCase } from './support/cases.js';
import { serveToBrowser, signedInPage } from './support/browser.js';
import { startHarness, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
/** Saves the alerts form and returns the notice it shows (the previous one cleared first). */
async function save(): Promise<string> {
  await page.evaluate(() => {
    const box = document.querySelector<HTMLElement>('#notice')!;
    box.textContent = '';
    box.hidden = true;
  });
  await page.click('#alerts-form button[type=submit]');
  await page.waitForSelector('#notice:not([hidden])');
  return (await page.textContent('#notice')) ?? '';
}
let h: Harness;
let browser: Browser;
let page: Page;
let base: string;

beforeAll(async () => {
  h = await startHarness({ env: { CONSOLE_COOKIE_SECURE: 'false' } });
  await h.services.db.staff.create({ data: { username: 'root', displayName: '管理员', role: 'admin', passwordHash: await hashPassword(PASSWORD) } });
  ({ base, browser } = await serveToBrowser(h));
  page = await signedInPage(browser, h, base, 'root', PASSWORD);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('department alerts on the administration page', () => {
  it('adds a WeCom robot and a DingTalk robot to a department, and shows their secrets masked after saving', async () => {
    await page.click('#admin-link');
    await page.waitForSelector('#alerts-department option[value=G630102]', { state: 'attached' });
    await page.selectOption('#alerts-department', 'G630102');
    await page.getByText('这个部门还没有设置提醒。').waitFor();

    await page.click('#alerts-add');
    await page.fill('#alerts-list li:nth-child(1) input[name=url]', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa');
    await page.click('#alerts-add');
    const ding = page.locator('#alerts-list li:nth-child(2)');
    await ding.getByLabel('方式').selectOption('dingtalk');
    await ding.getByLabel('Webhook 地址').fill('https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789');
    await ding.getByLabel('加签密钥（SEC…）').fill('SEC1234567890abcdefgh');
    await page.check('#alerts-form input[name=digest]');
    expect(await save()).toBe('已保存 2 个联系方式。');

    const stored = await h.services.db.alertContact.findMany({ where: { department: { code: 'G630102' } }, orderBy: { createdAt: 'asc' } });
    expect(stored.map((c) => [c.kind, c.secret])).toEqual([['wecom', null], ['dingtalk', 'SEC1234567890abcdefgh']]);
    expect((await h.services.db.department.findUniqueOrThrow({ where: { code: 'G630102' } })).alertDigest).toBe(true);
    // Shown again masked; saving unchanged keeps the real secret.
    await expect.poll(() => ding.getByLabel('加签密钥（SEC…）').inputValue()).toBe('SEC••••efgh');
    expect(await page.locator('#alerts-list li:nth-child(1) input[name=url]').inputValue()).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693••••5aaa');
    expect(await save()).toBe('已保存 2 个联系方式。');
    const again = await h.services.db.alertContact.findMany({ where: { department: { code: 'G630102' } }, orderBy: { createdAt: 'asc' } });
    expect(again.map((c) => [c.url, c.secret])).toEqual(stored.map((c) => [c.url, c.secret]));
  });

  it('keeps a contact added right after saving, and explains a refused address', async () => {
    // Saving shows what was stored as it is: a reload after it, on a slow link, replaced the row being added.
    const slow = /\/console\/api\/admin\/departments(\/G630102)?$/;
    await page.route(slow, async (route) => {
      await new Promise((r) => setTimeout(r, 500));
      await route.continue();
    });
    try {
      expect(await save()).toBe('已保存 2 个联系方式。');
      await page.click('#alerts-add');
      await page.fill('#alerts-list li:nth-child(3) input[name=url]', 'http://robot.example.com/hook');
      await page.evaluate(() => new Promise((r) => setTimeout(r, 1500)));
      expect(await page.locator('#alerts-list li.alert-contact').count()).toBe(3);
      expect(await page.locator('#alerts-department option:checked').textContent()).toContain('· 2');
    } finally {
      await page.unroute(slow);
    }
    expect(await save()).toBe('出错了：提交的内容不完整或格式不对：alerts.2.url: the webhook must be an https:// URL');
    expect(await h.services.db.alertContact.count({ where: { department: { code: 'G630102' } } })).toBe(2);
  });

  it('keeps showing the department chosen last when the one chosen before answers late', async () => {
    // 城中区's contacts come slowly (a slow link); the admin moves on to 城东区 meanwhile.
    const slow = /\/console\/api\/admin\/departments\/G630103$/;
    await page.route(slow, async (route) => {
      await new Promise((r) => setTimeout(r, 1000));
      await route.continue();
    });
    try {
      const late = page.waitForResponse((res) => slow.test(res.url()));
      await page.selectOption('#alerts-department', 'G630103');
      await page.selectOption('#alerts-department', 'G630102');
      await expect.poll(() => page.locator('#alerts-list li.alert-contact').count()).toBe(2);
      await late;
      await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
      // Still 城东区's two robots: 城中区's empty list would have replaced them, and saving would have removed them.
      expect(await page.locator('#alerts-list li.alert-contact').count()).toBe(2);
      expect(await save()).toBe('已保存 2 个联系方式。');
      expect(await h.services.db.alertContact.count({ where: { department: { code: 'G630102' } } })).toBe(2);
    } finally {
      await page.unroute(slow);
    }
  });

  it('shows a department left without contacts as such, in the form and in the list of departments', async () => {
    await page.selectOption('#alerts-department', 'G630102');
    await expect.poll(() => page.locator('#alerts-list li.alert-contact').count()).toBe(2);
    expect(await page.locator('#alerts-department option:checked').textContent()).toContain('· 2');
    const remove = page.locator('#alerts-list li.alert-contact button');
    while (await remove.count()) await remove.first().click();
    expect(await save()).toBe('已保存 0 个联系方式。');
    expect(await page.locator('#alerts-list').textContent()).toBe('这个部门还没有设置提醒。');
    expect(await page.locator('#alerts-department option:checked').textContent()).not.toContain('·');
    expect(await h.services.db.alertContact.count({ where: { department: { code: 'G630102' } } })).toBe(0);
  });
});

describe('the ranking page', () => {
  it('draws the three rates per department with a legend and words for screen readers, and offers the spreadsheet', async () => {
    const { db, now } = h.services;
    const department = await db.department.findUniqueOrThrow({ where: { code: 'G630102' } });
    const c = await makeCase(h.services, { status: 'closed', departmentCode: 'G630102', set: { resolvedAt: now(), satisfaction: 'satisfied', deadline: now() } });
    await db.caseEvent.create({ data: { caseId: c.id, type: 'assigned', actor: 'system:route', at: new Date(now().getTime() - 3_600_000), data: { departmentId: department.id } } });

    await page.click('#ranking-link');
    const row = page.locator('#ranking-table tbody tr', { hasText: '西宁市城东区人民政府' });
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual(['1', '1', '—', '100.0%', '100.0%', '1.0', '0', '0']);
    expect(await page.locator('#ranking-legend li').allTextContents()).toEqual(['响应率', '解决率', '满意率']);
    const chart = page.locator('#ranking-chart svg');
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await page.locator(`#${await chart.getAttribute('aria-labelledby')}`).textContent()).toBe('各部门三率');
    expect(await chart.locator('title').first().textContent()).toBe('西宁市城东区人民政府：响应率 —，解决率 100.0%，满意率 100.0%');
    expect(await page.locator('#ranking-definitions dt').first().textContent()).toBe('案件数');
    const today = (await page.inputValue('#ranking-range input[name=to]'));
    expect(today).toBe('2026-12-02');
    expect(await page.getAttribute('#ranking-export', 'href')).toBe(`/console/api/ranking.xlsx?from=2026-12-01&to=2026-12-02&lang=zh`);
    const download = await page.request.get(`${base}/console/api/ranking.xlsx?from=2026-12-01&to=2026-12-02&lang=zh`);
    expect(download.headers()['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  });
});
