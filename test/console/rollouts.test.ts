/**
 * The Rollouts pages of the console (issue #18) in a real browser against a real server: the
 * rollouts list, a rollout's waves with labelled progress bars, approve / pause / resume / abort
 * through confirmations that name the rollout (the state changing on the page without a reload),
 * an artifact's signature and its SBOM download, and a viewer who sees no action.
 */
import { readFile } from 'node:fs/promises';
import type { Download, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeviceAgent } from '../../src/device-agent/agent.js';
import { UpdateState } from '../../src/device-api/gen/steward/device/v1/device_pb.js';
import { call } from '../support/server.js';
import { deviceAgent, ISSUING_CA, isReady, waitForResource } from './fleet-setup.js';
import { screenshot, useConsole } from './harness.js';

const SAMPLE = 'edge-agent-2-4-1-prod';
const ARTIFACT = 'edge-agent-2-4-1';
/** A rollout of the staging gateway whose only wave waits for a person. */
const GATED = 'edge-agent-staging-gated';
/** A rollout of two enrolled device agents, which report their installs while the page watches. */
const LIVE = 'edge-agent-live';
const LIVE_LABEL = 'console-live';

const SPDX = {
  spdxVersion: 'SPDX-2.3',
  dataLicense: 'CC0-1.0',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'edge-agent-2.4.1',
  documentNamespace: 'https://updates.example.com/spdx/edge-agent-2.4.1',
  creationInfo: { created: '2026-12-01T00:00:00Z', creators: ['Tool: syft-1.0'] },
  packages: [
    { SPDXID: 'SPDXRef-agent', name: 'edge-agent', versionInfo: '2.4.1', downloadLocation: 'NOASSERTION' },
  ],
};

/** Controls without an accessible name (as the shell test checks the frame's); runs in the page. */
const UNNAMED_CONTROLS = `[...document.querySelectorAll('button, a[href], input, select, textarea, progress')]
  .filter((element) => !(element.getAttribute('aria-label') || element.textContent?.trim() ||
    (element.id && document.querySelector('label[for="' + element.id + '"]')) || element.closest('label')))
  .map((element) => element.outerHTML.slice(0, 120))`;

const phaseOf = (rollout: { status: Record<string, unknown> }) => rollout.status.phase as string | undefined;

describe('console: rollouts and artifacts', { timeout: 60_000 }, () => {
  const suite = useConsole();

  async function rolloutPage(name: string, page?: Page): Promise<Page> {
    const signed = page ?? (await suite.signedIn());
    await signed.goto(`/rollouts/${name}`);
    await signed.getByRole('heading', { name: 'Waves' }).waitFor();
    return signed;
  }

  beforeAll(async () => {
    await waitForResource(suite.server, `/api/v1/certificateauthorities/${ISSUING_CA}`, isReady);
    const applied = await call(suite.server, 'POST', '/api/v1/apply', {
      body: {
        apiVersion: 'steward.dev/v1',
        kind: 'Rollout',
        metadata: { name: GATED },
        spec: {
          artifactRef: { name: ARTIFACT },
          target: { selector: { matchLabels: { env: 'staging' } } },
          strategy: { waves: [{ percent: 100, requireApproval: true }], maxFailurePercent: 5 },
        },
      },
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    await waitForResource(suite.server, `/api/v1/rollouts/${GATED}`, (r) => phaseOf(r) === 'WaitingApproval');
    await waitForResource(suite.server, `/api/v1/rollouts/${SAMPLE}`, (r) =>
      ['Progressing', 'Soaking'].includes(phaseOf(r) ?? ''),
    );
    const attached = await suite.server.app.inject({
      method: 'PUT',
      url: `/api/v1/artifacts/${ARTIFACT}/sbom`,
      headers: { authorization: `Bearer ${suite.token}`, 'content-type': 'application/spdx+json' },
      payload: JSON.stringify(SPDX),
    });
    expect(attached.statusCode, attached.body).toBeLessThan(300);
  }, 120_000);

  it('lists rollouts with their artifact, phase, wave and counts', async () => {
    const page = await suite.signedIn();
    await page.getByRole('link', { name: 'Rollouts', exact: true }).click();
    const table = page.getByRole('table');
    const sample = table.getByRole('row').filter({ has: page.getByRole('link', { name: SAMPLE }) });
    await expect
      .poll(() => sample.textContent())
      .toMatch(/edge-agent-2-4-1@2\.4\.1.*(Progressing|Soaking).*1 of 3/);
    const gated = table.getByRole('row').filter({ has: page.getByRole('link', { name: GATED }) });
    await expect.poll(() => gated.textContent()).toContain('Waiting for approval');
    expect(await page.getByRole('progressbar', { name: `${SAMPLE}: 0 of 3 devices updated` }).count()).toBe(
      1,
    );
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
    await screenshot(page, 'rollouts');
  });

  it('shows each wave as a labelled progress bar with its counts, the gate and the failure policy', async () => {
    const page = await rolloutPage(SAMPLE);
    const bars = page.getByRole('progressbar');
    await expect.poll(() => bars.count()).toBe(3);
    await page.getByRole('progressbar', { name: /^Wave 1 of 3: \d+ of 1 device updated$/ }).waitFor();
    expect(
      await page.getByRole('progressbar', { name: /^Wave 2 of 3: 0 of \d+ devices? updated$/ }).count(),
    ).toBe(1);
    expect(await page.locator('li.wave').nth(1).textContent()).toContain('approval gate');
    expect(await page.getByRole('region', { name: 'Failure policy' }).textContent()).toContain('5% failed');
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
    await screenshot(page, 'rollout-detail');
  });

  it('approves a gated rollout from its page, and the new phase shows without a reload', async () => {
    const page = await rolloutPage(GATED);
    const phase = page.getByTestId('rollout-phase');
    await expect.poll(() => phase.textContent()).toBe('Waiting for approval');
    expect(await page.locator('li.wave').first().textContent()).toContain('waiting for approval');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Approve rollout ${GATED}?` });
    await dialog.getByLabel('Reason (optional, journaled)').fill('canary looked fine');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(`Rollout ${GATED} approved`).waitFor();
    await expect.poll(() => phase.textContent(), { timeout: 15_000 }).toBe('Progressing');
    // The staging gateway is told to update; it never reports, so it stays in progress.
    await page.getByRole('progressbar', { name: 'Wave 1 of 1: 0 of 1 device updated' }).waitFor();
    await expect.poll(() => page.locator('li.wave').first().textContent()).toMatch(/approved by admin/);
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
  });

  it('pauses and resumes a rollout, each confirmed', async () => {
    const page = await rolloutPage(GATED);
    const phase = page.getByTestId('rollout-phase');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page
      .getByRole('dialog', { name: `Pause rollout ${GATED}?` })
      .getByRole('button', { name: 'Pause' })
      .click();
    await expect.poll(() => phase.textContent(), { timeout: 15_000 }).toBe('Paused');
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await page
      .getByRole('dialog', { name: `Resume rollout ${GATED}?` })
      .getByRole('button', { name: 'Resume' })
      .click();
    await expect.poll(() => phase.textContent(), { timeout: 15_000 }).toBe('Progressing');
    expect(await page.getByRole('button', { name: 'Pause', exact: true }).isVisible()).toBe(true);
  });

  it("shows the server's refusal when the rollout ended before the confirmation", async () => {
    const page = await rolloutPage(GATED);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Pause rollout ${GATED}?` });
    await dialog.waitFor();
    const aborted = await call(suite.server, 'POST', `/api/v1/rollouts/${GATED}/abort`, { body: {} });
    expect(aborted.status, JSON.stringify(aborted.body)).toBe(200);
    await dialog.getByRole('button', { name: 'Pause' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(new RegExp(`^409 Conflict: Rollout "${GATED}" was aborted by admin`));
    await expect.poll(() => page.getByTestId('rollout-phase').textContent()).toBe('Aborted');
    expect(await page.getByRole('button', { name: 'Pause', exact: true }).count()).toBe(0);
  });

  it("abort's confirmation names the rollout, and Cancel leaves it running", async () => {
    const page = await rolloutPage(SAMPLE);
    const before = await page.getByTestId('rollout-phase').textContent();
    await page.getByRole('button', { name: 'Abort', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Abort rollout ${SAMPLE}?` });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('cannot be undone');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    const stored = await call<{ status: { phase: string } }>(
      suite.server,
      'GET',
      `/api/v1/rollouts/${SAMPLE}`,
    );
    expect(stored.body.status.phase).not.toBe('Aborted');
    expect(await page.getByTestId('rollout-phase').textContent()).toBe(before);
  });

  it('works from the keyboard: an action opens with Enter and Escape cancels it', async () => {
    const page = await rolloutPage(SAMPLE);
    await page.getByRole('button', { name: 'Abort', exact: true }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Abort rollout ${SAMPLE}?` });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const stored = await call<{ status: { phase: string } }>(
      suite.server,
      'GET',
      `/api/v1/rollouts/${SAMPLE}`,
    );
    expect(stored.body.status.phase).not.toBe('Aborted');
  });

  it("shows an artifact's signature (key, verified by the server and the browser) and downloads its SBOM", async () => {
    const page = await suite.signedIn();
    await page.getByRole('link', { name: 'Artifacts', exact: true }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: ARTIFACT }) });
    await expect
      .poll(() => row.textContent())
      .toMatch(/2\.4\.1.*sha256:c071fed76d.*48\.2 MB.*linux.*verified, key sha256:/);
    await screenshot(page, 'artifacts');

    await row.getByRole('link', { name: ARTIFACT }).click();
    const keys = await call<{ items: Array<{ keyId: string }> }>(suite.server, 'GET', '/api/v1/signing-keys');
    const signature = page.getByRole('region', { name: 'Signature' });
    await expect.poll(() => signature.textContent()).toContain(keys.body.items[0].keyId);
    await expect.poll(() => page.getByTestId('browser-verification').textContent()).toBe('verified');
    expect(await signature.textContent()).toContain('current key');
    expect(await page.getByTestId('sbom-state').textContent()).toContain('application/spdx+json');
    const [download] = await Promise.all([
      page.waitForEvent('download') as Promise<Download>,
      page.getByRole('button', { name: 'Download SBOM' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${ARTIFACT}.spdx.json`);
    expect(JSON.parse(await readFile(await download.path(), 'utf8'))).toEqual(SPDX);
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
  });

  it('says when an artifact has no SBOM', async () => {
    const applied = await call(suite.server, 'POST', '/api/v1/apply', {
      body: {
        apiVersion: 'steward.dev/v1',
        kind: 'Artifact',
        metadata: { name: 'edge-agent-2-4-2' },
        spec: {
          version: '2.4.2',
          digest: `sha256:${'ab'.repeat(32)}`,
          size: 1000,
          platforms: ['linux'],
        },
      },
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const page = await suite.signedIn();
    await page.goto('/artifacts/edge-agent-2-4-2');
    await expect.poll(() => page.getByTestId('sbom-state').textContent()).toBe('No SBOM attached.');
    expect(await page.getByRole('button', { name: 'Download SBOM' }).count()).toBe(0);
  });

  it("updates a wave's counts and bar on the page as devices report, without a reload", async () => {
    const token = await call<{ token: string }>(suite.server, 'POST', '/api/v1/enroll-tokens', {
      body: { caRef: ISSUING_CA, maxUses: 2, approval: 'auto', labels: { ring: LIVE_LABEL } },
    });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    const agents: DeviceAgent[] = [];
    for (const name of ['live-gw-1', 'live-gw-2']) {
      const agent = await deviceAgent(suite.server, 'linux', `${name}-id`, name);
      expect(await agent.enroll(token.body.token)).toBe(true);
      await agent.checkIn({ installed: { artifact: 'edge-agent', version: '2.4.0' } });
      agents.push(agent);
    }
    const applied = await call(suite.server, 'POST', '/api/v1/apply', {
      body: {
        apiVersion: 'steward.dev/v1',
        kind: 'Rollout',
        metadata: { name: LIVE },
        spec: {
          artifactRef: { name: ARTIFACT },
          target: { selector: { matchLabels: { ring: LIVE_LABEL } } },
          strategy: { waves: [{ percent: 100 }] },
        },
      },
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const page = await rolloutPage(LIVE);
    await page
      .getByRole('progressbar', { name: 'Wave 1 of 1: 0 of 2 devices updated' })
      .waitFor({ timeout: 15_000 });
    for (const [index, agent] of agents.entries()) {
      const { assignment } = await agent.checkIn();
      expect(assignment?.version).toBe('2.4.1');
      if (!assignment) return;
      await agent.checkIn({
        installed: { artifact: 'edge-agent', version: '2.4.1' },
        updateResults: [
          {
            rollout: assignment.rollout,
            artifact: assignment.artifact,
            version: assignment.version,
            state: UpdateState.SUCCEEDED,
            attempt: assignment.attempt,
          },
        ],
      });
      await page
        .getByRole('progressbar', { name: `Wave 1 of 1: ${index + 1} of 2 devices updated` })
        .waitFor({ timeout: 15_000 });
    }
    await expect
      .poll(() => page.getByTestId('rollout-phase').textContent(), { timeout: 15_000 })
      .toBe('Completed');
    expect(await page.getByRole('button', { name: 'Abort', exact: true }).count()).toBe(0);
    for (const agent of agents) agent.close();
  });

  it('shows a viewer the progress but no action', async () => {
    const password = await suite.user('rita', 'viewer');
    // The sample rollout still runs: an admin would see Pause and Abort here.
    const page = await rolloutPage(SAMPLE, await suite.signedIn('rita', password));
    await expect.poll(() => page.getByTestId('rollout-phase').textContent()).toMatch(/Progressing|Soaking/);
    await page.getByRole('progressbar', { name: /^Wave 1 of 3:/ }).waitFor();
    for (const action of ['Approve', 'Pause', 'Resume', 'Abort'])
      expect(await page.getByRole('button', { name: action, exact: true }).count()).toBe(0);
    await page.goto(`/artifacts/${ARTIFACT}`);
    await page.getByRole('button', { name: 'Download SBOM' }).waitFor();
  });
});
