import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/journal/chain.js';
import { DIALECTS } from '../support/databases.js';
import { authHeaders, loginToken, useServer } from '../support/server.js';
import { openFollow } from './follow-stream.js';
import { apply, call, device, type StatusBody } from './support.js';

/**
 * A follow stream filtered on the server (`GET /api/v1/journal/follow?kind=…`), and one entry by
 * its seq (`GET /api/v1/journal/{seq}`): what the console's live view and entry links use.
 */
describe.each(DIALECTS)('journal follow filters and entries by seq on $dialect', ({ create }) => {
  const suite = useServer({ database: create, env: { STEWARD_ENGINE: 'off' } });
  const head = async () =>
    Number(
      (await suite.server.services.db.knex('journal_heads').where({ tenant: 'default' }).first())?.seq ?? 0,
    );
  const entriesOf = (events: Array<{ data?: string }>) =>
    events.filter((event) => event.data).map((event) => JSON.parse(event.data as string) as JournalEntry);

  it('streams only the entries the filters pass, the kind by any of its names', async () => {
    const after = await head();
    const stream = await openFollow(suite.server, `?after=${after}&kind=dev&operation=apply&result=created`);
    expect(stream.response.status).toBe(200);
    await apply(suite.server, [device('ff-a'), device('ff-b')]);
    await apply(suite.server, [device('ff-a', { changed: 'yes' })]);
    await call(suite.server, 'DELETE', '/api/v1/devices/ff-b');
    const marker = await apply(suite.server, [device('ff-last')]);
    expect(marker.status).toBe(200);
    await stream.until(() => entriesOf(stream.events).some((entry) => entry.name === 'ff-last'));
    const seen = entriesOf(stream.events);
    expect(seen.map((entry) => [entry.kind, entry.name, entry.operation, entry.result])).toEqual([
      ['Device', 'ff-a', 'apply', 'created'],
      ['Device', 'ff-b', 'apply', 'created'],
      ['Device', 'ff-last', 'apply', 'created'],
    ]);
    // The configured apply and the delete were left out: an id-only line moved past them.
    const bare = stream.events.filter((event) => event.id !== undefined && event.data === undefined);
    expect(bare.length).toBeGreaterThan(0);
    const ids = stream.events.filter((event) => event.id !== undefined).map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    await stream.close();
  });

  it('filters by actor (id or name), name and changeset', async () => {
    const after = await head();
    const first = await apply(suite.server, [device('fc-a'), device('fc-b')]);
    await apply(suite.server, [device('fc-c')]);
    const byChangeset = await openFollow(suite.server, `?after=${after}&changeset=${first.body.changeset}`);
    const byName = await openFollow(suite.server, `?after=${after}&name=fc-c&actor=admin`);
    await byChangeset.until(() => entriesOf(byChangeset.events).length >= 2);
    await byName.until(() => entriesOf(byName.events).length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(entriesOf(byChangeset.events).map((entry) => entry.name)).toEqual(['fc-a', 'fc-b']);
    expect(entriesOf(byName.events).map((entry) => [entry.name, entry.actor.name])).toEqual([
      ['fc-c', 'admin'],
    ]);
    await byChangeset.close();
    await byName.close();
    const id = entriesOf(byChangeset.events)[0].actor.id;
    expect(id).not.toBe('admin');
    const byId = await openFollow(suite.server, `?after=${after}&actor=${id}&name=fc-a`);
    await byId.until(() => entriesOf(byId.events).length >= 1);
    expect(entriesOf(byId.events)[0]).toMatchObject({ name: 'fc-a', actor: { id } });
    await byId.close();
  });

  it('resumes past what a filter left out (Last-Event-ID of an id-only line)', async () => {
    const after = await head();
    await apply(suite.server, [device('fr-skip-1'), device('fr-skip-2')]);
    const stream = await openFollow(suite.server, `?after=${after}&name=fr-none`);
    await stream.until(() => stream.events.some((event) => event.id !== undefined));
    const moved = Number(stream.events.filter((event) => event.id !== undefined).at(-1)?.id);
    expect(moved).toBeGreaterThanOrEqual(after + 2);
    expect(entriesOf(stream.events)).toEqual([]);
    await stream.close();
    await apply(suite.server, [device('fr-none')]);
    const resumed = await openFollow(suite.server, '?name=fr-none', { 'last-event-id': String(moved) });
    await resumed.until(() => entriesOf(resumed.events).length >= 1);
    expect(entriesOf(resumed.events)[0]).toMatchObject({ name: 'fr-none', operation: 'apply' });
    expect(entriesOf(resumed.events)[0].seq).toBeGreaterThan(moved);
    await resumed.close();
  });

  it('refuses time bounds and repeated filters with a Status naming them', async () => {
    for (const [query, says] of [
      ['?since=1h', /since does not apply to a follow stream/],
      ['?until=2026-01-01T00:00:00Z', /until does not apply to a follow stream/],
      ['?kind=Device&kind=CertificateAuthority', /"kind" given more than once/],
    ] as const) {
      const response = await fetch(`${suite.server.url}/api/v1/journal/follow${query}`, {
        headers: authHeaders(suite.server),
      });
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as StatusBody;
      expect(body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
      expect(body.message).toMatch(says);
    }
  });

  it('answers one entry by its seq, equal to the query’s; 404 past the head; 400 for a non-seq', async () => {
    await apply(suite.server, [device('fs-one', { team: 'x' })]);
    const listed = await call<{ items: JournalEntry[] }>(suite.server, 'GET', '/api/v1/journal?name=fs-one');
    const entry = listed.body.items[0];
    const one = await call<JournalEntry>(suite.server, 'GET', `/api/v1/journal/${entry.seq}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(entry);
    const beyond = await call<StatusBody>(suite.server, 'GET', `/api/v1/journal/${(await head()) + 1000}`);
    expect(beyond.status).toBe(404);
    expect(beyond.body.message).toMatch(/journal entry \d+ does not exist/);
    for (const bad of ['0', '-1', 'abc', '1e3', '01', '1.5', '99999999999999999999'])
      expect((await call(suite.server, 'GET', `/api/v1/journal/${bad}`)).status, bad).toBe(400);
    // The literal routes beside it still answer.
    expect((await call(suite.server, 'GET', '/api/v1/journal/head')).status).toBe(200);
  });

  it('keeps tenants apart: another tenant’s seq is 404 and its stream never carries ours', async () => {
    const created = await call(suite.server, 'POST', '/api/v1/tenants', {
      body: { name: 'fj-other', admin: { username: 'fj-admin', password: 'fj-password-123' } },
    });
    expect(created.status).toBe(201);
    const other = await loginToken(suite.server, 'fj-admin', 'fj-password-123', 'fj-other');
    await apply(suite.server, [device('fj-ours')]);
    const ours = (await call<{ items: JournalEntry[] }>(suite.server, 'GET', '/api/v1/journal?name=fj-ours'))
      .body.items[0];
    // The other tenant's journal is short: our seq is past its head, or another entry of its own.
    const theirs = await call<JournalEntry>(suite.server, 'GET', `/api/v1/journal/${ours.seq}`, {
      token: other,
    });
    if (theirs.status === 200) expect(theirs.body.tenant).toBe('fj-other');
    else expect(theirs.status).toBe(404);
    const stream = await openFollow(suite.server, '?after=0&name=fj-ours', {
      authorization: `Bearer ${other}`,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(entriesOf(stream.events)).toEqual([]);
    await stream.close();
  });
});
