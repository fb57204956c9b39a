/**
 * Real-browser tests drive Debian's chromium (/usr/bin/chromium, or BPAY_CHROMIUM) with
 * playwright-core: headless, one browser per test file with a fresh user-data-dir. `.ci/run`
 * installs chromium when it is missing; with CI=true these suites must run, elsewhere they are
 * skipped with the reason in their name.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM_PATH = process.env.BPAY_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumFound = existsSync(CHROMIUM_PATH);
if (!chromiumFound && process.env.CI === 'true') {
  throw new Error(`CI=true requires chromium for the browser suites, and there is none at ${CHROMIUM_PATH} (apt-get install -y chromium, as .ci/run does)`);
}

export const SCREENSHOT_DIR = resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');

/** Declares a browser suite; without chromium it is skipped with the reason shown. */
export function describeBrowser(name: string, body: () => void): void {
  if (chromiumFound) describe(`[chromium] ${name}`, body);
  else describe.skip(`[chromium] ${name} (skipped: no chromium at ${CHROMIUM_PATH}; apt-get install -y chromium)`, body);
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab that records console errors and uncaught exceptions (CSP violations show up there). */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** console errors and page errors seen so far, cleared by each call */
  takeErrors(): string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'bpay-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(10_000);
  let errors: string[] = [];
  return {
    context,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      page.on('console', (m) => {
        // an API answering 4xx (insufficient balance, wrong payer…) is expected; the page shows it
        if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      return page;
    },
    takeErrors() {
      const out = errors;
      errors = [];
      return out;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** A phone-sized viewport (iPhone 12-ish). */
export const PHONE = { width: 390, height: 844 };

/** The page's scroll width and the viewport width (equal when nothing scrolls sideways). */
export function widths(page: Page): Promise<{ scroll: number; inner: number }> {
  // a string: tsconfig has no DOM lib, the expression runs in the page
  return page.evaluate<{ scroll: number; inner: number }>('({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })');
}
