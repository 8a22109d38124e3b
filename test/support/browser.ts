import { chromium, Browser } from 'playwright-core';

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
