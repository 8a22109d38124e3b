import { chromium, Browser, Page } from 'playwright-core';

/**
 * Debian's Chromium, headless. The flags keep it from reaching for Google services,
 * which this machine's closed network refuses (each refusal would be a console error).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.PRIVLAB_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface OfflinePage {
  page: Page;
  /** Console errors and warnings, page errors and failed requests, as text. */
  problems: string[];
  /** URLs the page asked for and was refused. */
  requests: string[];
}

/**
 * A new page that is offline: every request but data: URLs and those `allowed` is refused
 * and recorded, as are console errors and warnings, page errors and failed requests.
 */
export async function offlinePage(browser: Browser, allowed: (url: string) => boolean): Promise<OfflinePage> {
  const page = await browser.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url) || url.startsWith('data:')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  return { page, problems, requests };
}
