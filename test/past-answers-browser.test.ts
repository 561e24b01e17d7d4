// The past answers panel (过往答复) of the case page in a real browser (Debian's Chromium, playwright-core).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { encodeFeatures, featuresOf } from '../core/cases/similarity.js';
import { serveToBrowser, signInToConsole } from './support/browser.js';
import { makeCase } from './support/cases.js';
import { startHarness, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
let h: Harness;
let browser: Browser;
let page: Page;
let base: string;

async function closedCase(description: string, departmentCode: string, answer: string) {
  const c = await makeCase(h.services, {
    status: 'closed',
    departmentCode,
    description,
    set: { features: new Uint8Array(encodeFeatures(featuresOf(description))), closedAt: h.services.now(), satisfaction: 'basic' },
  });
  await h.services.db.submission.update({ where: { id: c.submissionId }, data: { phone: '13912345678' } });
  await h.services.db.caseEvent.create({ data: { caseId: c.id, type: 'resolved', actor: 'staff:test', note: answer, at: h.services.now() } });
  return c;
}

beforeAll(async () => {
  h = await startHarness({ env: { CONSOLE_COOKIE_SECURE: 'false' } });
  const p01 = await h.services.db.department.findUniqueOrThrow({ where: { code: 'P01' } });
  await h.services.db.staff.create({ data: { username: 'builder', role: 'handler', departmentId: p01.id, passwordHash: await hashPassword(PASSWORD) } });
  const served = await serveToBrowser(h);
  ({ browser, base } = served);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(5000);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('past answers on the case page', () => {
  it('shows a handler the answers to similar closed cases, another department’s without its resident, and puts one in the answer field', async () => {
    await closedCase('城东区八一路的路灯坏了一个月，晚上很黑，行人容易摔倒。我的电话13912345678', 'P03', '八一路路灯已于本周修复，感谢您的监督。');
    const own = await closedCase('八一路东段路灯不亮，晚上走路看不清', 'P01', '已通知路灯管理所检修。');
    await closedCase('小区楼下烧烤店油烟太大，晚上十二点还很吵', 'P01', '已责令烧烤店安装油烟净化设备。');
    const target = await makeCase(h.services, { status: 'assigned', departmentCode: 'P01', description: '八一路的路灯坏了好久，晚上黑漆漆的，请尽快修好路灯' });

    await signInToConsole(page, base, 'builder', PASSWORD);
    await page.goto(`${base}/console#case/${target.id}`);
    const panel = page.locator('#past-answers');
    await panel.locator('li', { hasText: '已于本周修复' }).waitFor();
    await panel.locator('li', { hasText: '已通知路灯管理所检修' }).waitFor();
    const text = await panel.innerText();
    expect(text).toContain('过往答复');
    expect(text).toContain('基本满意');
    expect(text).not.toContain('烧烤店');
    // The other department's case: its answer, never its resident's words, phone or number.
    expect(text).not.toContain('13912345678');
    expect(text).not.toContain('行人容易摔倒');
    expect(await panel.locator('a').allInnerTexts()).toEqual([`案件 ${own.number}`]);

    await panel.locator('li', { hasText: '已于本周修复' }).getByRole('button', { name: '填入答复框' }).click();
    expect(await page.inputValue('#field-answer')).toBe('八一路路灯已于本周修复，感谢您的监督。');

    // A past case of `npm run history:import` is not current work: out of the list unless asked for, and marked.
    const imported = await makeCase(h.services, { status: 'closed', departmentCode: 'P01', description: '旧留言：路灯不亮', set: { source: 'history', sourceId: 'h-1' } });
    await page.click('#nav a[data-view=cases]');
    await page.locator('#case-table tbody tr', { hasText: target.number }).waitFor();
    expect(await page.textContent('#case-table tbody')).not.toContain(imported.number);
    await page.selectOption('#case-filter [name=imported]', { label: '仅历史导入案件' });
    await page.click('#case-filter button[type=submit]');
    await page.locator('#case-table tbody tr', { hasText: imported.number }).waitFor();
    expect(await page.locator('#case-table tbody tr').allInnerTexts()).toEqual([expect.stringContaining('历史导入')]);
  });
});
