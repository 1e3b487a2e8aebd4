/**
 * Causal status on the client (issue #17, item 4): the decision of `apply --wait` for one
 * resource, causal on the apply's changeset so that a Ready left over from an earlier apply never
 * counts, and describe's "Ready since changeset X applied by Y". Table tests over pure functions.
 */
import { describe, expect, it } from 'vitest';
import { progressLine, waitStateOf } from '../../src/cli/commands/apply-wait.js';
import { causalLines } from '../../src/cli/commands/describe.js';
import type { JournalEntry } from '../../src/cli/commands/journal-format.js';
import type { Resource } from '../../src/cli/resource.js';
import type { Condition } from '../../src/contract/resource.js';

const OURS = '11111111-1111-4111-8111-111111111111';
const EARLIER = '00000000-0000-4000-8000-000000000000';
const LATER = '22222222-2222-4222-8222-222222222222';

function condition(
  type: string,
  status: Condition['status'],
  generation: number,
  changeset?: string,
  reason = 'R',
): Condition {
  return {
    type,
    status,
    reason,
    message: `${type} ${status}`,
    lastTransitionTime: '2026-12-04T00:00:00Z',
    observedGeneration: generation,
    ...(changeset ? { observedChangeset: changeset } : {}),
  };
}

function resource(generation: number, changeset: string | undefined, conditions: Condition[]): Resource {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'CertificateAuthority',
    metadata: { name: 'ca', generation, ...(changeset ? { changeset } : {}) },
    spec: {},
    status: { conditions },
  };
}

const item = { kind: 'CertificateAuthority', name: 'ca', generation: 2 };

describe('waitStateOf', () => {
  const cases: Array<[string, Resource | undefined, string, RegExp]> = [
    ['gone since the apply', undefined, 'failed', /deleted after the apply/],
    ['no conditions yet', resource(2, OURS, []), 'pending', /no Ready condition/],
    [
      'Ready for the earlier changeset only',
      resource(2, OURS, [condition('Ready', 'True', 1, EARLIER)]),
      'pending',
      /not reconciled since the apply/,
    ],
    [
      'Ready for this changeset',
      resource(2, OURS, [condition('Ready', 'True', 2, OURS)]),
      'ready',
      /Ready True/,
    ],
    [
      'Ready=False for this changeset is still waited on (reconcilers retry)',
      resource(2, OURS, [condition('Ready', 'False', 2, OURS, 'WaitingForParent')]),
      'pending',
      /Ready=False \(WaitingForParent\)/,
    ],
    [
      'Stalled for this changeset fails with its reason',
      resource(2, OURS, [
        condition('Ready', 'False', 2, OURS, 'InvalidSpec'),
        condition('Stalled', 'True', 2, OURS, 'InvalidSpec'),
      ]),
      'failed',
      /Stalled=True \(InvalidSpec\)/,
    ],
    [
      'a Stalled left from the earlier changeset does not fail this one',
      resource(2, OURS, [condition('Ready', 'True', 2, OURS), condition('Stalled', 'True', 1, EARLIER)]),
      'ready',
      /Ready True/,
    ],
    [
      'superseded by a later apply',
      resource(3, LATER, [condition('Ready', 'True', 3, LATER)]),
      'failed',
      new RegExp(`superseded by changeset ${LATER} \\(generation 3 > 2\\)`),
    ],
    [
      'an apply that set no generation (apiVersion only) is judged by generation',
      resource(2, EARLIER, [condition('Ready', 'True', 2, EARLIER)]),
      'ready',
      /Ready True/,
    ],
    [
      'a server without changesets is judged by generation',
      resource(2, undefined, [condition('Ready', 'True', 1)]),
      'pending',
      /observed generation 1, the apply made 2/,
    ],
  ];
  it.each(cases)('%s', (_name, current, state, text) => {
    const judged = waitStateOf(current, item, OURS);
    expect(judged.state).toBe(state);
    expect('why' in judged ? judged.why : judged.message).toMatch(text);
  });
});

describe('progressLine', () => {
  it('counts, names one resource waited on and the time', () => {
    expect(
      progressLine({ ready: 3, failed: 1, pending: 2 }, OURS, 12_400, {
        ref: 'device/d1',
        why: 'no Ready condition reported yet',
      }),
    ).toBe(
      'changeset 11111111: 3/6 Ready, 1 failed (12s) · waiting for device/d1: no Ready condition reported yet',
    );
    expect(progressLine({ ready: 2, failed: 0, pending: 0 }, OURS, 900)).toBe(
      'changeset 11111111: 2/2 Ready (1s)',
    );
  });
});

describe('describe: Ready since which changeset', () => {
  const now = new Date('2026-12-04T00:10:00Z');
  const entry = (
    seq: number,
    operation: string,
    result: string,
    changeset: string,
    actor: string,
    time: string,
  ) =>
    ({
      seq,
      time,
      operation,
      result,
      changeset,
      kind: 'CertificateAuthority',
      name: 'ca',
      generation: 2,
      actor: { type: actor.split(':')[0], id: actor, name: actor.split(':')[1] },
    }) as unknown as JournalEntry;
  const history = [
    entry(9, 'status', 'Ready=True', OURS, 'controller:CertificateAuthority', '2026-12-04T00:07:00Z'),
    entry(8, 'apply', 'configured', OURS, 'user:alice', '2026-12-04T00:05:00Z'),
    entry(3, 'status', 'Ready=False', EARLIER, 'controller:CertificateAuthority', '2026-12-04T00:01:00Z'),
    entry(2, 'apply', 'created', EARLIER, 'user:bob', '2026-12-04T00:00:00Z'),
  ];
  const ready = { ...condition('Ready', 'True', 2, OURS), lastTransitionTime: '2026-12-04T00:07:00Z' };

  it('names the changeset Ready last changed under and who applied it', () => {
    expect(causalLines(resource(2, OURS, [ready]), history, now).join('\n')).toMatch(
      new RegExp(
        `^Ready: +True since 2026-12-04T00:07:00Z \\(3m ago\\) \\(changeset ${OURS} applied by user:alice 5m ago\\)$`,
      ),
    );
  });

  it('adds what the condition observes now when a later apply kept it Ready', () => {
    const observedLater = { ...ready, observedGeneration: 3, observedChangeset: LATER };
    const lines = causalLines(resource(3, LATER, [observedLater]), history, now);
    expect(lines[0]).toContain(`changeset ${OURS} applied by user:alice`);
    expect(lines[1]).toMatch(new RegExp(`^Observed: +changeset ${LATER} \\(generation 3\\)$`));
  });

  it('says what it knows without the journal, and nothing without a Ready condition', () => {
    expect(causalLines(resource(2, OURS, [ready]), [], now)).toEqual([
      expect.stringMatching(new RegExp(`True since .*\\(changeset ${OURS}\\)$`)),
    ]);
    expect(causalLines(resource(2, OURS, []), history, now)).toEqual([]);
  });
});
