import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const SCREENSHOTS = resolve(__dirname, '../../test-output/screenshots');

/** Debian's Chromium, headless; without the background-networking flags it keeps dialing Google and failing. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
