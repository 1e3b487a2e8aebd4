import { describe, expect, it } from 'vitest';
import { offlineVerifier } from '../../src/cli/commands/journal.js';
import { EventStreamParser } from '../../src/cli/commands/journal-format.js';
import { parseManifests, positionIn } from '../../src/cli/manifest-files.js';
import { pointerSegments } from '../../src/cli/manifest-positions.js';
import { testSigner } from '../journal/signing.js';
import { chainedJournal } from './contract-server.js';

const STREAM = `# leading comment
apiVersion: steward.dev/v1
kind: Device
metadata:
  name: a
  labels:
    "team/x": infra
spec:
  platform: linux
  user: {email: a@example.com}
  platforms: [linux, apple]
---
---
kind: List
items:
  - kind: Device
    metadata: {name: b}
  - kind: Device
    metadata: {name: c}
`;

describe('reading manifests with their positions', () => {
  const { manifests, problems } = parseManifests(STREAM, 'fleet.yaml');

  it('skips empty documents and expands List items into documents', () => {
    expect(problems).toEqual([]);
    expect(
      manifests.map((manifest) => (manifest.value as { metadata: { name: string } }).metadata.name),
    ).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['a mapping member points at its key', '/spec/platform', 9, 3],
    ['a nested member points at its own key', '/metadata/name', 5, 3],
    ['an escaped pointer segment finds its key', '/metadata/labels/team~1x', 7, 5],
    ['a flow mapping member points at its key', '/spec/user/email', 10, 10],
    ['a sequence item points at the item', '/spec/platforms/1', 11, 22],
    ['a missing field points at its nearest present ancestor', '/spec/permanentIdentifier', 8, 1],
    ['a missing top-level field points at the document start', '/apiVersion', 2, 1],
    ['the whole document points at its start', '', 2, 1],
  ])('%s', (_name, pointer, line, column) => {
    expect(positionIn(manifests[0], pointer)).toEqual({ source: 'fleet.yaml', line, column });
  });

  it('finds positions inside List items', () => {
    expect(positionIn(manifests[2], '/metadata/name')).toEqual({
      source: 'fleet.yaml',
      line: 19,
      column: 16,
    });
  });

  it('reports every syntax error with file, line and column', () => {
    const broken = parseManifests('a: 1\na: 2\n---\nb: [1,\n', 'bad.yaml');
    expect(broken.manifests).toEqual([]);
    expect(broken.problems[0]).toBe('bad.yaml:2:1: Map keys must be unique');
    expect(broken.problems[1]).toMatch(/^bad\.yaml:\d+:\d+: /);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    expect(parseManifests(bomb, 'bomb.yaml').problems[0]).toMatch(/^bomb\.yaml:1:1: .*alias/i);
  });

  it('unescapes RFC 6901 pointer segments', () => {
    expect(pointerSegments('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
    expect(pointerSegments('')).toEqual([]);
  });
});

describe('offline journal verification', () => {
  const { verifyExport } = offlineVerifier;
  const entries = chainedJournal(4);
  const signedHead = testSigner().sign({ tenant: 'acme', seq: 4, hash: entries[3].hash as string });
  const head = {
    kind: 'JournalHead',
    tenant: 'acme',
    seq: 4,
    hash: entries[3].hash,
    checkpoint: null,
    signedHead,
  };
  const ndjson = (items: unknown[]) => `${items.map((item) => JSON.stringify(item)).join('\n')}\n`;

  it('accepts an intact export', () => {
    expect(verifyExport(ndjson([...entries, head]))).toMatchObject({ ok: true, checked: 4 });
  });

  it('catches an edited entry at its sequence number', () => {
    const edited = entries.map((entry) => (entry.seq === 2 ? { ...entry, result: 'denied' } : entry));
    expect(verifyExport(ndjson([...edited, head]))).toMatchObject({ ok: false, firstBrokenSeq: 2 });
  });

  it('catches a deleted entry', () => {
    expect(verifyExport(ndjson([entries[0], entries[1], entries[3], head]))).toMatchObject({
      ok: false,
      firstBrokenSeq: 3,
    });
  });

  it('catches a truncated export by its JournalHead', () => {
    expect(verifyExport(ndjson([...entries.slice(0, 3), head])).ok).toBe(false);
    expect(verifyExport(ndjson(entries)).message).toMatch(/no JournalHead/);
  });

  it('refuses an export whose oldest entries were removed: its JournalHead names no checkpoint', () => {
    expect(verifyExport(ndjson([...entries.slice(2), head]))).toMatchObject({ ok: false, firstBrokenSeq: 1 });
    const wrongCheckpoint = { seq: 2, hash: entries[0].hash, prunedAt: '2026-01-02T00:00:00Z', count: 2 };
    expect(
      verifyExport(ndjson([...entries.slice(2), { ...head, checkpoint: wrongCheckpoint }])),
    ).toMatchObject({
      ok: false,
      firstBrokenSeq: 3,
    });
  });

  it('refuses a checkpoint that no journal.prune entry of the export vouches for', () => {
    const checkpoint = { seq: 2, hash: entries[1].hash, prunedAt: '2026-01-02T00:00:00Z', count: 2 };
    expect(verifyExport(ndjson([...entries.slice(2), { ...head, checkpoint }]))).toMatchObject({
      ok: false,
      checked: 2,
      message:
        'the checkpoint at seq 2 is vouched for by no journal.prune entry after it (a checkpoint the journal did not write)',
    });
  });
});

describe('server-sent events', () => {
  it('splits events across chunk boundaries and skips keep-alive comments', () => {
    const parser = new EventStreamParser();
    expect(parser.push(': ping\n\nid: 1\nda')).toEqual([]);
    expect(parser.push('ta: {"seq":1}\n\nid: 2\r\ndata: {"seq":2}\r\n\r\n')).toEqual([
      { id: '1', data: '{"seq":1}' },
      { id: '2', data: '{"seq":2}' },
    ]);
    expect(parser.lastId).toBe('2');
  });

  it('moves its last id on an id-only event (a filtered follow past what it left out), dispatching nothing', () => {
    const parser = new EventStreamParser();
    expect(parser.push('id: 5\ndata: {"seq":5}\n\nid: 9\n\n')).toEqual([{ id: '5', data: '{"seq":5}' }]);
    expect(parser.lastId).toBe('9');
  });
});
