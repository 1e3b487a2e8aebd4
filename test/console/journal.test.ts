/**
 * The journal pages of the console (issue #18) in a real browser against a real server: filters
 * kept in the URL (a shared link reproduces the view), paging with continue tokens, live follow
 * that keeps the reader's place, the entry's diff and chain position, verify, exports of the
 * filtered view, and retention settings for admins only.
 */
import { readFile } from 'node:fs/promises';
import type { Download, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, device } from '../support/server.js';
import { screenshot, useConsole } from './harness.js';

interface Entry {
  seq: number;
  operation: string;
  kind: string | null;
  name: string | null;
  result: string;
}

/** Controls without an accessible name (as fleet.test.ts checks); a string run in the page. */
const UNNAMED_CONTROLS = `[...document.querySelectorAll('button, a[href], input, select, textarea')]
  .filter((element) => !(element.getAttribute('aria-label') || element.textContent?.trim() ||
    (element.id && document.querySelector('label[for="' + element.id + '"]')) || element.closest('label')))
  .map((element) => element.outerHTML.slice(0, 120))`;

const ROWS = '.journal-table tbody tr';
/** The text of one column (1-based) of every row shown. */
const column = (page: Page, index: number) =>
  page.locator(`${ROWS} td:nth-child(${index})`).allTextContents();
const seqs = async (page: Page) => (await column(page, 1)).map(Number);

async function savedText(page: Page, click: () => Promise<void>): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download') as Promise<Download>, click()]);
  return readFile(await download.path(), 'utf8');
}

describe('console: journal', { timeout: 60_000 }, () => {
  const suite = useConsole();
  /** The entry of the second apply of jr-001: a `configured` with a displayName change. */
  let configured: Entry;

  beforeAll(async () => {
    const devices = Array.from({ length: 60 }, (_, i) => device(`jr-${String(i).padStart(3, '0')}`));
    const first = await call(suite.server, 'POST', '/api/v1/apply', { body: devices });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const second = await call(suite.server, 'POST', '/api/v1/apply', {
      body: [device('jr-001', {}, { displayName: 'Journal one' })],
    });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const found = await call<{ items: Entry[] }>(
      suite.server,
      'GET',
      '/api/v1/journal?kind=Device&name=jr-001&operation=apply&result=configured',
    );
    configured = found.body.items[0];
    expect(configured).toBeDefined();
  }, 60_000);

  it('filters by operation, kind and actor through the form: the URL carries them, the table shows only matches', async () => {
    const page = await suite.signedIn();
    await page.getByRole('link', { name: 'Journal', exact: true }).click();
    await page.locator(ROWS).first().waitFor();
    await page.getByLabel('Operation').fill('apply');
    await page.getByLabel('Kind').fill('Device');
    await page.getByLabel('Actor').fill('admin');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('?actor=admin&kind=Device&operation=apply');
    await expect.poll(async () => new Set(await column(page, 4))).toEqual(new Set(['apply']));
    expect((await column(page, 5)).every((cell) => cell.startsWith('Device/'))).toBe(true);
    expect((await column(page, 3)).every((cell) => cell.startsWith('admin'))).toBe(true);
  });

  it('opens a shared URL to the same view, with the entry detail: the diff, the chain position, the previous entry, an entry off the page', async () => {
    const page = await suite.signedIn();
    await page.goto(`/journal?kind=Device&name=jr-001&seq=${configured.seq}`);
    await expect.poll(async () => new Set(await column(page, 5))).toEqual(new Set(['Device/jr-001']));
    expect(await page.getByLabel('Kind').inputValue()).toBe('Device');
    const detail = page.getByRole('region', { name: `Entry ${configured.seq}` });
    const diff = detail.getByRole('table', { name: 'Field changes' });
    await expect.poll(() => diff.textContent()).toContain('/spec/displayName');
    expect(await diff.locator('.diff-new').first().textContent()).toContain('"Journal one"');
    const chain = detail.getByLabel('Chain position');
    expect(await chain.textContent()).toMatch(
      new RegExp(`Seq${configured.seq}Previousentry ${configured.seq - 1}`),
    );
    expect(await chain.locator('code').first().getAttribute('title')).toMatch(/^[0-9a-f]{64}$/);
    await detail.getByRole('link', { name: `Previous entry ${configured.seq - 1}` }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('seq')).toBe(String(configured.seq - 1));
    await page.getByRole('heading', { name: `Entry ${configured.seq - 1}` }).waitFor();
    // The changeset link filters to the entry's changeset. On the apply's own entry: the one
    // before it may be the engine's (a transition without a changeset), depending on timing.
    await page.goto(`/journal?kind=Device&name=jr-001&seq=${configured.seq}`);
    await page.getByRole('heading', { name: `Entry ${configured.seq}` }).waitFor();
    await page.getByRole('link', { name: 'Entries of this changeset' }).click();
    await expect
      .poll(() => new URL(page.url()).searchParams.get('changeset'))
      .toBe((configured as { changeset?: string }).changeset);

    // An entry outside the page shown (seq 1, the bootstrap) is read on its own.
    await page.goto('/journal?operation=apply&seq=1');
    await expect
      .poll(() => page.getByRole('region', { name: 'Entry 1' }).textContent())
      .toContain('system:bootstrap');

    await page.goto(`/journal?kind=Device&seq=${configured.seq}`);
    await page.getByRole('table', { name: 'Field changes' }).waitFor();
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
    await screenshot(page, 'journal');
  });

  it('pages with continue tokens, a page of 50 at a time, forward and back', async () => {
    const page = await suite.signedIn();
    const requests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/v1/journal?')) requests.push(request.url());
    });
    await page.goto('/journal?kind=Device&operation=apply');
    await expect.poll(() => page.locator(ROWS).count()).toBe(50);
    const first = await seqs(page);
    await page.getByRole('button', { name: 'Next page of journal entries' }).click();
    await expect.poll(async () => (await seqs(page))[0]).toBeLessThan(Math.min(...first));
    const second = await seqs(page);
    expect(second.length).toBeGreaterThan(0);
    expect(second.length).toBeLessThanOrEqual(50);
    await page.getByRole('button', { name: 'Previous page of journal entries' }).click();
    await expect.poll(() => seqs(page)).toEqual(first);
    expect(requests.every((url) => new URL(url).searchParams.get('limit') === '50')).toBe(true);
    expect(requests.some((url) => new URL(url).searchParams.has('continue'))).toBe(true);
  });

  it('follows live: an apply made through the API appears at the top, and a reader scrolled down keeps their place', async () => {
    const page = await suite.signedIn();
    await page.goto('/journal?kind=Device&operation=apply&live=1');
    await expect
      .poll(() => page.getByRole('status', { name: 'Live follow' }).textContent())
      .toBe('following');
    await expect.poll(() => page.locator(ROWS).count()).toBe(50);
    const applied = await call(suite.server, 'POST', '/api/v1/apply', { body: [device('live-1')] });
    expect(applied.status).toBe(200);
    await expect.poll(async () => (await column(page, 5))[0]).toBe('Device/live-1');

    // Scrolled down, reading older rows: the new entry waits behind a button, nothing moves.
    await page.evaluate('window.scrollTo(0, 500)');
    const before = await page.evaluate('window.scrollY');
    expect(before).toBeGreaterThan(100);
    const rowsBefore = await page.locator(ROWS).count();
    await call(suite.server, 'POST', '/api/v1/apply', { body: [device('live-2')] });
    const more = page.getByRole('button', { name: /1 new entry/ });
    await more.waitFor();
    expect(await page.evaluate('window.scrollY')).toBe(before);
    expect(await page.locator(ROWS).count()).toBe(rowsBefore);
    await more.click();
    await expect.poll(async () => (await column(page, 5))[0]).toBe('Device/live-2');
    expect(await page.evaluate('window.scrollY')).toBe(0);
  });

  it('verifies the chain: OK with the count, then BROKEN with the first broken entry linked once an entry is edited', async () => {
    const page = await suite.signedIn();
    await page.goto('/journal');
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const result = page.getByRole('status', { name: 'Chain verification' });
    await expect.poll(() => result.textContent()).toMatch(/^Chain OK: [\d,]+ entries verified\./);

    // An entry edited in the database: BROKEN, the first broken entry linked to its detail.
    const knex = suite.server.services.db.knex;
    const edit = (value: string) =>
      knex.raw("UPDATE journal_entries SET result = ? WHERE tenant = 'default' AND seq = ?", [
        value,
        configured.seq,
      ]);
    await edit('created');
    try {
      await page.getByRole('button', { name: 'Verify chain' }).click();
      await expect.poll(() => result.textContent()).toMatch(/^Chain BROKEN after [\d,]+ intact entries/);
      await result.getByRole('link', { name: String(configured.seq) }).click();
      await page.getByRole('heading', { name: `Entry ${configured.seq}` }).waitFor();
    } finally {
      await edit('configured');
    }
  });

  it('exports NDJSON and CSV of the filtered view', async () => {
    const page = await suite.signedIn();
    await page.goto('/journal?kind=Device&name=jr-001&operation=apply');
    await expect.poll(() => page.locator(ROWS).count()).toBe(2);
    const ndjson = await savedText(page, () =>
      page.getByRole('button', { name: 'Export NDJSON (filtered)' }).click(),
    );
    const lines = ndjson
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ kind: 'JournalHead' });
    expect(
      lines.slice(0, -1).map((entry) => [entry.operation, entry.kind, entry.name, entry.result]),
    ).toEqual([
      ['apply', 'Device', 'jr-001', 'created'],
      ['apply', 'Device', 'jr-001', 'configured'],
    ]);
    const csv = await savedText(page, () =>
      page.getByRole('button', { name: 'Export CSV (filtered)' }).click(),
    );
    const rows = csv.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^seq,time,tenant,/);
    expect(rows.at(-1)).toMatch(/^# \{"kind":"JournalHead"/);
    expect(rows.slice(1, -1)).toHaveLength(2);
    for (const row of rows.slice(1, -1)) expect(row).toContain(',apply,Device,jr-001,');
  });

  it('works from the keyboard: Tab to the filters, type, Enter applies them', async () => {
    const page = await suite.signedIn();
    await page.goto('/journal');
    await page.locator(ROWS).first().waitFor();
    for (let presses = 0; presses < 60; presses++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate("document.activeElement?.getAttribute('name')")) === 'actor') break;
    }
    expect(await page.evaluate("document.activeElement?.getAttribute('name')")).toBe('actor');
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    expect(await page.evaluate("document.activeElement?.getAttribute('name')")).toBe('kind');
    await page.keyboard.type('Device');
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).search).toBe('?actor=admin&kind=Device');
    await expect
      .poll(async () => (await column(page, 5)).every((cell) => cell.startsWith('Device/')))
      .toBe(true);
  });

  it('shows retention settings to the admin, who saves them', async () => {
    const page = await suite.signedIn();
    page.setDefaultTimeout(10_000);
    await page.getByRole('link', { name: 'Journal retention' }).click();
    const days = page.getByLabel('Retention (days)');
    await expect.poll(() => days.inputValue()).toBe('365');
    await days.fill('30');
    await page.getByLabel('Read journaling').selectOption('metadata');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).textContent())
      .toContain('30 days');
    const saved = await call(suite.server, 'GET', '/api/v1/journal/settings');
    expect(saved.body).toMatchObject({ retentionDays: 30, readJournaling: 'metadata' });
    // An invalid value is the server's to refuse, and its message is shown.
    await days.fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^422.*retentionDays/);
    await call(suite.server, 'PUT', '/api/v1/journal/settings', { body: { readJournaling: 'none' } });
  });

  it('hides retention and exports from a viewer, who still reads the journal', async () => {
    const password = await suite.user('vera', 'viewer');
    const page = await suite.signedIn('vera', password);
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Journal', exact: true }).waitFor();
    expect(await nav.getByRole('link', { name: 'Journal retention' }).count()).toBe(0);
    await page.goto('/journal');
    await page.locator(ROWS).first().waitFor();
    expect(await page.getByRole('button', { name: /^Export/ }).count()).toBe(0);
    await page.goto('/settings');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('journal:admin');
    expect(await page.getByLabel('Retention (days)').count()).toBe(0);
  });
});
