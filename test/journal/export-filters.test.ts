/**
 * `GET /api/v1/journal/export` narrowed by the journal query's filters (issue #18: the console
 * exports what its view shows): the same entries as the query, oldest first, with the head line.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { useServer } from '../support/server.js';
import { apply, call, device, journal, type StatusBody } from './support.js';

describe.each(DIALECTS)('the filtered journal export on $dialect', ({ create }) => {
  const suite = useServer({ database: create, env: { STEWARD_ENGINE: 'off' } });

  it('exports only the entries the filters select, in both formats, as the query selects them', async () => {
    const created = await apply(suite.server, [device('exp-a'), device('exp-b')]);
    await apply(suite.server, [device('exp-a', {}, { displayName: 'A' })]);
    const changeset = created.body.changeset as string;

    const query = '?kind=devices&name=exp-a&operation=apply&actor=admin';
    const listed = (await journal(suite.server, `${query}&limit=100`)).body.items;
    expect(listed.map((entry) => entry.result)).toEqual(['configured', 'created']);

    const ndjson = await call<string>(suite.server, 'GET', `/api/v1/journal/export${query}&format=ndjson`);
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers['content-disposition']).toMatch(/-filtered\.ndjson"$/);
    const lines = String(ndjson.body)
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ kind: 'JournalHead', tenant: 'default' });
    expect(lines.slice(0, -1).map((entry) => entry.seq)).toEqual(listed.map((entry) => entry.seq).reverse());

    const csv = await call<string>(
      suite.server,
      'GET',
      `/api/v1/journal/export?changeset=${changeset}&format=csv`,
    );
    const rows = String(csv.body).trimEnd().split('\n');
    expect(rows[0]).toMatch(/^seq,time,/);
    expect(rows.at(-1)).toMatch(/^# \{"kind":"JournalHead"/);
    const names = rows.slice(1, -1).map((row) => row.split(',')[10]);
    expect(names).toEqual(['exp-a', 'exp-b']);
  });

  it('answers an invalid time bound with a 400 Status before streaming', async () => {
    const bad = await call<StatusBody>(suite.server, 'GET', '/api/v1/journal/export?since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('since must be an RFC 3339 time');
  });

  it('exports everything without filters, under the unfiltered name', async () => {
    const all = await call<string>(suite.server, 'GET', '/api/v1/journal/export');
    expect(all.headers['content-disposition']).not.toContain('-filtered');
    const lines = String(all.body).trimEnd().split('\n');
    expect(JSON.parse(lines[0]).seq).toBe(1);
  });
});
