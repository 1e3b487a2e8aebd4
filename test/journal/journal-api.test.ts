import { describe, expect, it } from 'vitest';
import { chainWorker } from '../../src/journal/chain-worker.js';
import { verifyExportLines } from '../../src/journal/verify-entries.js';
import { DIALECTS } from '../support/databases.js';
import { useServer } from '../support/server.js';
import {
  allEntries,
  apply,
  call,
  device,
  type EntryList,
  entryCount,
  journal,
  type StatusBody,
} from './support.js';

describe.each(DIALECTS)('the journal API on $dialect', ({ create }) => {
  // The engine off: these suites assert the exact entries of the operations they make.
  const suite = useServer({ database: create, env: { STEWARD_ENGINE: 'off' } });

  it('records every apply result and delete with actor, request id, changeset and changes', async () => {
    const created = await call<{ changeset: string }>(suite.server, 'POST', '/api/v1/apply', {
      body: [device('rec-a', { team: 'infra' }), device('rec-b')],
      headers: { 'x-request-id': 'req-journal-1' },
    });
    const again = await apply(suite.server, [
      device('rec-a', { team: 'infra' }),
      device('rec-b', {}, { displayName: 'B' }),
    ]);
    const deleted = await call(suite.server, 'DELETE', '/api/v1/devices/rec-a');
    expect(deleted.status).toBe(200);

    const entries = (await journal(suite.server, '?kind=Device&limit=20')).body.items;
    const rec = entries
      .filter((entry) => entry.name?.startsWith('rec-') && entry.operation !== 'status')
      .reverse();
    expect(rec.map((entry) => [entry.operation, entry.name, entry.result])).toEqual([
      ['apply', 'rec-a', 'created'],
      ['apply', 'rec-b', 'created'],
      ['apply', 'rec-a', 'unchanged'],
      ['apply', 'rec-b', 'configured'],
      ['delete', 'rec-a', 'deleted'],
    ]);
    expect(rec[0]).toMatchObject({
      tenant: 'default',
      actor: { type: 'user', id: expect.any(String), name: 'admin' },
      requestId: 'req-journal-1',
      kind: 'Device',
      generation: 1,
      changeset: created.body.changeset,
    });
    expect(rec[1].changeset).toBe(created.body.changeset);
    expect(rec[2].changeset).toBe(again.body.changeset);
    expect(rec[3]).toMatchObject({
      generation: 2,
      changes: [{ pointer: '/spec/displayName', new: 'B' }],
    });
    expect(rec[2].changes).toEqual([]);
    expect(rec[0].changes[0]).toMatchObject({
      pointer: '',
      new: { metadata: { labels: { team: 'infra' } } },
    });
    for (const entry of entries) expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes no entry when the change fails (conflict, invalid document, dry run)', async () => {
    await apply(suite.server, [device('atomic-j')]);
    const before = await entryCount(suite.server);
    const stale = device('atomic-j', {}, { displayName: 'v2' });
    (stale.metadata as Record<string, unknown>).resourceVersion = '99';
    const conflict = await apply(suite.server, [device('atomic-j-new'), stale]);
    expect(conflict.status).toBe(409);
    const invalid = await apply(suite.server, [
      device('atomic-j-2'),
      { ...device('x'), spec: { bogus: true } },
    ]);
    expect(invalid.status).toBe(422);
    const dry = await apply(suite.server, [device('atomic-j-dry')], '?dryRun=true');
    expect(dry.status).toBe(200);
    const missing = await call(suite.server, 'DELETE', '/api/v1/devices/never-was');
    expect(missing.status).toBe(404);
    expect(await entryCount(suite.server)).toBe(before);
  });

  it('writes no entry and no row when a big apply fails in the database while its entries are being stored', async () => {
    // 2,500 documents: chunks of entries are chained by the worker and stored beside the rows.
    expect(await chainWorker.whenReady()).toBe(true);
    const db = suite.server.services.db;
    const refuse =
      db.dialect === 'sqlite'
        ? [
            `CREATE TRIGGER refuse_big BEFORE INSERT ON resources WHEN NEW.name = 'big-2400'
             BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END`,
          ]
        : [
            `CREATE FUNCTION refuse_big() RETURNS trigger AS $$ BEGIN
               IF NEW.name = 'big-2400' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF;
               RETURN NEW; END $$ LANGUAGE plpgsql`,
            'CREATE TRIGGER refuse_big BEFORE INSERT ON resources FOR EACH ROW EXECUTE FUNCTION refuse_big()',
          ];
    for (const sql of refuse) await db.knex.raw(sql);
    try {
      const before = await entryCount(suite.server);
      const chunksBefore = chainWorker.chained;
      const failed = await apply(
        suite.server,
        Array.from({ length: 2_500 }, (_, index) => device(`big-${index}`)),
      );
      expect(failed.status).toBe(500);
      expect(chainWorker.chained).toBeGreaterThan(chunksBefore);
      expect(await entryCount(suite.server)).toBe(before);
      expect((await call(suite.server, 'GET', '/api/v1/devices/big-0')).status).toBe(404);
    } finally {
      await db.knex.raw('DROP TRIGGER refuse_big' + (db.dialect === 'sqlite' ? '' : ' ON resources'));
      if (db.dialect !== 'sqlite') await db.knex.raw('DROP FUNCTION refuse_big()');
    }
    expect((await call(suite.server, 'GET', '/api/v1/journal/verify')).body).toMatchObject({ ok: true });
  });

  it('keeps secrets out: redacted in the entry, absent from every stored row', async () => {
    const secret = 'hunter2-very-secret-value';
    const manifest = device('secretive', {}, { displayName: 'box' });
    (manifest.metadata as Record<string, unknown>).annotations = {
      password: secret,
      'example.com/api-token': `${secret}-2`,
      'example.com/mirror': `https://admin:${secret}-3@mirror.example.com/repo`,
      note: 'harmless',
    };
    expect((await apply(suite.server, [manifest])).status).toBe(200);
    const changed = device('secretive', {}, { displayName: 'box' });
    (changed.metadata as Record<string, unknown>).annotations = { password: `${secret}-4`, note: 'harmless' };
    expect((await apply(suite.server, [changed])).status).toBe(200);

    const [configured, created] = (await journal(suite.server, '?name=secretive&operation=apply')).body.items;
    const annotations = (created.changes[0].new as { metadata: { annotations: Record<string, string> } })
      .metadata.annotations;
    expect(annotations).toEqual({
      password: '[REDACTED]',
      'example.com/api-token': '[REDACTED]',
      'example.com/mirror': 'https://[REDACTED]@mirror.example.com/repo',
      note: 'harmless',
    });
    expect(configured.changes).toContainEqual({
      pointer: '/metadata/annotations/password',
      old: '[REDACTED]',
      new: '[REDACTED]',
    });
    const rows = await suite.server.services.db.knex('journal_entries').select('*');
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(secret);
    expect((await call(suite.server, 'GET', '/api/v1/journal/verify')).body).toMatchObject({ ok: true });
  });

  it('filters by kind, name, actor, operation, result and time, newest first, and pages', async () => {
    await apply(
      suite.server,
      Array.from({ length: 12 }, (_, i) => device(`filt-${String(i).padStart(2, '0')}`)),
    );
    await call(suite.server, 'DELETE', '/api/v1/devices/filt-03');
    const names = async (query: string) =>
      (await journal(suite.server, query)).body.items.map((entry) => entry.name);

    const filt03 = (await journal(suite.server, '?kind=Device&name=filt-03')).body.items;
    expect(filt03.every((entry) => entry.name === 'filt-03')).toBe(true);
    expect(filt03.map((entry) => entry.result)).toEqual(expect.arrayContaining(['deleted', 'created']));
    expect(await names('?kind=devices&name=filt-03&operation=delete')).toEqual(['filt-03']);
    expect(await names('?kind=dev&name=filt-03&result=created')).toEqual(['filt-03']);
    expect((await names('?actor=admin&limit=3')).length).toBe(3);
    expect(await names('?actor=someone-else')).toEqual([]);
    expect(await names('?since=1h&name=filt-05&operation=apply')).toEqual(['filt-05']);
    expect(await names('?until=1h&name=filt-05')).toEqual([]);
    expect(await names(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual(
      [],
    );

    const seen: number[] = [];
    let token: string | undefined;
    do {
      const page = await journal(
        suite.server,
        `?operation=apply&result=created&limit=5${token ? `&continue=${token}` : ''}`,
      );
      expect(page.body.kind).toBe('JournalEntryList');
      expect(page.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.body.items.map((entry) => entry.seq));
      token = page.body.metadata.continue;
    } while (token);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(new Set(seen).size).toBe(seen.length);
    const all = await allEntries(suite.server);
    expect(seen.length).toBe(
      all.filter((entry) => entry.operation === 'apply' && entry.result === 'created').length,
    );

    expect((await journal(suite.server, '?limit=0')).status).toBe(400);
    expect((await journal(suite.server, '?continue=garbage')).status).toBe(400);
    expect((await journal(suite.server, '?since=yesterday')).status).toBe(400);
    expect((await journal(suite.server, '?kind=a&kind=b')).status).toBe(400);
    // Above the maximum the page is capped, not refused: clients page on with `continue`.
    expect((await journal(suite.server, '?limit=5000')).status).toBe(200);
  });

  it('answers the history of a resource, deleted ones included', async () => {
    await apply(suite.server, [device('hist-a')]);
    await apply(suite.server, [device('hist-a', {}, { displayName: 'second' })]);
    await call(suite.server, 'DELETE', '/api/v1/devices/hist-a');
    expect((await call(suite.server, 'GET', '/api/v1/devices/hist-a')).status).toBe(404);
    const history = await call<EntryList>(suite.server, 'GET', '/api/v1/devices/hist-a/history');
    expect(history.status).toBe(200);
    expect(history.body.kind).toBe('JournalEntryList');
    expect(
      history.body.items.filter((entry) => entry.operation !== 'status').map((entry) => entry.result),
    ).toEqual(['deleted', 'configured', 'created']);
    const paged = await call<EntryList>(suite.server, 'GET', '/api/v1/devices/hist-a/history?limit=2');
    expect(paged.body.items).toHaveLength(2);
    expect(paged.body.metadata.continue).toBeTruthy();
    expect((await call(suite.server, 'GET', '/api/v1/widgets/x/history')).status).toBe(404);
  });

  it('exports NDJSON that verifies offline, and CSV with a header and a head line', async () => {
    const response = await call<string>(suite.server, 'GET', '/api/v1/journal/export?format=ndjson');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('application/x-ndjson');
    expect(response.headers['x-request-id']).toBeTruthy();
    const lines = String(response.body).trimEnd().split('\n');
    const head = JSON.parse(lines[lines.length - 1]);
    expect(head).toMatchObject({ kind: 'JournalHead', tenant: 'default', checkpoint: null });
    expect(head.seq).toBe(lines.length - 1);
    expect(verifyExportLines(lines)).toMatchObject({ ok: true, checked: lines.length - 1 });
    // Truncated or edited exports do not verify.
    expect(verifyExportLines(lines.slice(0, -2)).ok).toBe(false);
    const applyIndex = lines.findIndex((line) => line.includes('"apply"'));
    const edited = lines.map((line, index) =>
      index === applyIndex ? line.replace('"apply"', '"delete"') : line,
    );
    expect(verifyExportLines(edited)).toMatchObject({ ok: false, firstBrokenSeq: applyIndex + 1 });

    const csv = await call<string>(suite.server, 'GET', '/api/v1/journal/export?format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    const csvLines = String(csv.body).trimEnd().split('\n');
    expect(csvLines[0]).toBe(
      'seq,time,tenant,actorType,actorId,actorName,requestId,source,operation,kind,name,generation,result,reason,changeset,changes,prevHash,hash',
    );
    // Entry 1 is the bootstrap of the admin user, entry 2 the test's login.
    expect(csvLines[1]).toMatch(/^1,\d{4}-\d\d-\d\dT[^,]+Z,default,system,bootstrap,system:bootstrap,/);
    const firstApply = csvLines.find((line) => line.includes(',apply,'));
    expect(firstApply).toMatch(/^\d+,\d{4}-\d\d-\d\dT[^,]+Z,default,user,[0-9a-f-]{36},admin,/);
    expect(firstApply).toContain(',"[{""new"":{');
    // The same head; its signature is made per export (the time it was signed differs).
    const { signedHead: csvSigned, ...csvHead } = JSON.parse(csvLines[csvLines.length - 1].slice(2));
    const { signedHead: ndjsonSigned, ...ndjsonHead } = JSON.parse(lines[lines.length - 1]);
    expect(csvLines[csvLines.length - 1].startsWith('# {')).toBe(true);
    expect(csvHead).toEqual(ndjsonHead);
    expect(csvSigned).toMatchObject({
      seq: ndjsonSigned.seq,
      hash: ndjsonSigned.hash,
      keyId: ndjsonSigned.keyId,
    });
    expect(csvLines).toHaveLength(lines.length + 1);
    const bad = await call<StatusBody>(suite.server, 'GET', '/api/v1/journal/export?format=xml');
    expect(bad.status).toBe(400);
    expect(bad.body.kind).toBe('Status');
  });

  it('verifies the chain online', async () => {
    const verify = await call<{ ok: boolean; checked: number; message: string }>(
      suite.server,
      'GET',
      '/api/v1/journal/verify',
    );
    expect(verify.body.ok).toBe(true);
    const all = Number((await suite.server.services.db.knex('journal_entries').count({ n: '*' }).first())?.n);
    expect(verify.body.checked).toBe(all);
  });

  it('serves and changes the settings, journaling the change', async () => {
    const initial = await call(suite.server, 'GET', '/api/v1/journal/settings');
    expect(initial.body).toEqual({
      apiVersion: 'steward.dev/v1',
      kind: 'JournalSettings',
      tenant: 'default',
      retentionDays: 365,
      readJournaling: 'none',
    });
    const invalid = await call<StatusBody>(suite.server, 'PUT', '/api/v1/journal/settings', {
      body: { retentionDays: 0, readJournaling: 'everything', color: 'blue' },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.details?.causes?.map((cause) => cause.pointer)).toEqual([
      '/retentionDays',
      '/readJournaling',
      '/color',
    ]);
    const changed = await call(suite.server, 'PUT', '/api/v1/journal/settings', {
      body: { retentionDays: 30 },
    });
    expect(changed.body).toMatchObject({ retentionDays: 30, readJournaling: 'none' });
    const [entry] = (await journal(suite.server, '?operation=journal.settings')).body.items;
    expect(entry).toMatchObject({
      operation: 'journal.settings',
      result: 'configured',
      changes: [{ pointer: '/retentionDays', old: 365, new: 30 }],
    });
  });

  it('journals reads of resources when the tenant level is metadata', async () => {
    await apply(suite.server, [device('read-me')]);
    await call(suite.server, 'GET', '/api/v1/devices/read-me');
    expect((await journal(suite.server, '?operation=read')).body.items).toEqual([]);

    await call(suite.server, 'PUT', '/api/v1/journal/settings', { body: { readJournaling: 'metadata' } });
    expect((await call(suite.server, 'GET', '/api/v1/devices/read-me')).status).toBe(200);
    expect((await call(suite.server, 'GET', '/api/v1/devices?limit=1')).status).toBe(200);
    expect((await call(suite.server, 'GET', '/api/v1/devices/nobody')).status).toBe(404);
    const reads = (await journal(suite.server, '?operation=read')).body.items;
    expect(reads.map((entry) => [entry.kind, entry.name, entry.result])).toEqual([
      ['Device', null, 'ok'],
      ['Device', 'read-me', 'ok'],
    ]);
    await call(suite.server, 'PUT', '/api/v1/journal/settings', { body: { readJournaling: 'none' } });
    await call(suite.server, 'GET', '/api/v1/devices/read-me');
    expect((await journal(suite.server, '?operation=read')).body.items).toHaveLength(2);
  });
});
