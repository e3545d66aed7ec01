import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt install chromium`); Playwright never downloads a browser here. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * Headless Chromium; Playwright gives it a new empty profile, removed on close. The flags keep it off the network it would
 * otherwise call home to (this machine refuses those connections, many at a time).
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}
