/**
 * The console's end-to-end harness (issue #18): a started Steward (engine on) with the sample
 * fleet of manifests/ applied, the console as `npm run build` makes it, and Debian's Chromium
 * driven by playwright-core. Screenshots of the main pages go to docs/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { packageRoot } from '../../src/package-root.js';
import { launchChromium } from '../support/browser.js';
import { newestChange } from '../support/build.js';
import { adminToken, call, type RunningServer, TEST_ADMIN_PASSWORD, useServer } from '../support/server.js';

const ROOT = packageRoot();
const CONSOLE_SOURCES = ['console', 'package.json'];

/**
 * Builds the console when dist/console is missing or older than its sources (CI's `npm install`
 * has built it; a developer's edit has not). Tests never run against a stale console. Suites run
 * in parallel forks: one builds (a lock directory, created atomically), the others wait for it.
 */
export function ensureConsoleBuild(): void {
  const index = join(ROOT, 'dist', 'console', 'index.html');
  const lock = join(ROOT, 'dist', '.console-build.lock');
  const fresh = () => {
    const built = existsSync(index) ? statSync(index).mtimeMs : 0;
    return built >= Math.max(...CONSOLE_SOURCES.map((source) => newestChange(join(ROOT, source))));
  };
  for (const started = Date.now(); !fresh(); ) {
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    try {
      mkdirSync(lock);
    } catch {
      // Another suite builds: wait for it (a lock older than 5 minutes is a crashed build's).
      if (Date.now() - started > 300_000) rmSync(lock, { recursive: true, force: true });
      execFileSync('sleep', ['0.5']);
      continue;
    }
    try {
      if (!fresh())
        // NODE_ENV is `test` under vitest; the console is tested as it ships (React's production build).
        execFileSync('npm', ['run', 'build:console'], {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, NODE_ENV: 'production' },
        });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** The sample fleet, as the README has users apply it. */
export function sampleFleet(): string {
  const dir = join(ROOT, 'manifests');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n---\n');
}

export interface ConsoleSuite extends RunningServer {
  readonly url: string;
  readonly browser: Browser;
  /** The admin's session token (for API calls that set up a test). */
  readonly token: string;
  /** A fresh browser context (own cookies) and page, closed after the suite. */
  newPage(): Promise<Page>;
  /** A page signed in through the login form. */
  signedIn(username?: string, password?: string): Promise<Page>;
  /** Creates a user of that role (through the API) and returns its password. */
  user(username: string, role: 'viewer' | 'operator' | 'admin'): Promise<string>;
}

/**
 * A suite's server, sample fleet and browser. Vitest runs suites in parallel forks: each suite
 * has its own server, database and browser.
 */
export function useConsole(env: Record<string, string> = {}): ConsoleSuite {
  // Before the server starts: it lists the build's files at start.
  beforeAll(() => ensureConsoleBuild(), 300_000);
  const running = useServer({ env: { STEWARD_ENGINE: 'on', ...env } });
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    const applied = await call(running.server, 'POST', '/api/v1/apply', { yaml: sampleFleet() });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
  });
  const suite: ConsoleSuite = {
    get server() {
      return running.server;
    },
    get database() {
      return running.database;
    },
    get url() {
      return running.server.url;
    },
    get token() {
      return adminToken(running.server);
    },
    get browser() {
      if (!browser) throw new Error('useConsole: the browser is read before its beforeAll has run');
      return browser;
    },
    async newPage() {
      const context = await suite.browser.newContext({
        baseURL: suite.url,
        viewport: { width: 1360, height: 860 },
      });
      contexts.push(context);
      const page = await context.newPage();
      // A console error (a CSP violation, an uncaught exception) fails the test that caused it.
      page.on('pageerror', (error) => {
        throw error;
      });
      return page;
    },
    async signedIn(username = 'admin', password = TEST_ADMIN_PASSWORD) {
      const page = await suite.newPage();
      await page.goto('/');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Console' }).waitFor();
      return page;
    },
    async user(username, role) {
      const password = `${username}-password-long-enough`;
      const created = await call(running.server, 'POST', '/api/v1/users', {
        body: { username, password, role },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return password;
    },
  };
  return suite;
}

/** Saves a screenshot of the page for the README (docs/screenshots/NAME.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(ROOT, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}
