// Reply templates in the console: an admin writes one (with the live preview), a handler picks it
// in a case's answer form and the text shows filled in from the case, ready to edit and send.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { makeCase } from './support/cases.js';
import { serveToBrowser, signInToConsole } from './support/browser.js';
import { startHarness, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
let h: Harness;
let browser: Browser;
let base: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  h = await startHarness({ env: { CONSOLE_COOKIE_SECURE: 'false' } });
  const { db } = h.services;
  const hash = await hashPassword(PASSWORD);
  const department = await db.department.findUniqueOrThrow({ where: { code: 'G630102' } });
  await db.staff.createMany({
    data: [
      { username: 'root', displayName: '管理员', role: 'admin', passwordHash: hash },
      { username: 'wang', displayName: '王承办', role: 'handler', departmentId: department.id, passwordHash: hash },
    ],
  });
  ({ base, browser } = await serveToBrowser(h));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function signIn(username: string, hash: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.clock.setFixedTime(h.services.now());
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await signInToConsole(page, base, username, PASSWORD, hash);
  return page;
}

describe('reply templates in the console', () => {
  it('an admin writes a template; a handler picks it on a case and gets it filled in', async () => {
    const admin = await signIn('root', '#templates');
    await admin.waitForSelector('#view-templates:not([hidden])');
    expect(await admin.textContent('#template-placeholders')).toContain('{caseNumber} 案件编号');
    const form = '#template-form';
    await admin.selectOption(`${form} select[name=topic]`, '城乡建设');
    await admin.selectOption(`${form} select[name=kind]`, 'answer');
    await admin.fill(`${form} input[name=title]`, '路灯已修复');
    // The preview says why a misspelt placeholder cannot be saved, then shows the sample.
    await admin.fill(`${form} textarea[name=body]`, '您反映的{地点}');
    await expect.poll(() => admin.textContent('#template-preview')).toContain('未知的占位符 {地点}');
    await admin.fill(`${form} textarea[name=body]`, '您反映的{place}路灯问题（{caseNumber}），{department}已安排维修。');
    await expect.poll(() => admin.textContent('#template-preview')).toMatch(/^您反映的\S+路灯问题（QH\d{10}），\S+已安排维修。$/);
    await admin.click(`${form} button[type=submit]`);
    await expect.poll(() => admin.textContent('#notice')).toBe('模板已保存。');
    await expect.poll(() => admin.textContent('#templates-table tbody')).toContain('路灯已修复');
    // Filtered by kind, the answer is not among the acceptances; the shipped example is.
    await admin.selectOption('#templates-filter select[name=kind]', 'acceptance');
    const acceptances = await admin.textContent('#templates-table tbody');
    expect(acceptances).toContain('受理告知');
    expect(acceptances).not.toContain('路灯已修复');
    await admin.context().close();

    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { placeText: '八一路' } });
    const handler = await signIn('wang', `#case/${c.id}`);
    expect(await handler.isHidden('#templates-link')).toBe(true);
    await handler.click('#action-buttons button[data-action=reply]');
    await handler.waitForSelector('#template-pick');
    await handler.selectOption('#template-pick', { label: '路灯已修复 · 城乡建设' });
    const filled = `您反映的八一路路灯问题（${c.number}），西宁市城东区人民政府已安排维修。`;
    expect(await handler.inputValue('#field-message')).toBe(filled);
    // Edited before sending, it is what the resident is told.
    await handler.fill('#field-message', `${filled}预计周五前完成。`);
    await handler.click('form[data-form=reply] button[type=submit]');
    await expect.poll(() => handler.textContent('.timeline')).toContain('预计周五前完成。');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
