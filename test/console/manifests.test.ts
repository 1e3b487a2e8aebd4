/**
 * The Manifests pages of the console (issue #18) in a real browser against a real server: any
 * resource as YAML (copy and download), and apply — dry run first with per-document results and
 * the field diff against the live resource, errors with their document and JSON pointer, then apply.
 */
import { readFile } from 'node:fs/promises';
import type { Download } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { call } from '../support/server.js';
import { screenshot, useConsole } from './harness.js';

const NAME = 'console-apply-1';

function deviceYaml(team: string, displayName: string): string {
  return `apiVersion: steward.dev/v1
kind: Device
metadata:
  name: ${NAME}
  labels:
    team: ${team}
spec:
  platform: linux
  permanentIdentifier: machine-id-${NAME}
  displayName: ${displayName}
`;
}

/** Controls without an accessible name; a page string (the tests' tsconfig has no DOM types). */
const UNNAMED_CONTROLS = `[...document.querySelectorAll('button, a[href], input, select, textarea')]
  .filter((element) => !(element.getAttribute('aria-label') || element.textContent?.trim() ||
    (element.id && document.querySelector('label[for="' + element.id + '"]')) || element.closest('label')))
  .map((element) => element.outerHTML.slice(0, 120))`;

describe('console: manifests', { timeout: 60_000 }, () => {
  const suite = useConsole();

  it('lists a kind picked from discovery and shows a resource as YAML, copied or downloaded', async () => {
    const page = await suite.signedIn();
    await page.goto('/resources');
    await page.getByLabel(/^Kind/).selectOption('devices');
    await page.getByRole('link', { name: 'mbp-ada' }).click();
    const yaml = page.getByRole('figure', { name: 'YAML of devices/mbp-ada' });
    await expect.poll(() => yaml.textContent()).toContain('permanentIdentifier: C02XG2JHJG5H');
    expect(await yaml.textContent()).toContain('kind: Device');
    await page.getByRole('button', { name: 'Copy YAML' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download') as Promise<Download>,
      page.getByRole('button', { name: 'Download YAML' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('devices-mbp-ada.yaml');
    expect(await readFile(await download.path(), 'utf8')).toContain('name: mbp-ada');
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
  });

  it('dry-runs a pasted Device ("created"), then applies it from the keyboard', async () => {
    const page = await suite.signedIn();
    await page.goto('/apply');
    const apply = page.getByRole('button', { name: 'Apply', exact: true });
    await page.getByLabel('Manifests (YAML)').fill(deviceYaml('infra', 'first'));
    expect(await apply.isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Dry run' }).click();
    const dryRun = page.getByRole('region', { name: 'Dry run' });
    await dryRun.getByText('created').waitFor();
    expect((await call(suite.server, 'GET', `/api/v1/devices/${NAME}`)).status).toBe(404);
    await apply.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'Applied' }).getByText('created').waitFor();
    const live = await call<{ metadata: { labels: Record<string, string> } }>(
      suite.server,
      'GET',
      `/api/v1/devices/${NAME}`,
    );
    expect(live.status).toBe(200);
    expect(live.body.metadata.labels).toEqual({ team: 'infra' });
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
  });

  it('shows a changed manifest as a field diff, and an invalid document with its index and pointer', async () => {
    const applied = await call(suite.server, 'POST', '/api/v1/apply', { yaml: deviceYaml('infra', 'first') });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const page = await suite.signedIn();
    await page.goto('/apply');
    const text = page.getByLabel('Manifests (YAML)');
    await text.fill(deviceYaml('ops', 'second'));
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('region', { name: 'Dry run' }).getByText('configured').waitFor();
    const diff = page.getByRole('table', { name: `Changes to Device ${NAME}` });
    const team = diff.getByRole('row', { name: /\/metadata\/labels\/team/ });
    await expect.poll(() => team.textContent()).toMatch(/changed.*infra.*ops/);
    expect(await diff.getByRole('row', { name: /\/spec\/displayName/ }).textContent()).toMatch(
      /first.*second/,
    );
    await screenshot(page, 'apply');

    // Editing after the dry run asks for another before Apply.
    await text.fill(
      `${deviceYaml('ops', 'second')}---\napiVersion: steward.dev/v1\nkind: Device\nmetadata:\n  name: bad-one\nspec:\n  platform: linux\n  permanentIdentifier: x\n  bogus: 1\n`,
    );
    expect(await page.getByRole('button', { name: 'Apply', exact: true }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Dry run' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/^422/);
    expect(await alert.textContent()).toMatch(/document 1 \/spec\/bogus/);
    // Where it is in the text: line 19 of the stream (the second document's 8th).
    expect(await page.getByRole('list', { name: 'Problem positions' }).textContent()).toMatch(
      /line 19, column \d+: document 1 \/spec\/bogus/,
    );
    expect(await page.getByRole('button', { name: 'Apply', exact: true }).isDisabled()).toBe(true);
  });
});
