import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Harness } from './harness.js';

/** Debian's Chromium, headless, with nothing of its own on the network (README, Development). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** The harness's server on a free port, and a browser to open its pages. */
export async function serveToBrowser(h: Harness): Promise<{ base: string; browser: Browser }> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  return { base: `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`, browser: await launchChromium() };
}

/** Signs a member of staff in on the console's page (at `hash`, e.g. "#dashboard") and waits for the menu. */
export async function signInToConsole(page: Page, base: string, username: string, password: string, hash = ''): Promise<void> {
  await page.goto(`${base}/console${hash}`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#nav:not([hidden])');
}

/** A desktop page at the harness's fixed time (the page's "today" is the server's), signed in to the console. */
export async function signedInPage(browser: Browser, h: Harness, base: string, username: string, password: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.clock.setFixedTime(h.services.now());
  await signInToConsole(page, base, username, password);
  return page;
}
