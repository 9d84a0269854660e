import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, installed by scripts/ensure-test-servers.sh (never a browser download). */
export const CHROMIUM = '/usr/bin/chromium';

/** What a page showed in a real browser: its console errors, requests it tried, and what it drew. */
export interface PageLook {
  readonly consoleErrors: readonly string[];
  /** Every URL the page asked for beyond itself (a self-contained page asks for none). */
  readonly requests: readonly string[];
  readonly title: string;
  /** The SVG charts drawn, by the figure caption around each, and each one's size on screen. */
  readonly charts: readonly { caption: string; width: number; height: number; paths: number }[];
  readonly text: string;
}

/** Returns why the browser tests cannot run here, or null when Debian's Chromium is installed. */
export function whyNoBrowser(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install chromium)`;
}

/** Opens HTML files in one headless Chromium, launched at the first page; `close()` ends it. */
export interface PageLooker {
  /** Opens the file in a fresh context (no state from another page) and returns what it showed; saves a full-page screenshot to `screenshot` when given. */
  look(file: string, screenshot?: string): Promise<PageLook>;
  close(): Promise<void>;
}

/**
 * Returns a looker whose Chromium (a fresh profile of Playwright's own, removed on close) runs with
 * the flags that keep it off the network. One browser serves every page of a test file: a launch
 * costs more CPU than a page.
 */
export function pageLooker(): PageLooker {
  let launched: Promise<Browser> | null = null;
  const browser = (): Promise<Browser> => {
    launched ??= chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    return launched;
  };
  return {
    look: async (file, screenshot) => lookWith(await browser(), file, screenshot),
    close: async () => {
      if (launched) await (await launched).close();
    },
  };
}

async function lookWith(browser: Browser, file: string, screenshot?: string): Promise<PageLook> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  try {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => {
        // The chart is the figure's largest SVG (the legend's swatches are small ones).
        const boxes = [...f.querySelectorAll('svg')].map((svg) => svg.getBoundingClientRect());
        const box = boxes.sort((a, b) => b.width * b.height - a.width * a.height)[0];
        return {
          caption: f.querySelector('figcaption')?.textContent ?? '',
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          paths: f.querySelectorAll('svg path, svg rect, svg circle').length,
        };
      }),
    );
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { consoleErrors, requests, title: await page.title(), charts, text: (await page.textContent('body')) ?? '' };
  } finally {
    await context.close();
  }
}
