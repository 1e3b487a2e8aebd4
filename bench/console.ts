/**
 * `npm run bench -- console [ENTRIES]`: the console's journal page in Debian's Chromium against a
 * local Steward (SQLite, engine off), each browser context fresh (cold cache, signed in through
 * the API's login in that context, which sets the session cookie):
 * (a) with 1,000 journal entries (one apply of 1,000 Devices): the cold load of /journal — bytes
 *     on the wire (CDP Network.loadingFinished encodedDataLength: compressed bodies plus headers,
 *     summed over every response) and the time until the table shows rows; next to it the cold
 *     load of /api/docs (the API reference page) as a baseline;
 * (b) with ENTRIES entries (default 1,000,000, appended through the JournalWriter's bulk append,
 *     10,000 per transaction, the real hash chain): the first page and the next page in the
 *     browser, with the rows rendered and the journal requests made (a page at a time, never the
 *     whole journal), and the raw API `GET /api/v1/journal?limit=100` as the baseline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { systemContext } from '../src/context.js';
import type { JournalRecord } from '../src/journal/link.js';
import { packageRoot } from '../src/package-root.js';
import type { StewardServer } from '../src/server.js';
import { launchChromium } from '../test/support/browser.js';
import { newestChange } from '../test/support/build.js';
import { BENCH_ADMIN_PASSWORD, benchLogin, device, startQuietServer } from './_http.js';

const ROWS = '.journal-table tbody tr';
const SEED_BATCH = 10_000;
const KB = 1024;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value: number) => `${value.toFixed(0)} ms`;

/** dist/console as the sources are now (the server serves what is built). */
function ensureConsoleBuild(): void {
  const root = packageRoot();
  const index = join(root, 'dist', 'console', 'index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (built >= newestChange(join(root, 'console'))) return;
  console.log('  (building the console first)');
  execFileSync('npm', ['run', 'build:console'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/** A fresh context (no cache, no cookies) signed in as the bench admin through the API. */
async function signedInContext(browser: Browser, url: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: url, viewport: { width: 1360, height: 860 } });
  const login = await context.request.post('/api/v1/auth/login', {
    data: { username: 'admin', password: BENCH_ADMIN_PASSWORD },
  });
  if (!login.ok()) throw new Error(`login answered ${login.status()}`);
  return context;
}

interface Wire {
  bytes: number;
  responses: number;
  encodings: Set<string>;
}

/** Sums what crosses the wire for the page from now on (CDP: compressed bodies and headers). */
async function measureWire(page: Page): Promise<Wire> {
  const wire: Wire = { bytes: 0, responses: 0, encodings: new Set() };
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.loadingFinished', (event) => {
    wire.bytes += event.encodedDataLength;
    wire.responses += 1;
  });
  cdp.on('Network.responseReceived', (event) => {
    const encoding = Object.entries(event.response.headers).find(
      ([name]) => name.toLowerCase() === 'content-encoding',
    );
    wire.encodings.add(encoding ? String(encoding[1]) : 'identity');
  });
  return wire;
}

/** The journal API requests a page makes (the console's list reads, not the stream or assets). */
function journalRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/v1/journal') seen.push(url.search);
  });
  return seen;
}

/**
 * The page's own clock (Navigation and Resource Timing): DOMContentLoaded, and how long the last
 * request whose URL contains `part` took from its start to its last byte. A string evaluated
 * through CDP (not eval: the console's CSP allows no eval).
 */
async function pageTimings(page: Page, part: string): Promise<{ domReady: number; request: number }> {
  return (await page.evaluate(`(() => {
    const navigation = performance.getEntriesByType('navigation')[0];
    const request = performance.getEntriesByType('resource').filter((entry) => entry.name.includes(${JSON.stringify(part)})).pop();
    return { domReady: navigation ? navigation.domContentLoadedEventEnd : -1, request: request ? request.responseEnd - request.startTime : -1 };
  })()`)) as { domReady: number; request: number };
}

async function coldLoad(browser: Browser, url: string): Promise<void> {
  console.log('(a) cold load of /journal with 1,000 journal entries (fresh context, signed in)');
  const runs: Array<{ time: number; wire: Wire; domReady: number; request: number }> = [];
  for (let run = 0; run < 5; run++) {
    const context = await signedInContext(browser, url);
    const page = await context.newPage();
    const wire = await measureWire(page);
    const started = performance.now();
    await page.goto('/journal');
    await page.locator(ROWS).first().waitFor();
    const time = performance.now() - started;
    await page.waitForLoadState('networkidle');
    runs.push({ time, wire, ...(await pageTimings(page, '/api/v1/journal?')) });
    await context.close();
  }
  const times = runs.map((run) => run.time);
  const wire = runs[runs.length - 1].wire;
  console.log(
    `  time to the table with rows: median ${ms(median(times))} (min ${ms(Math.min(...times))}, max ${ms(Math.max(...times))}, 5 cold loads)`,
  );
  console.log(
    `  of which (page clock, medians): DOMContentLoaded at ${ms(median(runs.map((run) => run.domReady)))}, the GET /api/v1/journal?limit=50 request ${ms(median(runs.map((run) => run.request)))}`,
  );
  console.log(
    `  transferred: ${(wire.bytes / KB).toFixed(1)} KB in ${wire.responses} responses (CDP encodedDataLength: bodies as sent + headers; content-encoding seen: ${[...wire.encodings].join(', ')})`,
  );

  const docs: number[] = [];
  let docsWire: Wire | undefined;
  for (let run = 0; run < 5; run++) {
    const context = await signedInContext(browser, url);
    const page = await context.newPage();
    docsWire = await measureWire(page);
    const started = performance.now();
    await page.goto('/api/docs', { waitUntil: 'load' });
    docs.push(performance.now() - started);
    await page.waitForLoadState('networkidle');
    await context.close();
  }
  console.log(
    `  baseline /api/docs cold load (to the load event): median ${ms(median(docs))}, ${((docsWire?.bytes ?? 0) / KB).toFixed(1)} KB in ${docsWire?.responses} responses`,
  );
}

/** Appends `count` entries through the JournalWriter, SEED_BATCH per transaction. */
async function seed(server: StewardServer, count: number): Promise<void> {
  const { db, journal } = server.services;
  const context = systemContext(
    'default',
    { type: 'user', id: 'bench-seeder', name: 'seeder' },
    'bench-seed',
  );
  for (let done = 0; done < count; done += SEED_BATCH) {
    const records: JournalRecord[] = [];
    for (let i = 0; i < Math.min(SEED_BATCH, count - done); i++)
      records.push({
        operation: 'apply',
        kind: 'Device',
        name: `seed-${String(i).padStart(5, '0')}`,
        generation: done / SEED_BATCH + 1,
        result: 'configured',
        changeset: `seed-${done / SEED_BATCH}`,
        changes: [{ pointer: '/spec/displayName', old: `Device ${done + i - 1}`, new: `Device ${done + i}` }],
      });
    await db.transaction((trx) => journal.append(trx, context, records));
  }
}

async function largeJournal(browser: Browser, server: StewardServer, count: number): Promise<void> {
  console.log(`(b) the journal page with ${count.toLocaleString('en')} entries`);
  let started = performance.now();
  await seed(server, count);
  console.log(
    `  seeded through the JournalWriter's bulk append (${SEED_BATCH.toLocaleString('en')} a transaction, hash-chained) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const token = await benchLogin(server.url);
  const api: number[] = [];
  for (let run = 0; run < 20; run++) {
    started = performance.now();
    const response = await fetch(`${server.url}/api/v1/journal?limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.arrayBuffer();
    api.push(performance.now() - started);
  }
  console.log(`  baseline raw API GET /api/v1/journal?limit=100: median ${ms(median(api))} over 20`);

  const firsts: number[] = [];
  const firstRequests: number[] = [];
  const nextRequests: number[] = [];
  const nexts: number[] = [];
  let rows = 0;
  let requests: string[] = [];
  for (let run = 0; run < 3; run++) {
    const context = await signedInContext(browser, server.url);
    const page = await context.newPage();
    requests = journalRequests(page);
    started = performance.now();
    await page.goto('/journal');
    // On a loaded machine a first page has taken over 30 s once: say what the page showed.
    await page
      .locator(ROWS)
      .first()
      .waitFor({ timeout: 60_000 })
      .catch(async (error) => {
        console.log(`  the page showed: ${await page.locator('main').textContent()}; requests: ${requests}`);
        throw error;
      });
    firsts.push(performance.now() - started);
    firstRequests.push((await pageTimings(page, '/api/v1/journal?limit=50')).request);
    // Seqs are contiguous here (no filter, nothing else writes): the next page starts one below
    // the last row of this one. (waitForFunction would evaluate a string: the console's CSP forbids it.)
    const last = Number(await page.locator(`${ROWS} td:first-child`).last().textContent());
    started = performance.now();
    await page.getByRole('button', { name: 'Next page of journal entries' }).click();
    await page.getByRole('link', { name: `Entry ${last - 1}`, exact: true }).waitFor();
    nexts.push(performance.now() - started);
    nextRequests.push((await pageTimings(page, 'continue=')).request);
    rows = await page.locator(ROWS).count();
    await context.close();
  }
  console.log(
    `  first page (cold context, to rows shown): median ${ms(median(firsts))} over 3; its journal request ${ms(median(firstRequests))} (page clock)`,
  );
  console.log(
    `  next page (Playwright click to new rows shown): median ${ms(median(nexts))} over 3; its journal request ${ms(median(nextRequests))} (page clock)`,
  );
  console.log(
    `  rows rendered on a page: ${rows} of ${count.toLocaleString('en')}; journal requests of one visit: ${requests.length} (${requests.join(' ; ')})`,
  );
}

export default async function consoleBench(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 1_000_000);
  ensureConsoleBuild();
  const { server, cleanup } = await startQuietServer('steward-bench-console-');
  const browser = await launchChromium();
  try {
    const token = await benchLogin(server.url);
    const applied = await fetch(`${server.url}/api/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(Array.from({ length: 1_000 }, (_, i) => device(i + 1))),
    });
    if (!applied.ok) throw new Error(`apply answered ${applied.status}`);
    await coldLoad(browser, server.url);
    await largeJournal(browser, server, count);
  } finally {
    await browser.close();
    await cleanup();
  }
}
