import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../src/app/compose.js';
import { type OperationContext, systemContext } from '../../src/context.js';
import {
  canonicalEntryText,
  entryTextEncoder,
  GENESIS_HASH,
  type OwnFields,
  sha256Hex,
} from '../../src/journal/chain.js';
import type { JournalRow } from '../../src/journal/journal-entity.js';
import { ChainWorker, chainWorker } from '../../src/journal/chain-worker.js';
import { insertJournalEntries, packEntries, type LinkedEntry } from '../../src/journal/journal-insert.js';
import { rowToEntry } from '../../src/journal/journal-rows.js';
import { JournalVerifier } from '../../src/journal/verify-stored.js';
import { JOURNAL_SELECT, type JournalRecord, JournalWriter } from '../../src/journal/journal-writer.js';
import { REDACTED, redactChanges, redactedChangesJson } from '../../src/journal/redact.js';
import { chainEntries, encodeChanges } from '../../src/journal/link.js';
import { canonicalJson } from '../../src/contract/canonical.js';
import type { FieldChange } from '../../src/resources/diff.js';
import { Database } from '../../src/store/database.js';
import { DIALECTS, type TestDatabase } from '../support/databases.js';

const TRICKY = [
  'Zoë "quotes" \\ back',
  'line\nbreak\ttab\u0001\u001f',
  '\u2028\u2029 🎉 é</script>',
  "'single'",
  '',
];

describe('the change summary as stored and hashed', () => {
  it.each<[string, FieldChange[]]>([
    ['no changes', []],
    [
      'a created resource, members out of order, secrets at any depth',
      [
        {
          pointer: '',
          new: {
            spec: {
              z: 1,
              a: [{ privateKey: 'pk', b: 2, a: 1 }, null, 'x'],
              url: 'https://u:pw@h/x',
              clientSecret: { deep: 's' },
            },
            metadata: {
              labels: { ring: '1', fleet: 'a' },
              annotations: { 'x/api-token': 't', keep: 'mail me@h' },
            },
          },
        },
      ],
    ],
    [
      'changed, added and removed leaves',
      [
        { pointer: '/spec/displayName', old: 'a', new: 'b' },
        { pointer: '/spec/list', new: [1, 2.5, -0, 1e21, true, { b: null, a: undefined }] },
        { pointer: '/metadata/labels/gone', old: 'x' },
      ],
    ],
    [
      'secret pointers, even without values',
      [
        { pointer: '/spec/auth/token', old: 'a', new: 'b' },
        { pointer: '/metadata/annotations/db-password', old: undefined },
        { pointer: '/spec/passwordHash', new: undefined },
      ],
    ],
    [
      'strange member names',
      [{ pointer: '/spec/~1x', new: { é: 1, E: 2, '"q"': 3, '': 4, '\u2028': 5, '10': 6, '9': 7 } }],
    ],
    [
      'values of every JSON type',
      TRICKY.map((text, index) => ({ pointer: `/spec/${index}`, old: text, new: { [text]: text } })),
    ],
  ])('%s: equals canonicalJson(redactChanges(changes))', (_name, changes) => {
    expect(redactedChangesJson(changes)).toBe(canonicalJson(redactChanges(changes)));
  });

  it('never lets a secret through', () => {
    const text = redactedChangesJson([
      {
        pointer: '',
        new: { spec: { password: 'hunter2', nested: [{ apiKey: 'k-123' }], url: 'ftp://me:pw@host/' } },
      },
    ]);
    for (const secret of ['hunter2', 'k-123', 'me:pw']) expect(text).not.toContain(secret);
    expect(text).toContain(REDACTED);
  });
});

describe('the canonical text of the entries of one append', () => {
  it('is canonicalEntryText, field by field', () => {
    const shared = {
      tenant: 'acme',
      time: '2024-05-01T12:00:00.000Z',
      actor: { type: 'user', id: TRICKY[0], name: TRICKY[2] },
      requestId: TRICKY[1],
      source: null,
    };
    const encode = entryTextEncoder(shared);
    TRICKY.forEach((text, index) => {
      const own: OwnFields = {
        seq: index + 1,
        operation: index % 2 ? 'apply' : text,
        kind: index % 3 ? 'Device' : null,
        name: index % 2 ? text : null,
        generation: index % 2 ? index : null,
        result: text,
        reason: index % 2 ? null : text,
        changeset: index % 2 ? 'cs' : null,
        prevHash: sha256Hex(text),
      };
      const changes = redactedChangesJson([{ pointer: `/${text}`, new: text }]);
      expect(encode(own, changes)).toBe(canonicalEntryText({ ...shared, ...own }, changes));
      expect(encode(own, changes)).toBe(
        canonicalJson({ ...shared, ...own, changes: redactChanges([{ pointer: `/${text}`, new: text }]) }),
      );
    });
  });
});

describe('packing a batch for SQLite', () => {
  const shared = {
    tenant: 't',
    time: '2024-05-01T12:00:00.000Z',
    actor: { type: 'user', id: 'u', name: 'n' },
    requestId: 'r',
    source: null,
  };
  function linked(
    count: number,
    change: (own: OwnFields, index: number) => void = () => undefined,
  ): LinkedEntry[] {
    let prevHash = GENESIS_HASH;
    return Array.from({ length: count }, (_, index) => {
      const own: OwnFields = {
        seq: index + 1,
        operation: 'apply',
        kind: 'Device',
        name: `d-${index}`,
        generation: 1,
        result: 'created',
        reason: null,
        changeset: 'cs',
        prevHash,
      };
      change(own, index);
      const hash = sha256Hex(String(index));
      prevHash = hash;
      return { own, changesJson: '[]', hash };
    });
  }

  it('packs only what differs, and binds the rest once', () => {
    const packed = packEntries(shared, linked(3));
    expect(packed?.sql).toContain('WITH RECURSIVE packed(r, p, l0)');
    // name is the only own column that differs: one length per entry.
    expect(packed?.bindings.filter((binding) => Buffer.isBuffer(binding))).toHaveLength(5);
  });

  it('refuses what it could not store faithfully (the caller then binds value by value)', () => {
    const gap = linked(3, (own, index) => {
      if (index === 2) own.seq = 9;
    });
    expect(packEntries(shared, gap)).toBeUndefined();
    const relinked = linked(3, (own, index) => {
      if (index === 1) own.prevHash = GENESIS_HASH;
    });
    expect(packEntries(shared, relinked)).toBeUndefined();
    // A lone surrogate at the seam of two texts encodes differently once they are joined.
    const seam = linked(2, (own, index) => {
      own.name = index === 0 ? 'a\ud83c' : '\udf89b';
    });
    expect(packEntries(shared, seam)).toBeUndefined();
  });
});

describe.each(DIALECTS)('appending on $dialect', ({ create }) => {
  let database: TestDatabase;
  let db: Database;
  let writer: JournalWriter;
  const context: OperationContext = {
    ...systemContext('acme', { type: 'user', id: TRICKY[0], name: TRICKY[2] }, 'req-1'),
    source: TRICKY[3],
  };

  beforeAll(async () => {
    database = await create();
    db = await Database.open(database.url, ENTITIES);
    writer = new JournalWriter(db);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const rows = async () =>
    (
      (await db
        .knex<JournalRow>('journal_entries')
        .select(JOURNAL_SELECT)
        .where('tenant', 'acme')
        .orderBy('seq')) as unknown as JournalRow[]
    ).map(rowToEntry);

  it('stores every field as given, NULLs and unicode included, in a chain that verifies', async () => {
    const records: JournalRecord[] = TRICKY.flatMap((text, index) => [
      {
        operation: index % 2 ? 'apply' : 'delete',
        kind: index % 3 ? 'Device' : undefined,
        name: index === 2 ? undefined : `${text}-${index}`,
        generation: index % 2 ? index : undefined,
        result: index % 2 ? 'configured' : text,
        reason: index % 2 ? text : undefined,
        changeset: index % 2 ? `cs-${index}` : undefined,
        changes: [{ pointer: `/spec/${text}`, old: { b: text, a: [1, null, 2.5, -0, 1e21] }, new: text }],
      },
      { operation: 'apply', kind: 'Device', name: 'same', result: 'unchanged', changes: [] },
    ]);
    const sequences = await db.transaction((trx) => writer.append(trx, context, records));
    expect(sequences).toEqual(records.map((_, index) => index + 1));
    const entries = await rows();
    expect(entries).toHaveLength(records.length);
    entries.forEach((entry, index) => {
      const record = records[index];
      expect(entry).toMatchObject({
        seq: index + 1,
        tenant: 'acme',
        actor: { type: 'user', id: TRICKY[0], name: TRICKY[2] },
        requestId: 'req-1',
        source: TRICKY[3],
        operation: record.operation,
        kind: record.kind ?? null,
        name: record.name ?? null,
        generation: record.generation ?? null,
        result: record.result,
        reason: record.reason ?? null,
        changeset: record.changeset ?? null,
        changes: redactChanges(record.changes ?? []).map((change) => JSON.parse(JSON.stringify(change))),
        prevHash: index === 0 ? GENESIS_HASH : entries[index - 1].hash,
      });
    });
    expect(await new JournalVerifier(db).verifyTenant('acme')).toMatchObject({
      ok: true,
      checked: records.length,
    });
  });

  it('appends thousands of entries in several statements, without a gap, and the chain goes on', async () => {
    const before = (await rows()).length;
    const records: JournalRecord[] = Array.from({ length: 2_345 }, (_, index) => ({
      operation: 'apply',
      kind: 'Device',
      name: `bulk-${index}`,
      generation: 1,
      result: 'created',
      changeset: 'bulk',
      changes: [{ pointer: '', new: { spec: { index, secretToken: 'x' } } }],
    }));
    const sequences = await db.transaction((trx) => writer.append(trx, context, records));
    expect(sequences[0]).toBe(before + 1);
    expect(sequences.at(-1)).toBe(before + records.length);
    const entries = await rows();
    expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_, index) => index + 1));
    expect(entries.at(-1)?.changes).toEqual([
      { pointer: '', new: { spec: { index: 2_344, secretToken: REDACTED } } },
    ]);
    expect(await new JournalVerifier(db).verifyTenant('acme')).toMatchObject({
      ok: true,
      checked: entries.length,
    });
  });

  it('chains a big append in the worker while the change is written, and the chain goes on', async () => {
    expect(await chainWorker.whenReady()).toBe(true);
    const before = (await rows()).length;
    const chunksBefore = chainWorker.chained;
    const records: JournalRecord[] = Array.from({ length: 3_500 }, (_, index) => ({
      operation: 'apply',
      kind: 'Device',
      name: `${TRICKY[index % TRICKY.length]}-${index}`,
      generation: 1,
      result: 'created',
      changeset: 'concurrent',
      changes: [{ pointer: '', new: { spec: { index, apiKey: 'k-1', url: 'https://me:pw@host/' } } }],
    }));
    await db.transaction(async (trx) => {
      const head = await writer.lockHead(trx, 'acme');
      await writer.appendConcurrently(trx, head, context, records);
    });
    // 3,500 entries in chunks of 1,000: four round trips.
    expect(chainWorker.chained - chunksBefore).toBe(4);
    const entries = await rows();
    expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_, index) => index + 1));
    expect(entries.slice(before).map((entry) => entry.name)).toEqual(records.map((record) => record.name));
    expect(entries.at(-1)?.changes).toEqual([
      { pointer: '', new: { spec: { index: 3_499, apiKey: REDACTED, url: `https://${REDACTED}@host/` } } },
    ]);
    expect(await new JournalVerifier(db).verifyTenant('acme')).toMatchObject({
      ok: true,
      checked: entries.length,
    });
  });

  it('verifies page by page, and stops at the first broken entry', async () => {
    const count = (await rows()).length;
    const verify = () => new JournalVerifier(db, 100).verifyTenant('acme');
    const row = (seq: number) => db.knex<JournalRow>('journal_entries').where({ tenant: 'acme', seq });
    expect(await verify()).toMatchObject({ ok: true, checked: count });

    const edited = await row(250).first();
    await row(250).update({ result: 'forged' });
    expect(await verify()).toMatchObject({ ok: false, checked: 249, firstBrokenSeq: 250 });
    await row(250).update({ result: edited?.result });

    // Missing at a page boundary: the next page starts one entry late.
    const deleted = await row(301).first();
    await row(301).delete();
    expect(await verify()).toMatchObject({ ok: false, firstBrokenSeq: 301 });
    // PostgreSQL hands jsonb back parsed.
    const changes = typeof deleted?.changes === 'string' ? deleted.changes : JSON.stringify(deleted?.changes);
    await db.knex('journal_entries').insert({ ...deleted, changes });
    expect(await verify()).toMatchObject({ ok: true, checked: count });
  });

  it('stores a batch it cannot pack value by value, exactly the same', async () => {
    const shared = {
      tenant: 'unpacked',
      time: '2024-05-01T12:00:00.000Z',
      actor: { type: 'user', id: 'u', name: TRICKY[0] },
      requestId: 'r',
      source: null,
    };
    // Seqs that do not follow each other cannot be numbered by the packed statement.
    const entries = [1, 5].map((seq, index) => ({
      own: {
        seq,
        operation: 'apply',
        kind: 'Device',
        name: TRICKY[index],
        generation: index ? null : 3,
        result: 'created',
        reason: null,
        changeset: null,
        prevHash: GENESIS_HASH,
      },
      changesJson: '[]',
      hash: sha256Hex(String(seq)),
    }));
    expect(packEntries(shared, entries)).toBeUndefined();
    await db.transaction((trx) => insertJournalEntries(trx, db.dialect, db.maxParameters, shared, entries));
    const stored = (
      (await db
        .knex<JournalRow>('journal_entries')
        .select(JOURNAL_SELECT)
        .where('tenant', 'unpacked')
        .orderBy('seq')) as unknown as JournalRow[]
    ).map(rowToEntry);
    expect(stored).toEqual(entries.map(({ own, hash }) => ({ ...shared, ...own, changes: [], hash })));
  });

  it('writes nothing when the transaction fails after the append', async () => {
    const before = (await rows()).length;
    await expect(
      db.transaction(async (trx) => {
        await writer.append(
          trx,
          context,
          Array.from({ length: 1_500 }, (_, index) => ({
            operation: 'apply',
            name: `x-${index}`,
            result: 'created',
          })),
        );
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await rows()).toHaveLength(before);
  });
});

describe('the chain worker', () => {
  it('answers what chainEntries and packEntries give here, and nothing once closed', async () => {
    const worker = new ChainWorker();
    expect(worker.available()).toBe(false); // the first call starts it: not ready yet
    expect(await worker.whenReady()).toBe(true);
    expect(worker.available()).toBe(true);
    const shared = {
      tenant: 'acme',
      time: '2024-05-01T12:00:00.000Z',
      actor: { type: 'apikey', id: TRICKY[1], name: TRICKY[2] },
      requestId: TRICKY[0],
      source: null,
    };
    const head = { tenant: 'acme', seq: 41, hash: sha256Hex('before') };
    const records = TRICKY.map((text, index) => ({
      operation: 'apply',
      kind: index % 2 ? 'Device' : undefined,
      name: text,
      generation: index % 2 ? index : undefined,
      result: 'configured',
      reason: index % 2 ? undefined : text,
      changes: [{ pointer: `/spec/${text}`, old: index, new: { [text]: [text, null] } }],
    }));
    const changes = records.map(encodeChanges);
    const here = chainEntries(head, shared, records, changes);
    const answer = await worker.chain({
      head,
      shared,
      records: records.map(({ changes: _, ...own }) => own),
      changes,
      pack: true,
    });
    expect(answer).toMatchObject({ hashes: here.map((entry) => entry.hash).join('') });
    const packed = packEntries(shared, here);
    const fromWorker = answer && 'packed' in answer ? answer.packed : undefined;
    expect(fromWorker?.sql).toBe(packed?.sql);
    expect(
      fromWorker?.bindings.map((value) => (value instanceof Uint8Array ? Buffer.from(value) : value)),
    ).toEqual(packed?.bindings);
    expect(worker.chained).toBe(1);

    await worker.close();
    expect(worker.available()).toBe(false);
    expect(await worker.chain({ head, shared, records, changes, pack: false })).toBeUndefined();
  });
});
