/**
 * The journal's `changeset` filter (causal status, issue #17): an apply's entries by its
 * changeset, on the journal query and on one resource's history, confined to the caller's tenant;
 * repeated or empty values answered without a 5xx.
 */
import { describe, expect, it } from 'vitest';
import { call, device, loginToken, useServer } from '../support/server.js';

interface Entries {
  items: Array<{ operation: string; result: string; name: string; changeset: string | null }>;
}

describe('journal ?changeset=', () => {
  const suite = useServer();

  it("lists one apply's entries, on the journal and a resource's history, never another tenant's", async () => {
    const first = await call<{ changeset: string }>(suite.server, 'POST', '/api/v1/apply', {
      body: [device('cs-a'), device('cs-b')],
    });
    const second = await call<{ changeset: string }>(suite.server, 'POST', '/api/v1/apply', {
      body: [device('cs-c')],
    });
    const { changeset } = first.body;
    const journal = await call<Entries>(suite.server, 'GET', `/api/v1/journal?changeset=${changeset}`);
    expect(journal.status).toBe(200);
    expect(journal.body.items.map((entry) => [entry.operation, entry.name, entry.changeset])).toEqual([
      ['apply', 'cs-b', changeset],
      ['apply', 'cs-a', changeset],
    ]);
    const history = await call<Entries>(
      suite.server,
      'GET',
      `/api/v1/devices/cs-a/history?changeset=${changeset}`,
    );
    expect(history.body.items.map((entry) => entry.name)).toEqual(['cs-a']);
    // Another apply's changeset on this resource: an empty page, not a 404 for the resource.
    const none = await call<Entries>(
      suite.server,
      'GET',
      `/api/v1/devices/cs-a/history?changeset=${second.body.changeset}`,
    );
    expect(none).toMatchObject({ status: 200, body: { items: [] } });

    const created = await call(suite.server, 'POST', '/api/v1/tenants', {
      body: { name: 'umbrella', admin: { username: 'una', password: 'a long enough password' } },
    });
    expect(created.status).toBe(201);
    const other = await loginToken(suite.server, 'una', 'a long enough password', 'umbrella');
    const foreign = await call<Entries>(suite.server, 'GET', `/api/v1/journal?changeset=${changeset}`, {
      token: other,
    });
    expect(foreign).toMatchObject({ status: 200, body: { items: [] } });
    const foreignHistory = await call(
      suite.server,
      'GET',
      `/api/v1/devices/cs-a/history?changeset=${changeset}`,
      {
        token: other,
      },
    );
    expect(foreignHistory.body).toMatchObject({ items: [] });
  });

  it('refuses a repeated changeset with a 400 and treats any other text as a value', async () => {
    const repeated = await call(suite.server, 'GET', '/api/v1/journal?changeset=a&changeset=b');
    expect(repeated.status).toBe(400);
    expect(String((repeated.body as { message?: string }).message)).toContain('changeset');
    const odd = await call<Entries>(suite.server, 'GET', `/api/v1/journal?changeset=${'x'.repeat(5000)}`);
    expect(odd).toMatchObject({ status: 200, body: { items: [] } });
  });
});
