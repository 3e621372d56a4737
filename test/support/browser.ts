import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Headless Chromium for browser tests, through playwright-core (no bundled browser download). CI
 * installs Debian's chromium at this path; tests skip, saying why, only when it is missing.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
export const NO_CHROMIUM_REASON = `browser tests skipped: ${CHROMIUM_PATH} is missing (apt-get install chromium)`;

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** The demo website's form (/demo/form) filled in as a visitor would, and sent. */
export async function submitDemoForm(page: Page, f: { company: string; contact_name: string; phone: string; title?: string; industry: string; size: string; need: string }): Promise<void> {
  await page.waitForSelector('#company');
  for (const id of ['company', 'contact_name', 'phone', 'title', 'need'] as const) if (f[id] !== undefined) await page.fill(`#${id}`, f[id]);
  await page.selectOption('#industry', f.industry);
  await page.selectOption('#size', f.size);
  await page.click('#submit');
}
