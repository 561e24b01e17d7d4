// The residents' chat page in a real browser (Debian's Chromium, playwright-core): on a phone and on a
// desktop, in both languages, with an axe-core accessibility check. One browser, a context per resident.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../bot/channels/webchat/sessions.js';
import { serveToBrowser } from './support/browser.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

const ARTIFACTS = 'test-artifacts';
const AXE = createRequire(import.meta.url).resolve('axe-core');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

let h: Harness;
let browser: Browser;
let base: string;
let staff: { id: string; role: 'supervisor' };

beforeAll(async () => {
  h = await startHarness({ workers: true, env: { OFFICE_HOURS: 'always' } });
  const office = await h.services.db.department.findUniqueOrThrow({ where: { code: 'DCS' } });
  const li = await h.services.db.staff.create({ data: { username: 'li', displayName: '李督查', role: 'supervisor', departmentId: office.id, passwordHash: 'unused' } });
  staff = { id: li.id, role: 'supervisor' };
  ({ base, browser } = await serveToBrowser(h));
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** A resident opening the chat page on a device, in a language; the page greets them with the menu. */
async function resident(device: typeof PHONE | typeof DESKTOP, lang: 'zh' | 'en' = 'zh'): Promise<Page> {
  // bypassCSP lets the test inject axe-core; the page's own policy stays as it is.
  const context = await browser.newContext({ ...device, reducedMotion: 'reduce', bypassCSP: true });
  if (lang === 'en') await context.addInitScript(() => localStorage.setItem('tm.lang', 'en'));
  const page = await context.newPage();
  await page.goto(base);
  await page.locator('.tm-msg--bot .tm-choice').first().waitFor();
  return page;
}

const lastBot = (page: Page) => page.locator('.tm-msg--bot, .tm-msg--staff').last();

/** Types a message and waits for the bot's answer to it. */
async function type(page: Page, text: string): Promise<void> {
  const before = await page.locator('.tm-msg--bot').count();
  await page.fill('#tm-input', text);
  await page.click('#tm-send');
  await page.waitForFunction((n) => document.querySelectorAll('.tm-msg--bot').length > n && !document.body.classList.contains('tm-busy'), before);
}

async function tap(page: Page, label: string | RegExp): Promise<void> {
  const before = await page.locator('.tm-msg--bot').count();
  await lastBot(page).locator('.tm-choice', { hasText: label }).first().click();
  await page.waitForFunction((n) => document.querySelectorAll('.tm-msg--bot').length > n && !document.body.classList.contains('tm-busy'), before);
}

/** The serious and critical accessibility violations axe-core finds on the page as it is. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The resident behind a page, from its cookie. */
async function residentOf(page: Page) {
  const cookie = (await page.context().cookies()).find((c) => c.name === 'tm_webchat')!;
  const row = await h.services.db.webchatSession.findUniqueOrThrow({ where: { tokenHash: hashToken(cookie.value) } });
  return row.residentId;
}

describe('the chat page for residents', () => {
  it('greets with the main menu before the resident types, on a phone and a desktop, in both languages, with no serious accessibility violation', async () => {
    const phone = await resident(PHONE);
    expect(await lastBot(phone).locator('.tm-bubble').textContent()).toContain('您好');
    expect(await lastBot(phone).locator('.tm-choice').allTextContents()).toEqual(['反映问题', '查询进度', '转人工', '帮助']);
    // The page's own request for the greeting is not shown as something the resident said.
    expect(await phone.locator('.tm-msg--user').count()).toBe(0);
    expect(await axeViolations(phone)).toEqual([]);
    await phone.screenshot({ path: `${ARTIFACTS}/chat-phone-greeting.png` });

    const desktop = await resident(DESKTOP, 'en');
    expect(await desktop.textContent('#tm-title')).toContain('Tingmin');
    expect(await lastBot(desktop).locator('.tm-choice').allTextContents()).toEqual(['Report a problem', 'Check progress', 'Talk to a person', 'Help']);
    expect(await axeViolations(desktop)).toEqual([]);
    await desktop.screenshot({ path: `${ARTIFACTS}/chat-desktop-greeting-en.png` });
  });

  it('shares one language between the page and the bot: typing English switches the page, the header switch switches the bot', async () => {
    for (const device of [PHONE, DESKTOP]) {
      const page = await resident(device);
      await type(page, 'English');
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.textContent('#tm-title')).toContain('Tingmin');
      expect(await page.getAttribute('#tm-input', 'placeholder')).toBe('Describe the problem you want to report…');
      expect(await page.textContent('#tm-send')).toBe('Send');
      expect(await page.textContent('#tm-lang')).toBe('中文');

      const before = await page.locator('.tm-msg--bot').count();
      await page.click('#tm-lang');
      await page.waitForFunction((n) => document.querySelectorAll('.tm-msg--bot').length > n && !document.body.classList.contains('tm-busy'), before);
      expect(await page.textContent('#tm-send')).toBe('发送');
      expect(await lastBot(page).locator('.tm-bubble').textContent()).toContain('已切换为中文');
    }
  });

  it('returns the whole history after a reload, the resident’s own messages and tapped buttons too, even after Redis lost it', async () => {
    const page = await resident(PHONE);
    await tap(page, '查询进度');
    await type(page, '你好');
    // A greeting at the case-number question is no wrong number.
    expect(await lastBot(page).locator('.tm-bubble').textContent()).not.toContain('不是有效');
    const before = await page.locator('.tm-msg .tm-bubble').allTextContents();
    expect(await page.locator('.tm-msg--user .tm-bubble').allTextContents()).toEqual(['我说：查询进度', '我说：你好']);
    await page.reload();
    await page.waitForFunction((n) => document.querySelectorAll('.tm-msg .tm-bubble').length >= n, before.length);
    expect(await page.locator('.tm-msg .tm-bubble').allTextContents()).toEqual(before);
    // Redis restarted empty: the page's history is rebuilt from the message log, in order.
    for (const key of await h.services.redis.keys(`${h.services.config.REDIS_PREFIX}:webchat:mailbox*`)) await h.services.redis.del(key);
    await page.reload();
    await page.waitForFunction((n) => document.querySelectorAll('.tm-msg .tm-bubble').length >= n, before.length);
    expect(await page.locator('.tm-msg--user .tm-bubble').allTextContents()).toEqual(['我说：查询进度', '我说：你好']);
    await page.screenshot({ path: `${ARTIFACTS}/chat-phone-reloaded.png` });
  });

  it('signs the device out with 退出 and starts a new chat; a page whose token is refused starts over with a notice', async () => {
    const page = await resident(PHONE);
    await type(page, '路灯不亮了');
    const token = async () => (await page.context().cookies()).find((c) => c.name === 'tm_webchat')!.value;
    const before = { token: await token(), resident: await residentOf(page) };
    expect(await page.textContent('#tm-sign-out')).toBe('退出');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#tm-sign-out');
    await page.waitForSelector('#tm-notice:not([hidden])');
    expect(await page.textContent('#tm-notice')).toContain('已退出');
    await page.locator('.tm-msg--bot .tm-choice').first().waitFor();
    // The earlier conversation is gone from this device; its token no longer works anywhere.
    expect(await page.locator('.tm-msg--user').count()).toBe(0);
    expect(await residentOf(page)).not.toBe(before.resident);
    expect((await h.app.inject({ method: 'GET', url: '/api/webchat/messages', headers: { authorization: `Bearer ${before.token}` } })).statusCode).toBe(401);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/chat-phone-signed-out.png` });

    // The token stops working behind the page's back (idle too long, or signed out in another tab).
    const second = { token: await token(), resident: await residentOf(page) };
    expect((await h.app.inject({ method: 'DELETE', url: '/api/webchat/sessions', headers: { authorization: `Bearer ${second.token}` } })).statusCode).toBe(204);
    await page.waitForFunction(() => document.getElementById('tm-notice')!.textContent!.includes('过期'));
    await page.locator('.tm-msg--bot .tm-choice').first().waitFor();
    expect(await residentOf(page)).not.toBe(second.resident);
    await type(page, '你好');
    expect(await page.locator('#tm-notice').isHidden()).toBe(true);
  });

  it('makes spent buttons look spent, while a stale tap is still answered', async () => {
    const page = await resident(DESKTOP);
    const menu = page.locator('.tm-msg--bot').first().locator('.tm-choice');
    await tap(page, '反映问题');
    expect(await menu.first().getAttribute('aria-disabled')).toBe('true');
    expect(await menu.first().evaluate((b) => getComputedStyle(b).borderStyle)).toBe('dashed');
    // The current question's buttons are live: 返回, 取消, 转人工 at every step.
    const current = lastBot(page).locator('.tm-choice');
    expect(await current.allTextContents()).toEqual(['返回', '取消', '转人工']);
    expect(await current.first().getAttribute('aria-disabled')).toBeNull();
    const before = await page.locator('.tm-msg--bot').count();
    // aria-disabled keeps it focusable and clickable (Playwright would wait for it to be enabled).
    await menu.nth(1).click({ force: true });
    await page.waitForFunction((n) => document.querySelectorAll('.tm-msg--bot').length > n, before);
    expect(await page.locator('.tm-msg--bot').nth(before).textContent()).toContain('按钮已经过期');
  });

  it('marks staff messages as a named person’s, for eyes and screen readers', async () => {
    for (const [device, lang] of [[DESKTOP, 'zh'], [PHONE, 'en']] as const) {
      const page = await resident(device, lang);
      const residentId = await residentOf(page);
      await tap(page, lang === 'zh' ? '转人工' : 'Talk to a person');
      const handoff = await h.services.db.handoff.findFirstOrThrow({ where: { residentId, status: 'waiting' } });
      await h.runtime.handoff.claim(handoff.id, staff);
      await h.runtime.handoff.say(handoff.id, staff, lang === 'zh' ? '您好，我是督查室的工作人员，请说说您的情况。' : 'Hello, I am from the supervision office.');
      const mine = page.locator('.tm-msg--staff').last();
      await mine.waitFor({ timeout: 10_000 });
      expect(await mine.locator('.tm-author').textContent()).toBe(lang === 'zh' ? '工作人员·李督查' : 'Staff · 李督查');
      const read = await mine.locator('.tm-bubble .tm-sr').textContent();
      expect(read).toContain('李督查');
      expect(read).not.toContain(lang === 'zh' ? '听民说' : 'Tingmin said');
      // Once, with a staff message and spent buttons on screen (axe is slow on a busy machine).
      if (lang === 'zh') expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: `${ARTIFACTS}/chat-${device === PHONE ? 'phone' : 'desktop'}-staff-${lang}.png` });
      await h.runtime.handoff.release(handoff.id, staff);
    }
  });

  it('recognises nonsense and questions about the service, and brings a person after two misses', async () => {
    const page = await resident(PHONE);
    await type(page, '你们是干什么的');
    expect(await lastBot(page).locator('.tm-bubble').textContent()).toContain('督查室');
    await type(page, 'asdfgh qwerty 啊啊啊');
    expect(await lastBot(page).locator('.tm-bubble').textContent()).toContain('没有理解');
    await type(page, 'zzz ??? ……');
    const handed = await lastBot(page).locator('.tm-bubble').textContent();
    expect(handed).toContain('已为您转接人工服务');
    expect(handed).not.toMatch(/前面还有 0 位/);
    await page.screenshot({ path: `${ARTIFACTS}/chat-phone-nonsense.png` });
  });

  it('files a report with the village in its place and one number for the resident: the case number', async () => {
    const page = await resident(DESKTOP);
    const long = await (async () => {
      await type(page, '长'.repeat(h.services.config.DESCRIPTION_MAX_CHARS + 1));
      return lastBot(page).locator('.tm-bubble').textContent();
    })();
    expect(long).toContain('替换');
    await type(page, '海东市乐都区碾伯镇七里店村的路灯坏了一个月，晚上出门很不方便');
    await tap(page, /^是|城乡建设/);
    await tap(page, '跳过');
    expect(await lastBot(page).locator('.tm-bubble').textContent()).toContain('【发生地点】海东市乐都区碾伯镇七里店村');
    await page.screenshot({ path: `${ARTIFACTS}/chat-desktop-summary.png` });
    await tap(page, '确认提交');
    expect(await lastBot(page).locator('.tm-bubble').textContent()).toContain('正在登记立案');
    const told = page.locator('.tm-msg--bot', { hasText: /QH\d{10}/ });
    await told.first().waitFor({ timeout: 15_000 });
    const all = (await page.locator('.tm-msg--bot .tm-bubble').allTextContents()).join('\n');
    expect(all).not.toMatch(/回执|\b[0-9A-F]{8}\b/);
    await eventually(async () => ((await page.locator('.tm-msg--bot', { hasText: /QH\d{10}/ }).count()) === 1 ? true : undefined));
  });
});
