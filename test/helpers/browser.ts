import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

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

/**
 * Opens an HTML file in headless Chromium (a fresh profile of Playwright's own, removed on close), with
 * the flags that keep it off the network, and
 * returns what it showed; saves a full-page screenshot to `screenshot` when given.
 */
export async function lookAtPage(file: string, screenshot?: string): Promise<PageLook> {
  const browser = await chromium.launch({
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
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
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
    await browser.close();
  }
}
