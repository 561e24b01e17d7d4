// The case action panel in Chromium (playwright-core, as test/console-browser.test.ts): only the
// legal actions for the status and the role, a labelled form per action, confirmation for the
// irreversible ones, words instead of codes; and the supervision office's queue.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import type { Case } from '../core/platform/db.js';
import { makeCase } from './support/cases.js';
import { serveToBrowser, signInToConsole } from './support/browser.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

const ARTIFACTS = 'test-artifacts';
const PASSWORD = 'a long enough secret';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

let h: Harness;
let browser: Browser;
let base: string;
let c: Case & { user: string };
const confirms: string[] = [];

beforeAll(async () => {
  h = await startHarness({ workers: true, env: { CONSOLE_COOKIE_SECURE: 'false' } });
  const { db } = h.services;
  const dept = async (code: string) => (await db.department.findUniqueOrThrow({ where: { code } })).id;
  const passwordHash = await hashPassword(PASSWORD);
  await db.staff.create({ data: { username: 'li', displayName: '李督查', role: 'supervisor', departmentId: await dept('DCS'), passwordHash } });
  await db.staff.create({ data: { username: 'wang', displayName: '王办理', role: 'handler', departmentId: await dept('G630102'), passwordHash } });
  c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { deadline: new Date('2030-06-10T15:59:59Z') } });
  await db.caseEvent.create({ data: { caseId: c.id, type: 'created', actor: 'system:intake', at: h.services.now(), data: { number: c.number } } });
  ({ base, browser } = await serveToBrowser(h));
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h.close();
});

/** A signed-in page of its own (its own cookies); confirmations are answered with `answer()`. */
async function signIn(username: string, answer: () => boolean): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', async (dialog) => {
    confirms.push(dialog.message());
    await (answer() ? dialog.accept() : dialog.dismiss());
  });
  await signInToConsole(page, base, username, PASSWORD);
  return page;
}

const buttons = (page: Page) => page.locator('#action-buttons button').allTextContents();

describe('the case action panel', () => {
  it('shows a handler only what a handler may do now, in words, and holds the answer for review', async () => {
    const page = await signIn('wang', () => true);
    expect(await page.locator('#requests-link').isHidden()).toBe(true);
    await page.goto(`${base}/console#case/${c.id}`);
    await page.waitForSelector('#action-buttons');
    const offered = await buttons(page);
    expect(offered).toEqual(['请居民补充', '答复居民', '内部备注', '办结', '申请延期', '申请退单', '更正类别', '更正地点']);
    expect(await page.textContent('#case-priority')).toBe('普通');
    expect(await page.locator('.timeline li').first().textContent()).toContain('· 系统');

    // Each action has its own labelled fields: an extension asks for a date and a reason, no department.
    await page.click('button[data-action=requestExtension]');
    expect(await page.locator('#action-form label').allTextContents()).toEqual(['新的办理时限', '理由']);
    expect(await page.locator('#action-form select').count()).toBe(0);

    await page.click('button[data-action=resolve]');
    // The answer's form offers the office's answer templates (a new office has the shipped examples).
    await page.waitForSelector('#template-pick');
    expect(await page.locator('#action-form label span').allTextContents()).toEqual(['选用模板', '办理结果（将发给居民）', '办理凭证（照片或 PDF，可不填）']);
    await page.getByLabel('办理结果（将发给居民）').fill('路灯已于今日修复，见照片。');
    await page.setInputFiles('#field-evidence', { name: 'done.png', mimeType: 'image/png', buffer: PNG });
    await page.click('#action-form button[type=submit]');
    await page.locator('#view-case h2', { hasText: '待审核' }).waitFor({ timeout: 10_000 });
    expect(confirms.at(-1)).toContain(`确定办结案件 ${c.number}`);
    expect(await page.locator('#pending-review').textContent()).toContain('路灯已于今日修复');
    // While it waits for review the handler has nothing to resolve or request.
    expect(await buttons(page)).toEqual(['内部备注', '更正类别', '更正地点']);
    await page.close();
  });

  it('lets the office approve only after confirming, from its queue, and the resident gets the answer with the photo', async () => {
    let accept = false;
    const page = await signIn('li', () => accept);
    await page.click('#requests-link');
    await page.locator('#review-queue a', { hasText: c.number }).click();
    await page.waitForSelector('#action-buttons');
    const offered = await buttons(page);
    expect(offered).toEqual(expect.arrayContaining(['审核通过', '退回重办']));
    expect(offered).not.toContain('办结');
    expect(offered).not.toContain('受理');
    await page.screenshot({ path: `${ARTIFACTS}/console-case-review.png`, fullPage: true });

    await page.click('button[data-action=approve]');
    await page.click('#action-form button[type=submit]');
    expect(confirms.at(-1)).toContain(`确定审核通过案件 ${c.number}`);
    // Dismissed: nothing happened.
    expect((await h.services.db.case.findUniqueOrThrow({ where: { id: c.id } })).status).toBe('in_review');
    accept = true;
    await page.click('#action-form button[type=submit]');
    await page.locator('#view-case h2', { hasText: '已办结' }).waitFor({ timeout: 10_000 });
    const told = await eventually(async () => (await h.poll(c.user)).messages.find((m) => m.text.includes('路灯已于今日修复')));
    expect(told.files).toHaveLength(1);

    // In English: the page's words, not codes.
    await page.click('#lang');
    await page.locator('#case-priority', { hasText: 'Normal' }).waitFor();
    expect(await page.locator('.timeline li').first().textContent()).toContain('· System');
    await page.close();
  });
});
