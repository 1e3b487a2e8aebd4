/**
 * The Access pages of the console (issue #18) in a real browser against a real server: API keys
 * (the permission picker, the plaintext shown once, revocation), users (create, role, delete), trust
 * policies (readiness, lint, the explain form against a Ready policy of a local OIDC issuer, the
 * workflow snippet), and a viewer who sees none of the write actions and the server's 403.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobClaims, type LocalIssuer, startLocalIssuer } from '../federation/local-issuer.js';
import { call } from '../support/server.js';
import { isReady, waitForResource } from './fleet-setup.js';
import { screenshot, useConsole } from './harness.js';

const POLICY = 'ci-infra-deploy';

/** Controls without an accessible name; a page string (the tests' tsconfig has no DOM types). */
const UNNAMED_CONTROLS = `[...document.querySelectorAll('button, a[href], input, select, textarea')]
  .filter((element) => !(element.getAttribute('aria-label') || element.textContent?.trim() ||
    (element.id && document.querySelector('label[for="' + element.id + '"]')) || element.closest('label')))
  .map((element) => element.outerHTML.slice(0, 120))`;

describe('console: access', { timeout: 60_000 }, () => {
  const suite = useConsole({ STEWARD_OIDC_HTTP_LOOPBACK: 'true' });
  let issuer: LocalIssuer;

  beforeAll(async () => {
    issuer = await startLocalIssuer();
    const applied = await call(suite.server, 'POST', '/api/v1/apply', {
      body: {
        apiVersion: 'steward.dev/v1',
        kind: 'TrustPolicy',
        metadata: { name: POLICY },
        spec: {
          issuer: issuer.url,
          claims: { repository_owner: 'acme', repository: 'acme/infra', environment: 'production' },
          permissions: ['devices:read', 'devices:write'],
        },
      },
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    await waitForResource(suite.server, `/api/v1/trustpolicies/${POLICY}`, isReady);
  }, 60_000);

  afterAll(async () => {
    await issuer?.close();
  });

  const me = (key: string) =>
    fetch(`${suite.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${key}` } });

  it('creates a key with "Read all" through the picker, shows it once, and revokes it', async () => {
    const page = await suite.signedIn();
    await page.goto('/keys');
    await page.getByLabel('Key name').fill('ci-reader');
    await page.getByRole('button', { name: 'Read all' }).click();
    await expect.poll(() => page.getByLabel('devices: Read', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('devices: Read & write').isChecked()).toBe(false);
    await screenshot(page, 'keys');
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByLabel('New API key');
    await shown.waitFor();
    const key = await shown.inputValue();
    expect(key).toMatch(/^stw_/);
    await page.getByText('This is the only time the key is shown').waitFor();

    const reply = await me(key);
    expect(reply.status).toBe(200);
    const body = (await reply.json()) as { permissions: string[]; credential: { type: string } };
    expect(body.permissions).toContain('devices:read');
    expect(body.permissions).toContain('journal:read');
    expect(body.permissions).not.toContain('devices:write');

    await page.reload();
    await page.getByRole('row', { name: /ci-reader/ }).waitFor();
    expect(await page.getByLabel('New API key').count()).toBe(0);
    expect(await page.content()).not.toContain(key);

    await page.getByRole('button', { name: 'Revoke ci-reader' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke key ci-reader?' });
    await dialog.getByRole('button', { name: 'Revoke ci-reader' }).click();
    await expect.poll(() => page.getByRole('row', { name: /ci-reader/ }).count()).toBe(0);
    expect((await me(key)).status).toBe(401);
    // The interactive API reference is one link away.
    expect(
      await page.getByRole('main').getByRole('link', { name: 'API reference' }).getAttribute('href'),
    ).toBe('/api/docs');
  });

  it('fills the read-only primary slot, then rotates it: a new secret, the old one refused at once', async () => {
    const page = await suite.signedIn();
    await page.goto('/keys');
    await page.getByRole('button', { name: 'Create readonly-primary' }).click();
    await page
      .getByRole('dialog', { name: 'Create readonly-primary?' })
      .getByRole('button', { name: 'Create' })
      .click();
    const shown = page.getByLabel('New API key');
    await shown.waitFor();
    const first = await shown.inputValue();
    expect((await me(first)).status).toBe(200);
    await page.getByRole('button', { name: 'Rotate readonly-primary' }).click();
    await page
      .getByRole('dialog', { name: 'Rotate readonly-primary?' })
      .getByRole('button', { name: 'Rotate' })
      .click();
    await expect.poll(() => shown.inputValue()).not.toBe(first);
    const second = await shown.inputValue();
    expect((await me(second)).status).toBe(200);
    expect((await me(first)).status).toBe(401);
  });

  it('creates a user, changes their role and deletes them', async () => {
    const page = await suite.signedIn();
    await page.goto('/users');
    await page.getByLabel('New username').fill('dana');
    await page.getByLabel('New password').fill('dana-password-long-enough');
    await page.getByLabel(/^New user's role/).selectOption('viewer');
    await page.getByRole('button', { name: 'Create user' }).click();
    const role = page.getByLabel('Role of dana');
    await role.waitFor();
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
    // From the keyboard: focus the role and choose with the arrow key (viewer → operator).
    await role.focus();
    await page.keyboard.press('ArrowDown');
    await expect
      .poll(async () => {
        const users = await call<{ items: Array<{ username: string; role: string }> }>(
          suite.server,
          'GET',
          '/api/v1/users',
        );
        return users.body.items.find((user) => user.username === 'dana')?.role;
      })
      .toBe('operator');
    await page.getByRole('button', { name: 'Delete dana' }).click();
    await page
      .getByRole('dialog', { name: 'Delete user dana?' })
      .getByRole('button', { name: 'Delete dana' })
      .click();
    await expect.poll(() => page.getByLabel('Role of dana').count()).toBe(0);
  });

  it('shows a viewer no keys, users or apply, no write action, and the server 403 on /users and /keys', async () => {
    const password = await suite.user('val', 'viewer');
    const page = await suite.signedIn('val', password);
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Trust policies' }).waitFor();
    for (const hidden of ['API keys', 'Users', 'Apply'])
      expect(await nav.getByRole('link', { name: hidden, exact: true }).count()).toBe(0);
    const writes = /^(Create|Revoke|Delete|Rotate|Apply|Dry run)/;
    for (const path of ['/trust-policies', `/trust-policies/${POLICY}`, '/resources', '/apply']) {
      await page.goto(path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('button', { name: writes }).count(), path).toBe(0);
      expect(await page.getByRole('link', { name: 'Apply manifests' }).count(), path).toBe(0);
    }
    for (const path of ['/users', '/keys']) {
      await page.goto(path);
      await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^403/);
      expect(await page.getByRole('button', { name: writes }).count(), path).toBe(0);
    }
  });

  it('explains claims: the chosen policy, and the mismatched rule when none matches; shows the snippet', async () => {
    const page = await suite.signedIn();
    await page.goto('/trust-policies');
    await page.getByRole('link', { name: POLICY }).waitFor();
    await page.getByText('OwnerPinnedByNameOnly').first().waitFor();
    const claims = page.getByLabel('Claims JSON');
    await claims.fill(JSON.stringify(jobClaims(issuer.url, 'default.127.0.0.1'), null, 2));
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect
      .poll(() => page.getByRole('status').last().textContent())
      .toContain(`Chosen policy: ${POLICY}`);
    await page
      .getByRole('article', { name: `Policy ${POLICY}` })
      .getByText('chosen')
      .waitFor();
    await screenshot(page, 'trust-policies');
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);

    await claims.fill(
      JSON.stringify(jobClaims(issuer.url, 'default.127.0.0.1', { repository: 'acme/fork' })),
    );
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toContain('No policy chosen');
    const verdict = page.getByRole('article', { name: `Policy ${POLICY}` });
    await expect
      .poll(() => verdict.getByRole('listitem').first().textContent())
      .toMatch(/repository: want acme\/infra, got acme\/fork/);

    await page.getByRole('link', { name: POLICY }).click();
    const snippet = page.getByRole('figure', { name: 'GitHub Actions workflow' });
    await expect.poll(() => snippet.textContent()).toContain('/api/v1/auth/oidc/token');
    await page.getByRole('button', { name: 'Copy snippet' }).waitFor();
    await page.getByRole('cell', { name: 'repository_owner' }).waitFor();
  });
});
