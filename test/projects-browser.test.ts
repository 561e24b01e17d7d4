// 专项督查 in the console (issue 14 item 6): a supervisor opens a project from a hot spot of the
// figures view, and follows it as one line with a progress bar and an overdue mark.
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import type { Case } from '../core/platform/db.js';
import { serveToBrowser, signInToConsole } from './support/browser.js';
import { makeCase } from './support/cases.js';
import { startHarness, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SLOW = 60_000;

let h: Harness;
let browser: Browser;
let base: string;
let page: Page;
const pageErrors: string[] = [];
let spot: Case[] = [];

beforeAll(async () => {
  h = await startHarness({ env: { OFFICE_HOURS: 'always', CONSOLE_COOKIE_SECURE: 'false' } });
  const { db } = h.services;
  const office = await db.department.findUniqueOrThrow({ where: { code: 'DCS' } });
  await db.staff.create({ data: { username: 'li', displayName: '李督查', role: 'supervisor', departmentId: office.id, passwordHash: await hashPassword(PASSWORD) } });
  // One problem in three regions: a hot spot.
  for (const [region, place, dept] of [['630102', '城东区', 'G630102'], ['630104', '城西区', 'G630104'], ['630121', '大通县', 'G630121']] as const) {
    spot.push(await makeCase(h.services, { status: 'assigned', regionCode: region, departmentCode: dept, description: `${place}的小区电梯经常困人，物业维保不到位，居民上下楼很不安全` }));
  }
  spot = spot.sort((a, b) => a.number.localeCompare(b.number));
  ({ base, browser } = await serveToBrowser(h));
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  page = await context.newPage();
  await page.clock.setFixedTime(h.services.now());
  page.on('pageerror', (err) => pageErrors.push(err.message));
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('a supervision project in the console', () => {
  it('opens from a hot spot with its cases filled in', async () => {
    await signInToConsole(page, base, 'li', PASSWORD, '#dashboard');
    await page.waitForSelector('#projects-card');
    expect(await page.textContent('#projects-card')).toContain('进行中 0 · 超期 0 · 已结束 0');
    await page.click('#hotspots button.open-project');
    await page.waitForSelector('#project-form');
    expect((await page.inputValue('#project-form [name=caseNumbers]')).split(' ').sort()).toEqual(spot.map((c) => c.number));
    expect(await page.inputValue('#project-form [name=title]')).toBe('城乡建设问题专项督查');
    expect(await page.inputValue('#project-form [name=reason]')).toContain('电梯经常困人');
    await page.selectOption('#project-form [name=departmentId]', { label: '青海省住房和城乡建设厅' });
    await page.fill('#project-form [name=deadline]', '2026-12-31');
    await page.click('#project-form button[type=submit]');
    await page.waitForSelector('#project-cases tbody tr');
    expect(await page.locator('#project-cases tbody tr').allTextContents()).toHaveLength(3);
    expect(await page.textContent('#notice')).toMatch(/已开始专项督查 ZX-\d{4}/);
    expect(await page.textContent('#project')).toContain('办结 0/3（0%）');
    // Not one status changed: a project groups cases, it does not move them.
    expect((await h.services.db.case.findMany({ where: { id: { in: spot.map((c) => c.id) } } })).every((c) => c.status === 'assigned')).toBe(true);
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const w = window as unknown as { axe: { run: (ctx: unknown) => Promise<{ violations: { id: string; impact: string }[] }> } };
      return (await w.axe.run(document)).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    });
    expect(violations).toEqual([]);
  }, SLOW);

  it('is one line in the list, with its progress and, once late, an overdue mark', async () => {
    const { db } = h.services;
    await db.case.update({ where: { id: spot[0]!.id }, data: { status: 'resolved', resolvedAt: h.services.now() } });
    await page.click('#nav a[data-view=projects]');
    const line = page.locator('#project-list li.project');
    await line.first().waitFor();
    expect(await line.count()).toBe(1);
    expect(await line.locator('progress').getAttribute('value')).toBe('33');
    expect(await line.textContent()).toContain('办结 1/3（33%）');
    expect(await line.locator('.project-overdue').count()).toBe(0);
    await db.supervisionProject.updateMany({ data: { deadline: new Date('2026-11-30T00:00:00Z') } });
    await page.reload();
    await page.locator('#project-list li.project .project-overdue').waitFor();
    expect(await page.textContent('#project-list li.project .project-overdue')).toBe('超期');
    // Each of its cases' pages links to it.
    await page.goto(`${base}/console#case/${spot[1]!.id}`);
    const link = page.locator('#case-project');
    await link.waitFor();
    expect(await link.textContent()).toMatch(/^ZX-\d{4} 城乡建设问题专项督查$/);
    await link.click();
    await page.locator('#project-cases tbody tr').first().waitFor();
    expect(await page.locator('#project-cases tbody tr').count()).toBe(3);
  }, SLOW);

  it('opens the form with the cases picked in the case list', async () => {
    await page.click('#nav a[data-view=cases]');
    await page.locator('#case-table tbody tr').first().waitFor();
    expect(await page.isDisabled('#cases-to-project')).toBe(true);
    for (const c of spot.slice(0, 2)) await page.check(`#case-table input[aria-label="选择案件 ${c.number}"]`);
    // Ticking a box leaves the list where it is.
    expect(await page.evaluate(() => location.hash)).toBe('#cases');
    expect(await page.textContent('#cases-to-project')).toBe('用选中的 2 件案件开展专项督查');
    await page.click('#cases-to-project');
    await page.waitForSelector('#project-form');
    expect((await page.inputValue('#project-form [name=caseNumbers]')).split(' ').sort()).toEqual(spot.slice(0, 2).map((c) => c.number));
    expect(pageErrors).toEqual([]);
  }, SLOW);

  it('lists earlier closed projects a page at a time, on request', async () => {
    const { db } = h.services;
    const [li, department] = await Promise.all([db.staff.findUniqueOrThrow({ where: { username: 'li' } }), db.department.findUniqueOrThrow({ where: { code: 'G630102' } })]);
    const at = h.services.now();
    await db.supervisionProject.createMany({
      data: Array.from({ length: 52 }, (_, i) => ({ title: `往年专项 ${i + 1}`, reason: '已结束', departmentId: department.id, deadline: new Date('2025-06-30'), createdById: li.id, status: 'closed' as const, createdAt: at, closedAt: at })),
    });
    await page.goto(`${base}/console#projects`);
    const lines = page.locator('#project-list li.project');
    await page.locator('#projects-more').waitFor();
    // The open project and the 50 newest closed ones; the oldest two on request.
    expect(await lines.count()).toBe(51);
    expect(await lines.last().textContent()).toContain('往年专项 3');
    await page.click('#projects-more');
    await page.locator('#project-list li.project', { hasText: /往年专项 1\s*已结束/ }).waitFor();
    expect(await lines.count()).toBe(53);
    expect(await page.locator('#projects-more').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, SLOW);
});
