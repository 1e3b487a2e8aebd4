/**
 * The Fleet pages of the console (issue #18) in a real browser against a real server: devices
 * (table, label selector in the URL, detail with certificate, attestation, logs and history,
 * approve and delete), device groups, certificate authorities (chain and CRL downloads,
 * revocation) and enrollment tokens (the secret shown once); a viewer sees no write control.
 */
import { readFile } from 'node:fs/promises';
import type { Download, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeviceAgent } from '../../src/device-agent/agent.js';
import { call, device } from '../support/server.js';
import {
  attestedMac,
  deviceAgent,
  enrollToken,
  ISSUING_CA,
  isReady,
  issueCertificate,
  TEST_AUTHORITY,
  waitForResource,
} from './fleet-setup.js';
import { screenshot, useConsole } from './harness.js';

const ATTESTED = 'mac-attested';
const SERIAL = 'C02CONSOLE01';

/**
 * The controls of the page without an accessible name (aria-label, text, or a label), as the
 * shell test checks the frame's. A string: it runs in the page, and the server's tsconfig has no DOM types.
 */
const UNNAMED_CONTROLS = `[...document.querySelectorAll('button, a[href], input, select, textarea')]
  .filter((element) => !(element.getAttribute('aria-label') || element.textContent?.trim() ||
    (element.id && document.querySelector('label[for="' + element.id + '"]')) || element.closest('label')))
  .map((element) => element.outerHTML.slice(0, 120))`;

async function savedText(page: Page, click: () => Promise<void>): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download') as Promise<Download>, click()]);
  const path = await download.path();
  return readFile(path, 'utf8');
}

describe('console: fleet', { timeout: 60_000 }, () => {
  const suite = useConsole();
  let mac: DeviceAgent;
  let revocable: string;

  beforeAll(async () => {
    await waitForResource(suite.server, `/api/v1/certificateauthorities/${ISSUING_CA}`, isReady);
    mac = await attestedMac(suite.server, await enrollToken(suite.server, 'auto'), ATTESTED, SERIAL);
    const manual = await enrollToken(suite.server, 'manual');
    for (const name of ['pending-1', 'pending-2'])
      expect(await (await deviceAgent(suite.server, 'linux', `${name}-id`, name)).enroll(manual)).toBe(false);
    const applied = await call(suite.server, 'POST', '/api/v1/apply', {
      body: device('doomed-1', { env: 'lab' }),
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    revocable = await issueCertificate(suite.server, 'console-revoke-me');
    await waitForResource(
      suite.server,
      `/api/v1/devices/${ATTESTED}`,
      (resource) =>
        resource.status.assurance === 'high' &&
        Boolean((resource.status.installed as { version?: string } | undefined)?.version) &&
        Boolean((resource.status.certificate as { serial?: string } | undefined)?.serial),
    );
  }, 120_000);

  it('lists devices with platform, approval, assurance and installed version; a label selector filters them and stays in the URL', async () => {
    const page = await suite.signedIn();
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    const table = page.getByRole('table');
    await table.getByRole('link', { name: 'edge-gw-001' }).waitFor();
    const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: ATTESTED }) });
    await expect.poll(() => row.textContent()).toMatch(/apple.*yes.*high.*2\.4\.1/);
    const pending = table.getByRole('row').filter({ has: page.getByRole('link', { name: 'pending-1' }) });
    expect(await pending.textContent()).toContain('pending');
    await screenshot(page, 'devices');

    await page.getByLabel('Label selector').fill('env=staging');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('labelSelector')).toBe('env=staging');
    await expect.poll(() => table.getByRole('link').allTextContents()).toEqual(['edge-gw-staging']);
    // The URL alone restores the filter (a shared link, a reload).
    await page.reload();
    await expect
      .poll(() => page.getByRole('table').getByRole('link').allTextContents())
      .toEqual(['edge-gw-staging']);
    expect(await page.getByLabel('Label selector').inputValue()).toBe('env=staging');
    // A selector the API refuses: the server's words are shown.
    await page.getByLabel('Label selector').fill('env in (');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^400 /);
  });

  it('pages through devices with the API’s continue token, forward and back', async () => {
    const batch = Array.from({ length: 55 }, (_, index) =>
      device(`paged-${String(index).padStart(2, '0')}`, { batch: 'paging' }),
    );
    const applied = await call(suite.server, 'POST', '/api/v1/apply', { body: batch });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const page = await suite.signedIn();
    await page.goto('/devices?labelSelector=batch%3Dpaging');
    const links = () => page.getByRole('table').getByRole('link').allTextContents();
    await expect.poll(async () => (await links()).length).toBe(50);
    expect((await links())[0]).toBe('paged-00');
    await page.getByRole('button', { name: 'Next page of devices' }).click();
    await expect.poll(links).toEqual(['paged-50', 'paged-51', 'paged-52', 'paged-53', 'paged-54']);
    expect(await page.getByRole('button', { name: 'Next page of devices' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page of devices' }).click();
    await expect.poll(async () => (await links())[49]).toBe('paged-49');
  });

  it("shows a device's identity certificate, its attestation result and its history", async () => {
    const issuedDevice = await call<{ status: { certificate: { serial: string } } }>(
      suite.server,
      'GET',
      `/api/v1/devices/${ATTESTED}`,
    );
    const serial = issuedDevice.body.status.certificate.serial;
    const issued = await call<{ items: Array<{ serial: string; fingerprint: string }> }>(
      suite.server,
      'GET',
      `/api/v1/certificateauthorities/${ISSUING_CA}/certificates?limit=1000`,
    );
    const fingerprint = issued.body.items.find((item) => item.serial === serial)?.fingerprint;
    expect(fingerprint).toBeTruthy();

    const page = await suite.signedIn();
    await page.goto(`/devices/${ATTESTED}`);
    const certificate = page.getByRole('region', { name: 'Identity certificate' });
    await expect.poll(() => certificate.textContent()).toContain(fingerprint);
    const shown = await certificate.textContent();
    expect(shown).toContain(`CN=${ATTESTED}`);
    expect(shown).toContain(serial);
    expect(shown).toContain(ISSUING_CA);
    const attestation = page.getByRole('region', { name: 'Attestation' });
    const verified = await attestation.textContent();
    expect(verified).toContain('high');
    expect(verified).toContain('Verified');
    expect(verified).toContain(TEST_AUTHORITY);
    expect(verified).toContain('attested key is the identity key');
    await expect.poll(() => page.getByRole('region', { name: 'History' }).textContent()).toContain('attest');
    await screenshot(page, 'device-detail');
    const chain = await savedText(page, () =>
      page.getByRole('button', { name: 'Download issuer chain (PEM)' }).click(),
    );
    expect(chain.startsWith('-----BEGIN CERTIFICATE-----')).toBe(true);
  });

  it('requests a log bundle, which downloads once the device uploaded it at a check-in', async () => {
    const page = await suite.signedIn();
    await page.goto(`/devices/${ATTESTED}`);
    const logs = page.getByRole('region', { name: 'Logs' });
    await logs.getByRole('button', { name: 'Request log bundle' }).click();
    await expect.poll(() => logs.textContent()).toContain('waiting for the device');
    const [request] = (await mac.checkIn()).logRequests;
    await mac.uploadLogs(request.id, new TextEncoder().encode('boot ok\n'));
    // The page looks again while a bundle is waiting.
    const button = logs.getByRole('button', { name: `Download bundle ${request.id}` });
    await button.waitFor({ timeout: 15_000 });
    expect(await savedText(page, () => button.click())).toBe('boot ok\n');
  });

  it('approves a device waiting for approval, after a confirmation naming it', async () => {
    const page = await suite.signedIn();
    await page.goto('/devices/pending-1');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve device pending-1?' });
    await dialog.getByRole('button', { name: 'Approve pending-1' }).click();
    await waitForResource(
      suite.server,
      '/api/v1/devices/pending-1',
      (resource) => resource.status.approved === true,
    );
    await page.getByRole('button', { name: 'Approve', exact: true }).waitFor({ state: 'detached' });
  });

  it('deletes a device after a confirmation naming it; Cancel keeps it', async () => {
    const page = await suite.signedIn();
    await page.goto('/devices/doomed-1');
    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete device doomed-1?' })
      .getByRole('button', { name: 'Cancel' })
      .click();
    expect((await call(suite.server, 'GET', '/api/v1/devices/doomed-1')).status).toBe(200);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete device doomed-1?' })
      .getByRole('button', { name: 'Delete doomed-1' })
      .click();
    await page.waitForURL((url) => url.pathname === '/devices');
    await expect
      .poll(async () => (await call(suite.server, 'GET', '/api/v1/devices/doomed-1')).status)
      .toBe(404);
  });

  it("lists a device group's selector, member count and members", async () => {
    const page = await suite.signedIn();
    await page.goto('/device-groups');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'prod-linux' }) });
    await expect.poll(() => row.textContent()).toContain('env=prod,steward.dev/platform=linux');
    await row.getByRole('link', { name: 'prod-linux' }).click();
    const members = page.getByRole('region', { name: 'Member devices' });
    await expect
      .poll(() => members.getByRole('link').allTextContents())
      .toEqual(['edge-gw-001', 'edge-gw-002', 'edge-gw-003']);
  });

  it("downloads a CA's chain and CRL as PEM and revokes an issued certificate with a reason", async () => {
    const page = await suite.signedIn();
    await page.goto('/cas');
    await page.getByRole('table').getByRole('link', { name: ISSUING_CA }).first().waitFor();
    await expect.poll(() => page.getByRole('table').textContent()).toContain('Ready');
    await screenshot(page, 'cas');
    await page.getByRole('table').getByRole('link', { name: ISSUING_CA }).first().click();
    await page.getByRole('heading', { name: `Certificate authority ${ISSUING_CA}` }).waitFor();
    const chain = await savedText(page, () =>
      page.getByRole('button', { name: 'Download chain (PEM)' }).click(),
    );
    expect(chain.startsWith('-----BEGIN CERTIFICATE-----')).toBe(true);
    const crl = await savedText(page, () => page.getByRole('button', { name: 'Download CRL (PEM)' }).click());
    expect(crl.startsWith('-----BEGIN X509 CRL-----')).toBe(true);

    await page.getByRole('button', { name: `Revoke certificate ${revocable}` }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke certificate ${revocable}?` });
    await dialog.getByLabel('Reason').selectOption('keyCompromise');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    const row = page
      .getByRole('region', { name: 'Issued certificates' })
      .getByRole('row')
      .filter({ hasText: revocable });
    await expect.poll(() => row.textContent()).toContain('revoked (keyCompromise)');
    const listed = await call<{ items: Array<{ serial: string; state: string }> }>(
      suite.server,
      'GET',
      `/api/v1/certificateauthorities/${ISSUING_CA}/certificates?limit=1000`,
    );
    expect(listed.body.items.find((item) => item.serial === revocable)?.state).toBe('revoked');
  });

  it('creates an enrollment token whose secret is shown once and gone after a reload, then deletes it', async () => {
    const page = await suite.signedIn();
    await page.getByRole('link', { name: 'Enrollment tokens' }).click();
    await page.getByLabel('Description').fill('console batch');
    await page.getByLabel('Approval').selectOption('manual');
    await page.getByRole('button', { name: 'Create token' }).click();
    const notice = page.getByRole('status', { name: 'New enrollment token' });
    await expect.poll(() => notice.textContent()).toContain('shown once');
    const secret = (await notice.locator('code').textContent()) ?? '';
    expect(secret).toMatch(/^stw_enroll_/);
    await notice.getByRole('button', { name: 'Copy token' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'console batch' });
    await expect.poll(() => row.textContent()).toContain('manual');

    await page.reload();
    await page.getByRole('row').filter({ hasText: 'console batch' }).waitFor();
    expect(await page.content()).not.toContain(secret);

    await page
      .getByRole('row')
      .filter({ hasText: 'console batch' })
      .getByRole('button', { name: /^Delete/ })
      .click();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /^Delete / })
      .click();
    await page.getByRole('row').filter({ hasText: 'console batch' }).waitFor({ state: 'detached' });
  });

  it('is usable from the keyboard, every control named; Escape cancels a confirmation', async () => {
    const page = await suite.signedIn();
    const unnamedControls = () => page.evaluate<string[]>(UNNAMED_CONTROLS);
    for (const path of [
      '/device-groups',
      '/device-groups/prod-linux',
      '/cas',
      `/cas/${ISSUING_CA}`,
      '/enroll-tokens',
    ]) {
      await page.goto(path);
      await page.getByRole('table').first().waitFor();
      expect(await unnamedControls(), path).toEqual([]);
    }
    await page.goto('/devices');
    await page.getByRole('table').getByRole('link', { name: 'edge-gw-001' }).waitFor();
    expect(await unnamedControls()).toEqual([]);
    await page.getByLabel('Label selector').focus();
    await page.keyboard.type('ring=canary,env=prod');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('table').getByRole('link').allTextContents())
      .toEqual(['edge-gw-001']);
    await page.getByRole('table').getByRole('link', { name: 'edge-gw-001' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Device edge-gw-001' }).waitFor();
    await page.getByRole('region', { name: 'History' }).waitFor();
    expect(await unnamedControls()).toEqual([]);
    await page.getByRole('button', { name: 'Delete' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Delete device edge-gw-001?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect((await call(suite.server, 'GET', '/api/v1/devices/edge-gw-001')).status).toBe(200);
  });

  it('shows the server’s 403 when a write the page offered is refused (the role changed meanwhile)', async () => {
    const password = await suite.user('olga', 'operator');
    const page = await suite.signedIn('olga', password);
    await page.goto('/devices/pending-2');
    const approve = page.getByRole('button', { name: 'Approve', exact: true });
    await approve.waitFor();
    const demoted = await call(suite.server, 'PUT', '/api/v1/users/olga', { body: { role: 'viewer' } });
    expect(demoted.status, JSON.stringify(demoted.body)).toBe(200);
    await approve.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Approve pending-2' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/^403 .*devices:approve/);
  });

  it('shows a viewer no approve, delete, revoke, request or create control, and the refusal of a page it may not use', async () => {
    const password = await suite.user('vic', 'viewer');
    const page = await suite.signedIn('vic', password);
    await page.goto('/devices/pending-2');
    await page.getByRole('region', { name: 'Overview' }).waitFor();
    await page.getByRole('region', { name: 'Logs' }).waitFor();
    await page.getByRole('region', { name: 'History' }).waitFor();
    const writes = /^(Approve|Delete|Revoke|Request log bundle|Create token)/;
    expect(await page.getByRole('button', { name: writes }).count()).toBe(0);
    await page.goto(`/cas/${ISSUING_CA}`);
    await page.getByRole('region', { name: 'Issued certificates' }).getByRole('row').nth(1).waitFor();
    expect(await page.getByRole('button', { name: writes }).count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Console' }).textContent()).not.toContain(
      'Enrollment tokens',
    );
    // Typed by hand: the server refuses, and the page says so in its words.
    await page.goto('/enroll-tokens');
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toMatch(/^403 .*enroll-tokens:write/);
    expect(await page.getByRole('button', { name: writes }).count()).toBe(0);
  });
});
