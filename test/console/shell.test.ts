/**
 * The console's frame in a real browser (issue #18): served at `/` with a strict CSP and no
 * request leaving the origin, login and logout through the API's session cookie, the signed-in
 * user, tenant and role, navigation limited to what the credential may use.
 */
import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../src/api/console.js';
import { TEST_ADMIN_PASSWORD } from '../support/server.js';
import { useConsole } from './harness.js';

describe('console shell', () => {
  const suite = useConsole();

  it('is served at / with a strict CSP, every asset local, no CSP violation', async () => {
    const page = await suite.newPage();
    const foreign: string[] = [];
    const violations: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(suite.url) && !request.url().startsWith('data:'))
        foreign.push(request.url());
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto('/');
    expect(response?.headers()['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    await page.getByRole('heading', { name: 'Sign in to Steward' }).waitFor();
    expect(foreign).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('signs in, shows the user, tenant and role, and signs out', async () => {
    const page = await suite.signedIn();
    await expect
      .poll(() => page.getByLabel('Signed in as').textContent())
      .toContain('admin · tenant default · admin');
    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === 'steward_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Steward' }).waitFor();
    // The session is gone on the server, not just in the page.
    const me = await page.request.get('/api/v1/auth/me');
    expect(me.status()).toBe(401);
  });

  it('shows the server refusal of a wrong password', async () => {
    const page = await suite.newPage();
    await page.goto('/');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^401/);
  });

  it('reloading a console page keeps the page (served index.html), an API path stays the API', async () => {
    const page = await suite.signedIn();
    const reloaded = await page.goto('/journal?operation=apply');
    expect(reloaded?.status()).toBe(200);
    expect(await page.request.get('/api/v1/nope').then((reply) => reply.status())).toBe(404);
  });

  it('works from the keyboard: sign in with Tab and Enter, skip to content; every control of the frame is named', async () => {
    const page = await suite.newPage();
    await page.goto('/');
    await page.getByLabel('Username').waitFor();
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate("document.activeElement?.getAttribute('name')")).toBe('username');
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(TEST_ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    // The first Tab reaches the skip link; Enter moves focus to the page's content.
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('main');
    // Every control of the frame has an accessible name.
    // (A string, run in the page: the test's TypeScript has no DOM types.)
    const unnamed = await page.evaluate(`
      [...document.querySelectorAll('button, a[href], input, select, textarea')]
        .filter((element) => !(
          element.getAttribute('aria-label') ||
          element.textContent?.trim() ||
          (element.id && document.querySelector('label[for="' + element.id + '"]')) ||
          element.closest('label')
        ))
        .map((element) => element.outerHTML.slice(0, 120))
    `);
    expect(unnamed).toEqual([]);
  });
});
