// The console in a real browser: Debian's Chromium driven by playwright-core (README, Development).
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { serveToBrowser, signedInPage, signInToConsole } from './support/browser.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

const ARTIFACTS = 'test-artifacts';
const PASSWORD = 'a long enough secret';

let h: Harness;
let browser: Browser;
let page: Page;
let base: string;
const alerts: string[] = [];

beforeAll(async () => {
  h = await startHarness({ workers: true, env: { OFFICE_HOURS: 'always', CONSOLE_COOKIE_SECURE: 'false' } });
  const office = await h.services.db.department.findUniqueOrThrow({ where: { code: 'DCS' } });
  await h.services.db.staff.create({ data: { username: 'li', displayName: '李督查', role: 'supervisor', departmentId: office.id, passwordHash: await hashPassword(PASSWORD) } });
  await h.services.db.staff.create({ data: { username: 'root', role: 'admin', passwordHash: await hashPassword(PASSWORD) } });
  ({ base, browser } = await serveToBrowser(h));
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // The page's "today" (the dashboard's default range) is the server's, the harness's fixed clock.
  await page.clock.setFixedTime(h.services.now());
  // Confirmations of irreversible actions are accepted; any other dialog (an alert from injected markup) is a failure.
  page.on('dialog', async (dialog) => {
    if (dialog.type() === 'confirm') return dialog.accept();
    alerts.push(dialog.message());
    await dialog.dismiss();
  });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h.close();
});

const residentSees = (user: string, text: string | RegExp) =>
  eventually(async () => (await h.poll(user)).messages.find((m) => (typeof text === 'string' ? m.text.includes(text) : text.test(m.text))));

describe('the staff console in a browser', () => {
  const user = uniqueUser('browser');
  let caseId = '';

  it('signs in', async () => {
    await signInToConsole(page, base, 'li', PASSWORD);
    expect(await page.textContent('#whoami')).toBe('李督查（督查室）');
  });

  it('shows a new escalation live, without reloading', async () => {
    await page.waitForSelector('#view-inbox:not([hidden])');
    await h.say(user, '转人工');
    const item = page.locator('#handoff-list li', { hasText: '居民要求转人工' });
    await item.first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: `${ARTIFACTS}/console-inbox.png`, fullPage: true });
    await item.first().click();
    await page.waitForSelector('#claim');
  });

  it('claims it and talks with the resident, whose markup stays text', async () => {
    await page.click('#claim');
    await page.waitForSelector('#say-form');
    await residentSees(user, '工作人员已接入');

    const hostile = '城西区胜利路的垃圾<img src=x onerror=alert(1)>三天没人清运';
    expect(await h.say(user, hostile)).toEqual([]);
    await page.locator('#messages .msg', { hasText: 'onerror=alert(1)' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#messages img').count()).toBe(0);
    expect(await page.locator('#messages').textContent()).toContain('<img src=x onerror=alert(1)>');

    await page.fill('#say-form textarea', '您好，我们马上联系城西区处理。');
    await page.click('#say-form button[type=submit]');
    await residentSees(user, '我们马上联系城西区处理');
    await page.locator('#messages .msg.staff', { hasText: '我们马上联系城西区处理' }).first().waitFor();
    expect(alerts).toEqual([]);
  });

  it('turns the conversation into a case the resident hears of, then gives the resident back to the bot', async () => {
    await page.click('details:has(#file-report) > summary');
    await page.selectOption('details:has(#file-report) select >> nth=0', '城乡建设');
    await page.selectOption('details:has(#file-report) select >> nth=1', '630104');
    await page.click('#file-report');
    const told = await residentSees(user, /QH\d{10}/);
    expect(told.text).toContain('西宁市城西区人民政府');
    const number = told.text.match(/QH\d{10}/)![0];
    const created = await h.services.db.case.findUniqueOrThrow({ where: { number } });
    expect(created.description).toContain('<img src=x onerror=alert(1)>');
    caseId = created.id;

    await page.click('#release');
    await residentSees(user, '人工服务已结束');
  });

  it('resolves the case and the resident is asked to rate it', async () => {
    await page.goto(`${base}/console#case/${caseId}`);
    await page.waitForSelector('#case-description');
    // The description, resident text, is shown as text in the case page too.
    expect(await page.locator('#view-case img').count()).toBe(0);
    await page.click('button[data-action=resolve]');
    await page.getByLabel('办理结果（将发给居民）').fill('已于今日清运完毕，并安排每日巡查。');
    await page.click('#action-form button[type=submit]');
    await page.locator('#view-case h2', { hasText: '已办结' }).waitFor({ timeout: 10_000 });
    const asked = await residentSees(user, '已于今日清运完毕');
    expect(asked.buttons?.map((b) => b.label)).toEqual(['满意', '基本满意', '不满意']);
  });

  it('draws the figures as charts', async () => {
    await page.click('#nav a[data-view=dashboard]');
    await page.waitForFunction(() => (document.querySelector('#dash-summary')?.textContent ?? '').includes('累计收到留言'));
    expect(await page.locator('#chart-days svg path').count()).toBe(2);
    expect(await page.locator('#chart-topics svg rect').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${ARTIFACTS}/console-dashboard.png`, fullPage: true });
  });

  it('switches to English, and fits a phone', async () => {
    await page.click('#lang');
    expect(await page.textContent('#nav a[data-view=cases]')).toBe('Cases');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('#nav a[data-view=cases]');
    await page.locator('#case-table tbody tr').first().waitFor();
    // Nothing wider than the screen but the table, which scrolls inside its own box.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${ARTIFACTS}/console-cases-phone.png`, fullPage: true });
  });

  it('gives an admin the accounts, the routing rules and the holiday calendar', async () => {
    const admin = await signedInPage(browser, h, base, 'root', PASSWORD);
    await admin.click('#admin-link');
    await admin.locator('#staff-table tr', { hasText: '李督查' }).waitFor();
    await admin.fill('#holiday-form input[name=year]', '2027');
    await admin.fill('#holiday-form textarea', '2027-01-01 元旦\n2027-02-06 春节调休上班 workday');
    await admin.click('#holiday-form button[type=submit]');
    await admin.locator('#notice', { hasText: '已保存 2 天' }).waitFor();
    expect(await h.services.db.holiday.findUnique({ where: { day: '2027-02-06' } })).toMatchObject({ workday: true, name: '春节调休上班' });
    await admin.close();
  });
});
