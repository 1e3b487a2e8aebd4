import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/journal/chain.js';
import { type EntryFilter, isEmptyFilter, matchesEntry } from '../../src/journal/journal-filter.js';

const entry: JournalEntry = {
  tenant: 'default',
  seq: 7,
  time: '2026-12-04T10:00:00.000Z',
  actor: { type: 'user', id: 'u-1', name: 'alice' },
  requestId: 'r-1',
  source: null,
  operation: 'apply',
  kind: 'Device',
  name: 'laptop-7',
  generation: 2,
  result: 'configured',
  reason: null,
  changeset: 'cs-1',
  changes: [],
  prevHash: '0'.repeat(64),
  hash: '1'.repeat(64),
};
const system: JournalEntry = { ...entry, kind: null, name: null, changeset: null, operation: 'auth.login' };

describe('matchesEntry (the follow stream’s filter)', () => {
  it.each<[string, EntryFilter, JournalEntry, boolean]>([
    ['no filter', {}, entry, true],
    ['empty values are no filter', { kind: '', name: '' }, entry, true],
    ['kind', { kind: 'Device' }, entry, true],
    ['another kind', { kind: 'Rollout' }, entry, false],
    ['a kind on an entry of none', { kind: 'Device' }, system, false],
    ['name', { name: 'laptop-7' }, entry, true],
    ['another name', { name: 'laptop-8' }, entry, false],
    ['actor by name', { actor: 'alice' }, entry, true],
    ['actor by id', { actor: 'u-1' }, entry, true],
    ['another actor', { actor: 'bob' }, entry, false],
    ['operation', { operation: 'apply' }, entry, true],
    ['an operation is not a prefix', { operation: 'app' }, entry, false],
    ['result', { result: 'configured' }, entry, true],
    ['another result', { result: 'created' }, entry, false],
    ['changeset', { changeset: 'cs-1' }, entry, true],
    ['a changeset on an entry of none', { changeset: 'cs-1' }, system, false],
    [
      'every condition holds',
      { kind: 'Device', name: 'laptop-7', actor: 'alice', result: 'configured' },
      entry,
      true,
    ],
    ['one condition fails', { kind: 'Device', name: 'laptop-7', actor: 'bob' }, entry, false],
    ['case matters (as in the query)', { name: 'LAPTOP-7' }, entry, false],
  ])('%s', (_, filter, subject, expected) => {
    expect(matchesEntry(subject, filter)).toBe(expected);
  });

  it('isEmptyFilter: only unset or empty conditions', () => {
    expect(isEmptyFilter({})).toBe(true);
    expect(isEmptyFilter({ kind: '', actor: undefined })).toBe(true);
    expect(isEmptyFilter({ result: 'denied' })).toBe(false);
  });
});
