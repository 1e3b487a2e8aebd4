/** planApplySet as a table: claims, conflicts, prune, release, tombstones, budgets, empty submissions. */
import { describe, expect, it } from 'vitest';
import { type ApplySetInput, type ApplySetOptions, planApplySet } from '../../src/apply/applyset-plan.js';

const OPTIONS: ApplySetOptions = {
  name: 'fleet',
  prune: true,
  maxDeletions: 10,
  maxDeletionPercent: 30,
  allowEmpty: false,
  forceAdopt: false,
};

const device = (name: string, index = 0) => ({ kind: 'Device', name, index });
const member = (name: string, extra: { exists?: boolean; pruneDisabled?: boolean } = {}) => ({
  kind: 'Device',
  name,
  exists: extra.exists ?? true,
  pruneDisabled: extra.pruneDisabled ?? false,
});
const members = (count: number) => Array.from({ length: count }, (_, i) => member(`d${i}`));

function plan(input: Partial<Omit<ApplySetInput, 'options'>> & { options?: Partial<ApplySetOptions> }) {
  return planApplySet({
    submitted: [],
    tombstones: [],
    owners: new Map(),
    members: [],
    ...input,
    options: { ...OPTIONS, ...input.options },
  });
}

describe('planApplySet', () => {
  it('claims what is submitted and prunes the members no longer submitted', () => {
    const result = plan({ submitted: members(9).map((m, i) => device(m.name, i)), members: members(10) });
    expect(result.claim).toHaveLength(9);
    expect(result.prune).toEqual([{ kind: 'Device', name: 'd9' }]);
    expect(result.refusal).toBeUndefined();
  });

  it('without prune, deletes nothing and keeps every member', () => {
    const result = plan({ submitted: [device('d0')], members: members(10), options: { prune: false } });
    expect(result.prune).toEqual([]);
    expect(result.release).toEqual([]);
  });

  it('releases, never deletes, a member with prune disabled or one already gone', () => {
    const result = plan({
      submitted: [device('a')],
      members: [member('a'), member('keep', { pruneDisabled: true }), member('gone', { exists: false })],
    });
    expect(result.prune).toEqual([]);
    expect(result.release.map((ref) => ref.name)).toEqual(['keep', 'gone']);
  });

  it.each([
    ['11 deletions over maxDeletions 10', 11, 100, {}, 'more than maxDeletions 10'],
    ['4 of 10 over 30 %', 4, 10, {}, "40 % of the set's 10 existing member(s)"],
    ['1 of 3 over 33 % (said to a tenth)', 1, 3, { maxDeletionPercent: 33 }, '33.3 % of the set'],
    ['4 of 10 within 50 %', 4, 10, { maxDeletionPercent: 50 }, undefined],
    ['11 within maxDeletions 20 and 50 %', 11, 100, { maxDeletions: 20 }, undefined],
  ])('budget: %s', (_case, removed, total, options, refused) => {
    const all = members(total);
    const result = plan({
      submitted: all.slice(removed).map((m, i) => device(m.name, i)),
      members: all,
      options,
    });
    if (refused === undefined) expect(result.refusal).toBeUndefined();
    else {
      expect(result.refusal?.reason).toBe('DeletionBudgetExceeded');
      expect(result.refusal?.message).toContain(refused);
      expect(result.refusal?.message).toContain('Device/d0');
      expect(result.refusal?.resources).toHaveLength(removed);
    }
  });

  it('counts only existing members in the percentage: members deleted by other means do not dilute it', () => {
    // 10 members, 7 deleted by other means: pruning the 3 left is 100 % of what exists.
    const all = [
      ...members(3),
      ...Array.from({ length: 7 }, (_, i) => member(`gone${i}`, { exists: false })),
    ];
    const result = plan({ submitted: [device('other')], members: all });
    expect(result.refusal?.reason).toBe('DeletionBudgetExceeded');
    expect(result.refusal?.message).toContain("100 % of the set's 3 existing member(s)");
  });

  it('treats a submission of tombstones alone as empty: it never prunes the rest unless allowed', () => {
    const result = plan({
      members: members(5),
      tombstones: [{ ...device('d0'), exists: true }],
      options: { maxDeletionPercent: 100 },
    });
    expect(result.refusal?.reason).toBe('EmptySubmission');
    expect(
      plan({
        members: members(5),
        tombstones: [{ ...device('d0'), exists: true }],
        options: { maxDeletionPercent: 100, allowEmpty: true },
      }).refusal,
    ).toBeUndefined();
  });

  it('never prunes on an empty submission unless allowed, naming what it would have deleted', () => {
    const refused = plan({ members: members(3) });
    expect(refused.refusal?.reason).toBe('EmptySubmission');
    expect(refused.refusal?.message).toContain('Device/d0, Device/d1, Device/d2');
    const allowed = plan({ members: members(3), options: { allowEmpty: true, maxDeletionPercent: 100 } });
    expect(allowed.refusal).toBeUndefined();
    expect(allowed.prune).toHaveLength(3);
  });

  it('counts tombstones that exist against the budget, and deletes them', () => {
    const tombstones = [
      { ...device('old', 1), exists: true },
      { ...device('never', 2), exists: false },
    ];
    const result = plan({
      submitted: [device('a')],
      tombstones,
      members: [member('a'), member('old')],
      options: { maxDeletionPercent: 100 },
    });
    expect(result.tombstones.map((ref) => ref.name)).toEqual(['old']);
    expect(result.prune).toEqual([]);
    const tight = plan({
      submitted: [device('a')],
      tombstones,
      members: [member('a'), member('old')],
      options: { maxDeletions: 0 },
    });
    expect(tight.refusal?.reason).toBe('DeletionBudgetExceeded');
  });

  it('refuses a resource of another set, naming it, unless adopting', () => {
    const owners = new Map([['Device/shared', 'other']]);
    const refused = plan({ submitted: [device('shared', 3)], owners });
    expect(refused.conflicts).toEqual([
      expect.objectContaining({
        document: 3,
        message: expect.stringContaining('belongs to apply set "other"'),
      }),
    ]);
    const adopted = plan({ submitted: [device('shared', 3)], owners, options: { forceAdopt: true } });
    expect(adopted.conflicts).toEqual([]);
    expect(adopted.adopted).toEqual([{ ...device('shared', 3), from: 'other' }]);
  });
});
