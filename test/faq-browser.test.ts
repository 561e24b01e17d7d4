// The FAQ editor of the admin page in a real browser (Debian's Chromium, playwright-core).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { serveToBrowser } from './support/browser.js';
import { startHarness, uniqueUser, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
let h: Harness;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  h = await startHarness({ env: { CONSOLE_COOKIE_SECURE: 'false' } });
  await h.services.db.staff.create({ data: { username: 'root', role: 'admin', passwordHash: await hashPassword(PASSWORD) } });
  const served = await serveToBrowser(h);
  browser = served.browser;
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(5000);
  await page.goto(`${served.base}/console`);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('the FAQ editor', () => {
  it('shows the example FAQ, saves an edited answer the chat then gives, and names a bad CSV row', async () => {
    await page.fill('input[name=username]', 'root');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await page.click('#admin-link');
    const row = page.locator('#faq-table tr', { hasText: '督办是什么意思' });
    await row.getByRole('button', { name: '修改' }).click();
    expect(await page.inputValue('#faq-form [name=questionZh]')).toContain('什么是督办');
    await page.fill('#faq-form [name=answerZh]', '督办就是督查室盯着办。');
    await page.click('#faq-form button[type=submit]');
    await page.locator('#faq-table tr', { hasText: '督查室盯着办' }).waitFor();
    expect(await page.locator('#faq-table tr').count()).toBe(7);

    const replies = await h.say(uniqueUser(), '督办是什么意思？');
    expect(replies.map((r) => r.text).join('\n')).toContain('督办就是督查室盯着办');
    await page.reload();
    await page.locator('#faq-asked', { hasText: '已回答 1 次' }).waitFor();

    await page.setInputFiles('#faq-import input[type=file]', { name: 'faq.csv', mimeType: 'text/csv', buffer: Buffer.from('question_zh,answer_zh\n问题一？,\n') });
    await page.click('#faq-import button[type=submit]');
    await page.locator('#faq-result', { hasText: '第 1 行：answer_zh: empty' }).waitFor();
    expect(await page.locator('#faq-table tr').count()).toBe(7);
  });
});
