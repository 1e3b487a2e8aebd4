import { describe, expect, it } from 'vitest';
import {
  canonicalEntryText,
  type ChainedEntry,
  entryHash,
  GENESIS_HASH,
  type JournalEntry,
} from '../../src/journal/chain.js';
import { csvField } from '../../src/journal/journal-export.js';
import { parseJournalLimit, parseTimeBound } from '../../src/journal/journal-queries.js';
import { REDACTED, redactChanges } from '../../src/journal/redact.js';
import { verifyEntries, verifyExportLines } from '../../src/journal/verify-entries.js';
import { canonicalJson } from '../../src/contract/canonical.js';
import { testSigner } from './signing.js';

function makeChain(count: number, start = { seq: 0, hash: GENESIS_HASH }): JournalEntry[] {
  const entries: JournalEntry[] = [];
  let prevHash = start.hash;
  for (let seq = start.seq + 1; seq <= start.seq + count; seq++) {
    const entry: ChainedEntry = {
      tenant: 'acme',
      seq,
      time: `2024-05-01T12:00:${String(seq % 60).padStart(2, '0')}.000Z`,
      actor: { type: 'user', id: 'u-1', name: 'Zoë "quotes" \\ back' },
      requestId: `req-${seq}`,
      source: seq % 2 ? '10.0.0.1' : null,
      operation: 'apply',
      kind: 'Device',
      name: `d-${seq}`,
      generation: seq % 3 ? seq : null,
      result: 'configured',
      reason: seq % 2 ? null : 'line\nbreak \u2028 and emoji 🎉',
      changeset: null,
      changes: [{ pointer: '/spec/x', old: { b: 1, a: [1, { d: null, c: 'é' }] }, new: 1e21 }],
      prevHash,
    };
    const hash = entryHash(entry);
    entries.push({ ...entry, hash });
    prevHash = hash;
  }
  return entries;
}

const rehash = (entry: JournalEntry): JournalEntry => {
  const { hash: _hash, ...content } = entry;
  return { ...entry, hash: entryHash(content) };
};

describe('the hash chain', () => {
  it('hashes the hand-built canonical text exactly as canonicalJson', () => {
    for (const entry of makeChain(6)) {
      const { hash: _hash, changes, ...rest } = entry;
      expect(canonicalEntryText(rest, canonicalJson(changes))).toBe(canonicalJson({ ...rest, changes }));
    }
  });

  it('verifies an intact chain, from genesis or from a checkpoint', () => {
    const chain = makeChain(10);
    expect(verifyEntries(chain)).toMatchObject({ ok: true, checked: 10 });
    expect(verifyEntries(chain, { head: { seq: 10, hash: chain[9].hash } })).toMatchObject({ ok: true });
    expect(verifyEntries(chain.slice(4), { start: { seq: 4, hash: chain[3].hash } })).toMatchObject({
      ok: true,
      checked: 6,
    });
    expect(verifyEntries([])).toMatchObject({ ok: true, checked: 0 });
  });

  it('names the first broken entry and what happened to it', () => {
    const chain = makeChain(8);
    const edited = chain.map((entry) => (entry.seq === 3 ? { ...entry, result: 'deleted' } : entry));
    expect(verifyEntries(edited)).toMatchObject({ ok: false, checked: 2, firstBrokenSeq: 3 });
    expect(verifyEntries(edited).message).toContain('was edited');

    const deleted = chain.filter((entry) => entry.seq !== 4 && entry.seq !== 5);
    expect(verifyEntries(deleted)).toMatchObject({ ok: false, firstBrokenSeq: 4 });
    expect(verifyEntries(deleted).message).toContain('entries 4 to 5 are missing');

    const swapped = chain.map((entry) =>
      entry.seq === 3 ? { ...chain[3], seq: 3 } : entry.seq === 4 ? { ...chain[2], seq: 4 } : entry,
    );
    expect(verifyEntries(swapped).message).toContain('re-ordered');

    const rewritten = chain.map((entry) => (entry.seq === 5 ? rehash({ ...entry, name: 'other' }) : entry));
    expect(verifyEntries(rewritten)).toMatchObject({ ok: false, firstBrokenSeq: 6 });
    expect(verifyEntries(rewritten).message).toContain('does not link to entry 5');

    expect(verifyEntries(chain.slice(0, 7), { head: { seq: 8, hash: chain[7].hash } })).toMatchObject({
      ok: false,
      firstBrokenSeq: 8,
    });
    const wrongStart = verifyEntries(chain.slice(2), { start: { seq: 2, hash: GENESIS_HASH } });
    expect(wrongStart).toMatchObject({ ok: false, firstBrokenSeq: 3 });
    expect(wrongStart.message).toContain('checkpoint at seq 2');
  });

  it('verifies an NDJSON export only with its head line, and only from where its checkpoint says', () => {
    const chain = makeChain(5);
    const lines = chain.map((entry) => JSON.stringify(entry));
    const signed = testSigner().sign({ tenant: 'acme', seq: 5, hash: chain[4].hash });
    const head = {
      kind: 'JournalHead',
      tenant: 'acme',
      seq: 5,
      hash: chain[4].hash,
      checkpoint: null,
      signedHead: signed,
    };
    expect(verifyExportLines([...lines, JSON.stringify(head)])).toMatchObject({ ok: true, checked: 5 });
    expect(verifyExportLines(lines).message).toContain('truncated');
    expect(verifyExportLines([...lines, JSON.stringify(head), lines[0]]).message).toContain(
      'follows the JournalHead',
    );
    expect(verifyExportLines(['{nope', JSON.stringify(head)]).message).toContain('line 1 is not JSON');
    // Dropping the oldest lines is caught: the head says nothing was pruned.
    expect(verifyExportLines([...lines.slice(2), JSON.stringify(head)])).toMatchObject({
      ok: false,
      firstBrokenSeq: 1,
    });
    const checkpoint = { seq: 2, hash: chain[1].hash, prunedAt: '2024-05-02T00:00:00.000Z', count: 2 };
    // A checkpoint the chain does not vouch for (no journal.prune entry records it) is refused:
    // the chain itself is intact from it (3 entries), the start is not the journal's own.
    expect(verifyExportLines([...lines.slice(2), JSON.stringify({ ...head, checkpoint })])).toEqual({
      ok: false,
      checked: 3,
      firstBrokenSeq: 2,
      message:
        'the checkpoint at seq 2 is vouched for by no journal.prune entry after it (a checkpoint the journal did not write)',
    });
  });
});

describe('redaction', () => {
  it('redacts secret-looking fields at any depth, and credentials in URLs', () => {
    const [created, changed, removed, plain] = redactChanges([
      {
        pointer: '',
        new: {
          metadata: { annotations: { password: 'p', 'x/api-token': 't', keep: 'k' } },
          spec: {
            user: { clientSecret: 's', email: 'a@b.c' },
            list: [{ privateKey: 'pk' }],
            url: 'https://u:pw@h/x',
          },
        },
      },
      { pointer: '/spec/auth/token', old: 'a', new: 'b' },
      { pointer: '/metadata/annotations/db-password', old: 'x' },
      { pointer: '/spec/displayName', old: 'a', new: 'b' },
    ]);
    expect(created.new).toEqual({
      metadata: { annotations: { password: REDACTED, 'x/api-token': REDACTED, keep: 'k' } },
      spec: {
        user: { clientSecret: REDACTED, email: 'a@b.c' },
        list: [{ privateKey: REDACTED }],
        url: `https://${REDACTED}@h/x`,
      },
    });
    expect(changed).toEqual({ pointer: '/spec/auth/token', old: REDACTED, new: REDACTED });
    expect(removed).toEqual({ pointer: '/metadata/annotations/db-password', old: REDACTED });
    expect(plain).toEqual({ pointer: '/spec/displayName', old: 'a', new: 'b' });
  });
});

describe('query parameters', () => {
  const now = new Date('2024-05-01T12:00:00.000Z');
  it.each([
    ['1h', '2024-05-01T11:00:00.000Z'],
    ['30m', '2024-05-01T11:30:00.000Z'],
    ['7d', '2024-04-24T12:00:00.000Z'],
    ['1h30m', '2024-05-01T10:30:00.000Z'],
    ['1.5h', '2024-05-01T10:30:00.000Z'],
    ['2024-04-30T10:00:00Z', '2024-04-30T10:00:00.000Z'],
    ['2024-04-30T12:00:00.5+02:00', '2024-04-30T10:00:00.500Z'],
  ])('reads the time bound %s as %s', (text, expected) => {
    expect(parseTimeBound(text, now, 'since')).toBe(expected);
  });

  it.each(['yesterday', '2024-04-30', '1w', '', '-1h'])('refuses the time bound "%s"', (text) => {
    expect(() => parseTimeBound(text, now, 'since')).toThrow(/since must be an RFC 3339 time/);
  });

  it('defaults the page to 100 and caps it at 1000', () => {
    expect(parseJournalLimit(undefined)).toBe(100);
    expect(parseJournalLimit('5000')).toBe(1000);
    expect(() => parseJournalLimit('0')).toThrow();
    expect(() => parseJournalLimit('1.5')).toThrow();
  });

  it('quotes CSV fields only when needed', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"\n')).toBe('"say ""hi""\n"');
  });
});
