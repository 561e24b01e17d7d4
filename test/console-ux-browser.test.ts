// The console as staff meet it (issue 15): translated refusals, the inbox, the phone, the charts
// and an axe-core check of every view in both languages. One browser, one harness, demo data at
// the fixed clock. `npm run screenshots` runs this file with UPDATE_SCREENSHOTS=1 and also writes
// the README's pictures to docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { staffErrorText } from '../core/i18n/index.js';
import { makeCase } from './support/cases.js';
import { serveToBrowser, signInToConsole } from './support/browser.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

const ARTIFACTS = 'test-artifacts';
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : null;
const PASSWORD = 'a long enough secret';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const PHONE = { width: 390, height: 844 };
// Each test drives Chromium (and axe-core, a few seconds a view on a busy machine).
const SLOW = 120_000;

let h: Harness;
let browser: Browser;
let base: string;
const pageErrors: string[] = [];
const ids = { urgent: '', asked: '', ownCase: '', otherCase: '', closedCase: '' };
const resident = uniqueUser('ux');

async function open(viewport = { width: 1280, height: 800 }, lang: 'zh' | 'en' = 'zh'): Promise<{ context: BrowserContext; page: Page }> {
  // bypassCSP only so the test can inject axe-core; the page's own scripts run as in production.
  const context = await browser.newContext({ viewport, bypassCSP: true });
  const page = await context.newPage();
  await page.clock.setFixedTime(h.services.now());
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.addInitScript((l) => localStorage.setItem('desk-lang', l), lang);
  return { context, page };
}

async function signIn(page: Page, username: string, hash = ''): Promise<void> {
  await signInToConsole(page, base, username, PASSWORD, hash);
}

/** Serious and critical axe-core findings on what the page shows now. */
async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } };
    const result = await w.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.targets.slice(0, 3).join(', ')}`);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/${name}.png` });
}

beforeAll(async () => {
  h = await startHarness({ env: { OFFICE_HOURS: 'always', CONSOLE_COOKIE_SECURE: 'false' } });
  const { db } = h.services;
  const dept = async (code: string) => (await db.department.findUniqueOrThrow({ where: { code } })).id;
  await db.staff.createMany({
    data: [
      { username: 'li', displayName: '李督查', role: 'supervisor', departmentId: await dept('DCS'), passwordHash: await hashPassword(PASSWORD) },
      { username: 'wang', displayName: '王承办', role: 'handler', departmentId: await dept('G630102'), passwordHash: await hashPassword(PASSWORD) },
      { username: 'root', displayName: '管理员', role: 'admin', passwordHash: await hashPassword(PASSWORD) },
    ],
  });
  // A resident who taps 转人工 on the menu, with a phone on file and two open cases (one of them Chengdong's).
  await h.say(resident, '你好');
  await h.press(resident, 'menu:human');
  await h.say(resident, '城东区八一路的路灯坏了一个月，晚上很黑');
  const asked = await eventually(async () => (await db.handoff.findFirst({ where: { resident: { externalId: resident } } })) ?? undefined);
  ids.asked = asked.id;
  await db.resident.update({ where: { id: asked.residentId }, data: { phone: '13900001111' } });
  const own = await makeCase(h.services, { user: resident, status: 'assigned', departmentCode: 'G630102', set: { supervisedAt: h.services.now() } });
  await db.submission.update({ where: { id: own.submissionId }, data: { phone: '13800002222' } });
  ids.ownCase = own.id;
  ids.otherCase = (await makeCase(h.services, { user: resident, status: 'reopened', departmentCode: 'G630104', regionCode: '630104', set: { supervisedAt: h.services.now() } })).id;
  ids.closedCase = (await makeCase(h.services, { status: 'resolved', departmentCode: 'G630102', topic: '环境保护', set: { resolvedAt: h.services.now() } })).id;
  // A safety hazard that came in later but waited 12 minutes already: it goes first, marked.
  const other = uniqueUser('ux');
  await h.say(other, '楼道里有很浓的煤气味');
  const r = await db.resident.findUniqueOrThrow({ where: { channel_externalId: { channel: 'webchat', externalId: other } } });
  const conversation = await db.conversation.findFirstOrThrow({ where: { residentId: r.id } });
  await db.handoff.updateMany({ where: { residentId: r.id }, data: { status: 'released', releasedAt: h.services.now() } });
  ids.urgent = (await db.handoff.create({ data: { conversationId: conversation.id, residentId: r.id, reason: 'urgent', requestedAt: new Date(h.services.now().getTime() - 12 * 60_000) } })).id;

  ({ base, browser } = await serveToBrowser(h));
  mkdirSync(ARTIFACTS, { recursive: true });
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('signing in', () => {
  it('says why in the page language, and the refusal goes away once signed in', async () => {
    for (const [lang, said] of [['zh', '登录失败：用户名或密码不正确'], ['en', 'Could not sign in: wrong username or password']] as const) {
      const { context, page } = await open(undefined, lang);
      await page.goto(`${base}/console`);
      expect(await axe(page), `login ${lang}`).toEqual([]);
      await page.fill('input[name=username]', 'li');
      await page.fill('input[name=password]', 'not the password');
      await page.click('#login-form button[type=submit]');
      await expect.poll(() => page.textContent('#notice')).toBe(said);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('#login-form button[type=submit]');
      await page.waitForSelector('#nav:not([hidden])');
      expect(await page.isHidden('#notice')).toBe(true);
      await context.close();
    }
  }, SLOW);
});

describe('the inbox', () => {
  it('puts the safety hazard first and marked, with preview, channel and wait, reachable by keyboard', async () => {
    const { context, page } = await open();
    await signIn(page, 'li');
    const items = page.locator('#handoff-list button.handoff');
    await expect.poll(() => items.count()).toBe(2);
    expect(await items.first().getAttribute('data-id')).toBe(ids.urgent);
    expect(await items.first().textContent()).toMatch(/^紧急涉及安全的紧急情况.*楼道里有很浓的煤气味.*网页聊天 · 已等 12 分钟 · 等待中$/);
    expect(await items.nth(1).textContent()).toContain('城东区八一路的路灯坏了一个月');
    expect(await page.locator('#handoff-list li.urgent').count()).toBe(1);
    // Tab reaches the cards and Enter opens one.
    await items.nth(1).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#claim');
    expect(await items.nth(1).getAttribute('aria-current')).toBe('true');
    await shoot(page, 'console-inbox');
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, SLOW);

  it('shows a tapped button as its label and, beside the chat, the phone and open cases', async () => {
    const { context, page } = await open();
    await signIn(page, 'li');
    await page.click(`#handoff-list button[data-id="${ids.asked}"]`);
    await page.waitForSelector('#claim');
    const inbound = await page.locator('#messages .msg.inbound .text').allTextContents();
    expect(inbound).toContain('[转人工]');
    expect(inbound.every((text) => text.trim() !== '')).toBe(true);
    // The office sees the resident's own phone and every open case.
    expect(await page.textContent('#resident-phone')).toBe('13900001111');
    expect(await page.locator('#resident-cases a').allTextContents()).toEqual([expect.stringMatching(/重新办理$/), expect.stringMatching(/已转办$/)]);
    await context.close();
  }, SLOW);

  it('sends on Enter, keeps Shift+Enter for a new line, and refuses a hand-over to nobody in words', async () => {
    const { context, page } = await open();
    await signIn(page, 'li');
    await page.click(`#handoff-list button[data-id="${ids.asked}"]`);
    await page.click('#claim');
    await page.waitForSelector('#say-form');
    await page.focus('#say-form textarea');
    await page.keyboard.type('您好，');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('我们马上联系城东区。');
    expect(await page.inputValue('#say-form textarea')).toBe('您好，\n我们马上联系城东区。');
    await page.keyboard.press('Enter');
    await eventually(async () => (await h.poll(resident)).messages.find((m) => m.text === '您好，\n我们马上联系城东区。'));
    expect(await page.inputValue('#say-form textarea')).toBe('');

    // The label names the choice, the button the act; nobody chosen, nothing to press.
    expect(await page.textContent('label:has(#transfer-to) > span')).toBe('转交给');
    expect(await page.textContent('#transfer')).toBe('转交');
    expect(await page.isDisabled('#transfer')).toBe(true);
    // Were it pressed anyway (an old page, say), the refusal is in Chinese.
    await page.evaluate(() => document.querySelector('#transfer')!.removeAttribute('disabled'));
    await page.click('#transfer');
    await expect.poll(() => page.textContent('#notice')).toBe('出错了：请先选择一位在岗的同事，再转交。');
    const wang = await h.services.db.staff.findUniqueOrThrow({ where: { username: 'wang' } });
    await page.selectOption('#transfer-to', wang.id);
    expect(await page.isDisabled('#transfer')).toBe(false);
    await page.click('#transfer');
    await expect.poll(async () => (await h.services.db.handoff.findUniqueOrThrow({ where: { id: ids.asked } })).staffId).toBe(wang.id);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, SLOW);

  it('gives a handler only their department’s cases and phone, and words an empty inbox for a handler', async () => {
    const { context, page } = await open(undefined, 'en');
    await signIn(page, 'wang');
    await page.click(`#handoff-list button[data-id="${ids.asked}"]`);
    await page.waitForSelector('#resident');
    expect(await page.textContent('#resident-phone')).toBe('13800002222');
    expect(await page.locator('#resident-cases a').allTextContents()).toEqual([expect.stringMatching(/assigned$/)]);
    expect(await axe(page)).toEqual([]);
    await page.click('#release');
    await expect.poll(() => page.textContent('#handoff-list')).toBe('No conversation has been handed to you. When the supervision office hands you one, it appears here.');
    await context.close();
  }, SLOW);
});

describe('cases', () => {
  it('answers another department’s case by URL with a page that says so', async () => {
    for (const [lang, said] of [['zh', '没有找到这个案件，或它不归您的单位办理。'], ['en', 'This case does not exist or is not your department’s.']] as const) {
      const { context, page } = await open(undefined, lang);
      await signIn(page, 'wang', `#case/${ids.otherCase}`);
      await expect.poll(() => page.textContent('#case-missing h2')).toBe(said);
      expect(await axe(page)).toEqual([]);
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  }, SLOW);

  it('gives refusals of case actions a text in both languages', async () => {
    const login = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username: 'li', password: PASSWORD } });
    const headers = { cookie: String(login.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': login.json().csrfToken };
    const res = await h.app.inject({ method: 'POST', url: `/console/api/cases/${ids.ownCase}/accept`, payload: {}, headers });
    expect(res.statusCode).toBe(409);
    // The action panel's rule (what each status allows) refuses it before the status machine would.
    expect(res.json()).toMatchObject({ code: 'conflict', key: 'staffError.actionNotNow', params: { from: 'assigned' } });
    // In the staff member's language, statuses in words (the page does the same with its strings).
    expect(staffErrorText('zh', res.json().key, res.json().params)).toMatch(/^案件 QH\d+ 当前是“已转办”，不能做这项操作。/);
    expect(staffErrorText('en', res.json().key, res.json().params)).toMatch(/^Case QH\d+ is “assigned”: that action does not apply now\./);
  }, SLOW);

  it('lists cases as cards on a phone, with names and statuses in words, and a sign-out that fits', async () => {
    for (const lang of ['zh', 'en'] as const) {
      const { context, page } = await open(PHONE, lang);
      await signIn(page, 'li', '#cases');
      const row = page.locator('#case-table tbody tr', { has: page.locator(`a[href="#case/${ids.otherCase}"]`) });
      await row.waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      expect(await page.locator('#case-table thead').boundingBox().then((b) => b!.height)).toBeLessThanOrEqual(1);
      const statusCell = row.locator('td[data-label]').nth(1);
      expect(await statusCell.evaluate((td) => getComputedStyle(td, '::before').content)).toBe(lang === 'zh' ? '"状态"' : '"Status"');
      expect(await statusCell.textContent()).toBe(lang === 'zh' ? '重新办理 督办' : 'reopened supervised');
      expect(await row.locator('td[data-label]').nth(3).innerText()).toContain(lang === 'zh' ? '城西区' : 'Chengxi District');
      // 退出 stays on one line.
      const logout = await page.locator('#logout').boundingBox();
      expect(logout!.height).toBeLessThan(40);
      expect(await axe(page)).toEqual([]);
      if (lang === 'zh') await shoot(page, 'console-cases-phone');
      // On a phone the list of conversations is above, not on the left: the hint names neither.
      await page.click('#nav a[data-view=inbox]');
      expect(await page.textContent('#conversation .hint')).toBe(lang === 'zh' ? '请从会话列表中选择一个会话。' : 'Choose a conversation from the list.');
      await context.close();
    }
  }, SLOW);
});

describe('the figures', () => {
  it('draws charts with legends, readable text and a text alternative, in English with English names', async () => {
    const { context, page } = await open(undefined, 'en');
    await signIn(page, 'li', '#dashboard');
    await page.locator('#chart-regions .bar-row').first().waitFor();
    expect(await page.locator('#chart-topics .legend').textContent()).toBe('ReceivedClosed');
    expect(await page.locator('#chart-regions .bar-label').allTextContents()).toContain('Chengxi District');
    expect(await page.locator('#chart-topics .bar-label').allTextContents()).toContain('Urban & rural construction');
    expect(await page.locator('#chart-topics .bar-value').allTextContents()).toContain('0 closed of 2');
    // Every figure is named by its caption and has its numbers as a table.
    for (const caption of ['Received and closed per day', 'By topic', 'By region']) {
      const figure = page.getByRole('figure', { name: caption });
      expect(await figure.locator('table caption').textContent()).toBe(caption);
      expect(await figure.locator('table tbody tr').count()).toBeGreaterThan(0);
    }
    // No text under 12 px.
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('#view-dashboard *')]
        .filter((n) => !n.closest('.sr-only') && [...n.childNodes].some((c) => c.nodeType === 3 && c.textContent!.trim()) && parseFloat(getComputedStyle(n).fontSize) < 12)
        .map((n) => n.textContent));
    expect(small).toEqual([]);
    expect(await axe(page)).toEqual([]);
    await page.click('#lang');
    await page.locator('#chart-regions .bar-label', { hasText: '城西区' }).waitFor();
    expect(await axe(page)).toEqual([]);
    await shoot(page, 'console-dashboard');
    await context.close();
  }, SLOW);
});

describe('every view passes axe-core', () => {
  it('administration, case list and case detail, in both languages', async () => {
    for (const lang of ['zh', 'en'] as const) {
      const { context, page } = await open(undefined, lang);
      await signIn(page, 'root', '#admin');
      await page.locator('#staff-table tbody tr').first().waitFor();
      expect(await axe(page), `admin ${lang}`).toEqual([]);
      await page.click('#nav a[data-view=cases]');
      await page.locator('#case-table tbody tr').first().waitFor();
      expect(await axe(page), `cases ${lang}`).toEqual([]);
      await page.goto(`${base}/console#case/${ids.ownCase}`);
      await page.waitForSelector('#case-description');
      expect(await axe(page), `case ${lang}`).toEqual([]);
      if (lang === 'zh') await shoot(page, 'console-case');
      await page.click('#nav a[data-view=inbox]');
      await page.locator('#handoff-list li').first().waitFor();
      expect(await axe(page), `inbox ${lang}`).toEqual([]);
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  }, SLOW);

  it('and the resident’s chat on a phone is pictured', async () => {
    const { context, page } = await open(PHONE);
    await page.goto(`${base}/`);
    // As a resident would: the page opens its session and greets with the menu, then they type.
    await page.locator('.tm-choice', { hasText: '反映问题' }).first().waitFor({ timeout: 20_000 });
    await page.fill('#tm-input', '城东区八一路的路灯坏了一个月，晚上很黑');
    await page.click('#tm-send');
    await page.locator('text=问题属于').first().waitFor({ timeout: 20_000 });
    await shoot(page, 'chat-phone');
    await context.close();
  }, SLOW);
});
