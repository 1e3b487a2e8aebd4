/**
 * The watch's journal decisions as tables: which names a batch of entries changed, where a
 * resourceVersion starts a watch, and the events one change is to a watch.
 */
import { describe, expect, it } from 'vitest';
import { changedNames, parseWatchVersion, watchEventsOf } from '../../src/api/kube/kube-watch.js';
import { BadRequestError } from '../../src/errors.js';
import type { JournalEntry } from '../../src/journal/chain.js';
import { deepFreeze, stored, thrown } from './kube-fixtures.js';

describe('the watch’s decisions', () => {
  let seq = 0;
  const entry = (fields: Partial<JournalEntry>): JournalEntry => ({
    tenant: 'default',
    seq: ++seq,
    time: '2026-01-01T00:00:00.000Z',
    actor: { type: 'user', id: 'u-1', name: 'admin' },
    requestId: 'r-1',
    source: null,
    operation: 'apply',
    kind: 'Device',
    name: 'edge-1',
    generation: 1,
    result: 'created',
    reason: null,
    changeset: null,
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
    changes: [],
    ...fields,
  });

  it.each<[string, Array<Partial<JournalEntry>>, Array<{ name: string; created: boolean }>]>([
    ['nothing from nothing', [], []],
    ['a creation is created', [{}], [{ name: 'edge-1', created: true }]],
    ['a configured apply is not created', [{ result: 'configured' }], [{ name: 'edge-1', created: false }]],
    [
      'a name once, created if any entry of the batch created it',
      [{ result: 'configured' }, { result: 'created' }, { operation: 'delete', result: 'deleted' }],
      [{ name: 'edge-1', created: true }],
    ],
    [
      'names in the order first touched',
      [{ name: 'b', result: 'configured' }, { name: 'a' }, { name: 'b', result: 'unchanged' }],
      [
        { name: 'b', created: false },
        { name: 'a', created: true },
      ],
    ],
    [
      'other kinds and entries without a name left out',
      [
        { kind: 'CertificateAuthority', name: 'root' },
        { kind: null, name: null, operation: 'journal.prune' },
      ],
      [],
    ],
    [
      'a created result of another operation is not a creation',
      [{ operation: 'status', result: 'created' }],
      [{ name: 'edge-1', created: false }],
    ],
  ])('changedNames: %s', (_case, fields, expected) => {
    expect(changedNames(deepFreeze(fields.map(entry)), 'Device')).toEqual(expected);
  });

  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['', undefined],
    ['0', undefined],
    ['1', 1],
    ['4096', 4096],
  ])('resourceVersion %j starts the watch at %j', (value, expected) => {
    expect(parseWatchVersion(value)).toBe(expected);
  });

  it.each(['-1', '1.5', 'abc', '12a', ' 3'])('resourceVersion %j is a 400', (value) => {
    const error = thrown(() => parseWatchVersion(value));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe(
      `resourceVersion must be a resourceVersion a list or watch of this server answered, got "${value}"`,
    );
  });
});

describe('watchEventsOf: the events one change is to a watch (Kubernetes watch cache rules)', () => {
  const v1 = stored({ name: 'x', uid: 'uid-a', resourceVersion: 1 });
  const v2 = stored({ name: 'x', uid: 'uid-a', resourceVersion: 2 });
  const again = stored({ name: 'x', uid: 'uid-b', resourceVersion: 1 });
  it.each<[string, Parameters<typeof watchEventsOf>, string[]]>([
    ['new and selected: ADDED', [undefined, v1, true], ['ADDED uid-a 1']],
    ['new but not selected: nothing', [undefined, v1, false], []],
    ['gone and never held: nothing', [undefined, null, false], []],
    [
      'held and gone: DELETED with the held state',
      [{ resource: v1, exact: true }, null, false],
      ['DELETED uid-a 1'],
    ],
    [
      'held and no longer selected: DELETED with the held state',
      [{ resource: v1, exact: true }, v2, false],
      ['DELETED uid-a 1'],
    ],
    ['held, a newer version: MODIFIED', [{ resource: v1, exact: true }, v2, true], ['MODIFIED uid-a 2']],
    ['held, this very version (a journaled read): nothing', [{ resource: v2, exact: true }, v2, true], []],
    [
      'held from the client’s list, version unknown: MODIFIED',
      [{ resource: v2, exact: false }, v2, true],
      ['MODIFIED uid-a 2'],
    ],
    [
      'created since the watch’s resourceVersion: ADDED',
      [{ resource: v2, exact: false }, v2, true, true],
      ['ADDED uid-a 2'],
    ],
    [
      'deleted and created again (another uid, the same resourceVersion): DELETED then ADDED',
      [{ resource: v1, exact: true }, again, true, true],
      ['DELETED uid-a 1', 'ADDED uid-b 1'],
    ],
    [
      'another uid under a name held from the list: DELETED then ADDED',
      [{ resource: v2, exact: false }, again, true, false],
      ['DELETED uid-a 2', 'ADDED uid-b 1'],
    ],
  ])('%s', (_case, args, events) => {
    expect(
      watchEventsOf(...args).map(
        (event) => `${event.type} ${event.object.uid} ${event.object.resourceVersion}`,
      ),
    ).toEqual(events);
  });
});
