// The administration page's topic model card, in Debian's Chromium (playwright-core): the shipped
// model at first, a retraining started with the button, its figures per topic and its history row.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { makeCase } from './support/cases.js';
import { serveToBrowser, signedInPage } from './support/browser.js';
import { startHarness, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
let h: Harness;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  h = await startHarness({ workers: true, env: { CONSOLE_COOKIE_SECURE: 'false' } });
  const { db } = h.services;
  const admin = await db.staff.create({ data: { username: 'root', role: 'admin', passwordHash: await hashPassword(PASSWORD) } });
  const examples = [
    ['小区门口的路面塌陷了一个大坑，一个星期了没人来修', '城乡建设'],
    ['在工地干了半年活，老板拖欠工资不给', '劳动和社会保障'],
  ] as const;
  for (const [text, topic] of examples) {
    const c = await makeCase(h.services, { description: text, topic });
    await db.topicCorrection.create({ data: { caseId: c.id, text, fromTopic: '环境保护', toTopic: topic, staffId: admin.id, at: h.services.now() } });
  }
  let base: string;
  ({ base, browser } = await serveToBrowser(h));
  page = await signedInPage(browser, h, base, 'root', PASSWORD);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('the topic model on the administration page', () => {
  it('shows the shipped model, retrains on the corrections with the button, then shows the new model’s F1 per topic', async () => {
    await page.click('#admin-link');
    await page.getByText('当前使用随系统提供的默认模型').waitFor();
    expect(await page.isHidden('#model-history')).toBe(true);

    await page.click('#model-retrain');
    await page.getByText('已开始重新训练').waitFor();
    // The page looks again while the job runs, until its row is there.
    await page.locator('#model-history tbody tr').getByText('使用中').waitFor({ timeout: 20_000 });
    expect(await page.textContent('#model-summary')).toMatch(/由 root 训练，在最近更正的 2 件案件上宏平均 F1 为 100\.0%/);
    const rows = await page.locator('#model-topics tbody tr').allTextContents();
    expect(rows.sort()).toEqual(['劳动和社会保障100.0%100.0%100.0%', '城乡建设100.0%100.0%100.0%'].sort());
    expect(await page.isEnabled('#model-retrain')).toBe(true);
  });
});
