import { describe, expect, it } from 'vitest';
import {
  checkpointProblem,
  headConsistencyProblem,
  type PruneClaim,
  pruneClaimOf,
} from '../../src/contract/journal-head.js';

const H = (c: string) => c.repeat(64);
const claim = (seq: number, hash: string, time: string, retentionDays = 365): PruneClaim => ({
  entrySeq: 40,
  entryTime: '2025-06-01T00:00:00.000Z',
  checkpoint: { seq, hash, time, retentionDays },
});

describe('checkpointProblem: a checkpoint must be vouched for by the last journal.prune entry', () => {
  it.each([
    { name: 'vouched, old enough', claim: claim(30, H('a'), '2024-01-01T00:00:00.000Z'), problem: undefined },
    {
      name: 'no prune entry',
      claim: undefined,
      problem:
        'the checkpoint at seq 30 is vouched for by no journal.prune entry after it (a checkpoint the journal did not write)',
    },
    {
      name: 'another seq',
      claim: claim(20, H('a'), '2024-01-01T00:00:00.000Z'),
      problem: `the checkpoint (seq 30, hash aaaaaaaaaaaa…) is not the one the journal.prune entry at seq 40 records (seq 20, hash aaaaaaaaaaaa…): the checkpoint was altered`,
    },
    {
      name: 'another hash',
      claim: claim(30, H('b'), '2024-01-01T00:00:00.000Z'),
      problem: `the checkpoint (seq 30, hash aaaaaaaaaaaa…) is not the one the journal.prune entry at seq 40 records (seq 30, hash bbbbbbbbbbbb…): the checkpoint was altered`,
    },
    {
      name: 'pruned within the retention',
      claim: claim(30, H('a'), '2024-06-01T00:00:01.000Z'),
      problem:
        'the journal.prune entry at seq 40 pruned up to seq 30, dated 2024-06-01T00:00:01.000Z, which its retention of 365 days kept until 2024-06-01T00:00:00.000Z (pruned beyond retention)',
    },
    {
      name: 'exactly at the limit (kept: only older entries are pruned)',
      claim: claim(30, H('a'), '2024-06-01T00:00:00.000Z'),
      problem:
        'the journal.prune entry at seq 40 pruned up to seq 30, dated 2024-06-01T00:00:00.000Z, which its retention of 365 days kept until 2024-06-01T00:00:00.000Z (pruned beyond retention)',
    },
    { name: 'legacy entry, same seq', claim: { ...claim(30, '', ''), legacy: true }, problem: undefined },
    {
      name: 'legacy entry, another seq',
      claim: { ...claim(25, '', ''), legacy: true },
      problem:
        'the checkpoint at seq 30 is not the one the journal.prune entry at seq 40 records (seq 25): the checkpoint was altered',
    },
  ])('$name', ({ claim: given, problem }) => {
    expect(checkpointProblem({ seq: 30, hash: H('a') }, given)).toBe(problem);
  });
});

describe('pruneClaimOf', () => {
  it.each([
    {
      name: 'a prune entry carrying its checkpoint',
      entry: {
        seq: 9,
        time: 'T',
        operation: 'journal.prune',
        changes: [{ pointer: '/checkpoint', new: { seq: 3, hash: H('c'), time: 'P', retentionDays: 7 } }],
      },
      claim: {
        entrySeq: 9,
        entryTime: 'T',
        checkpoint: { seq: 3, hash: H('c'), time: 'P', retentionDays: 7 },
      },
    },
    {
      name: 'a prune entry of an earlier release (reason only)',
      entry: {
        seq: 9,
        time: 'T',
        operation: 'journal.prune',
        reason: 'pruned 30 entries up to seq 30, older than 365 days (before 2024-01-01T00:00:00.000Z)',
        changes: [],
      },
      claim: {
        entrySeq: 9,
        entryTime: 'T',
        checkpoint: { seq: 30, hash: '', time: '', retentionDays: 365 },
        legacy: true,
      },
    },
    {
      name: 'another operation',
      entry: { seq: 9, time: 'T', operation: 'apply', changes: [] },
      claim: undefined,
    },
    {
      name: 'a malformed checkpoint',
      entry: {
        seq: 9,
        time: 'T',
        operation: 'journal.prune',
        changes: [{ pointer: '/checkpoint', new: { seq: '3' } }],
      },
      claim: undefined,
    },
  ])('$name', ({ entry, claim: expected }) => {
    expect(pruneClaimOf(entry)).toEqual(expected);
  });
});

describe('headConsistencyProblem: a new head must extend the one known before', () => {
  const known = { seq: 10, hash: H('a'), time: '2025-01-01T00:00:00.000Z', keyId: 'k1' };
  it.each([
    {
      name: 'the same head',
      next: { seq: 10, hash: H('a'), keyId: 'k1' },
      at: undefined,
      problem: undefined,
    },
    { name: 'an extension', next: { seq: 12, hash: H('b'), keyId: 'k1' }, at: H('a'), problem: undefined },
    {
      name: 'an extension whose old seq was pruned',
      next: { seq: 99, hash: H('b'), keyId: 'k1' },
      at: undefined,
      problem: undefined,
    },
    {
      name: 'a rollback',
      next: { seq: 9, hash: H('b'), keyId: 'k1' },
      at: undefined,
      problem:
        'rollback: the signed head is at seq 9, below the head at seq 10 known before (signed 2025-01-01T00:00:00.000Z)',
    },
    {
      name: 'a fork at the same seq',
      next: { seq: 10, hash: H('b'), keyId: 'k1' },
      at: undefined,
      problem:
        'fork: entry 10 has hash bbbbbbbbbbbb…, not aaaaaaaaaaaa… as in the head known before (signed 2025-01-01T00:00:00.000Z): the journal was rewritten',
    },
    {
      name: 'a fork below a longer head',
      next: { seq: 12, hash: H('b'), keyId: 'k1' },
      at: H('c'),
      problem:
        'fork: entry 10 has hash cccccccccccc…, not aaaaaaaaaaaa… as in the head known before (signed 2025-01-01T00:00:00.000Z): the journal was rewritten',
    },
    {
      name: 'another key',
      next: { seq: 12, hash: H('b'), keyId: 'k2' },
      at: H('a'),
      problem:
        'the journal is signed by key k2, not by key k1 that signed the head known before (the signing key was replaced)',
    },
  ])('$name', ({ next, at, problem }) => {
    expect(headConsistencyProblem(known, next, at)).toBe(problem);
  });
});
