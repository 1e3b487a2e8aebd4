import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { useServer } from '../support/server.js';

/**
 * /api/docs in a real browser: the page renders every operation of the document from local
 * assets alone, under its Content-Security-Policy, with nothing in the console.
 */
describe('/api/docs in Chromium', () => {
  const suite = useServer();
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the operations from local assets, with no CSP violation or console error', async () => {
    const page = await browser.newPage();
    const origin = new URL(suite.server.url).origin;
    const foreign: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:'))
        foreign.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    const response = await page.goto(`${suite.server.url}/api/docs`);
    expect(response?.status()).toBe(200);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    const document = (await (await fetch(`${suite.server.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(document.paths).reduce(
      (sum, item) => sum + Object.keys(item).filter((key) => key !== 'parameters').length,
      0,
    );
    expect(await page.locator('.opblock').count()).toBe(operations);
    await expect(page.locator('.info .title').first().textContent()).resolves.toContain('Steward');
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);
});
