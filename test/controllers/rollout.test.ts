/** The Rollout reconciler's pure decision and the wave arithmetic, as tables whose rows are sentences. */
import { describe, expect, it } from 'vitest';
import { decideRollout, type RolloutObservation } from '../../controllers/rollout.js';
import { asksToAct, type ReconcileResult } from '../../src/engine/controller.js';
import type { RolloutSpec, RolloutStatus } from '../../src/kinds/generated/v1/rollout.js';
import type { StoredResource } from '../../src/resources/model.js';
import type { RolloutProgress, WaveCounts } from '../../src/rollouts/rollout-model.js';
import { planWaves, rankOf, type TargetDevice, waveCutoffs, waveSizes } from '../../src/rollouts/waves.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');
const T0 = '2026-12-04T11:00:00.000Z';
const LATER = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();

function resource(kind: string, name: string, spec: object, status: object = {}): StoredResource {
  return {
    tenant: 'acme',
    kind,
    name,
    uid: `${name}-uid`,
    apiVersion: 'steward.dev/v1',
    labels: {},
    annotations: {},
    spec: spec as Record<string, unknown>,
    status: status as Record<string, unknown>,
    generation: 1,
    resourceVersion: 1,
    createdAt: T0,
    updatedAt: T0,
    deletionTimestamp: null,
    finalizers: [],
  };
}

const readyArtifact = resource(
  'Artifact',
  'agent',
  {},
  {
    observedGeneration: 1,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Signed',
        message: '',
        lastTransitionTime: T0,
        observedGeneration: 1,
      },
    ],
  },
);

function rollout(strategy: Partial<RolloutSpec['strategy']> = {}, spec: Partial<RolloutSpec> = {}) {
  return resource('Rollout', 'r', {
    artifactRef: { name: 'agent' },
    target: { selector: { matchLabels: { env: 'prod' } } },
    strategy: {
      waves: [{ percent: 10 }, { percent: 50, requireApproval: true }, { percent: 100 }],
      ...strategy,
    },
    ...spec,
  }) as unknown as StoredResource<RolloutSpec, RolloutStatus>;
}

const wave = (counts: Partial<WaveCounts>): WaveCounts => ({
  devices: 0,
  queued: 0,
  assigned: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  ...counts,
});

function progress(overrides: Partial<RolloutProgress> = {}): RolloutProgress {
  return {
    startedAt: T0,
    currentWave: 1,
    approvedWave: 0,
    waves: [{ startedAt: T0 }],
    pausedBy: null,
    haltedReason: null,
    acknowledgedFailures: 0,
    aborted: null,
    completedAt: null,
    retries: 0,
    artifact: { name: 'agent', version: '1.0.0' },
    counts: [
      wave({ devices: 10, queued: 10 }),
      wave({ devices: 40, queued: 40 }),
      wave({ devices: 50, queued: 50 }),
    ],
    targeted: 100,
    ineligible: {},
    assignedLastMinute: 0,
    ...overrides,
  };
}

function observed(
  overrides: Partial<RolloutProgress> = {},
  rest: Partial<RolloutObservation> = {},
): RolloutObservation {
  return {
    artifactName: 'agent',
    artifact: readyArtifact,
    group: null,
    progress: progress(overrides),
    ...rest,
  };
}

/** The plan as a sentence: the action, or the phase and reason of the report. */
function outcome(plan: ReturnType<typeof decideRollout>): string {
  if (asksToAct(plan)) return `act ${JSON.stringify(plan.act)}`;
  const report = plan as ReconcileResult<RolloutStatus>;
  return `report ${report.status?.phase ?? ''} ${report.conditions[0].reason}`;
}

describe('wave arithmetic', () => {
  it.each([
    {
      total: 200,
      percents: [1, 10, 100],
      sizes: [2, 18, 180],
      why: 'percent of the eligible devices, cumulative',
    },
    {
      total: 10,
      percents: [1, 10, 100],
      sizes: [1, 0, 9],
      why: 'a non-zero percent rounds up: a canary of 1, not 0',
    },
    {
      total: 1,
      percents: [5, 30, 100],
      sizes: [1, 0, 0],
      why: 'one device: the first wave takes it, the rest are empty',
    },
    { total: 0, percents: [10, 100], sizes: [0, 0], why: 'no eligible device: every wave is empty' },
    { total: 7, percents: [100], sizes: [7], why: 'one wave of 100 %' },
    {
      total: 3,
      percents: [34, 67, 100],
      sizes: [2, 1, 0],
      why: 'rounding up twice can leave the last wave empty',
    },
    { total: 100, percents: [30, 30, 100], sizes: [30, 0, 70], why: 'an equal percent adds nobody' },
    { total: 10_000, percents: [1, 10, 100], sizes: [100, 900, 9000], why: 'the benchmark' },
  ])('$total devices in waves $percents: $sizes ($why)', ({ total, percents, sizes }) => {
    expect(waveSizes(total, percents)).toEqual(sizes);
    expect(waveCutoffs(total, percents).at(-1)).toBe(
      Math.min(total, Math.ceil(((percents.at(-1) ?? 0) * total) / 100)),
    );
  });

  const device = (name: string, overrides: Partial<TargetDevice> = {}): TargetDevice => ({
    name,
    platform: 'linux',
    attested: false,
    approved: true,
    deleting: false,
    busy: false,
    installed: false,
    ...overrides,
  });

  it('orders devices by the hash of rollout uid and name: the same every time, another order for another rollout', () => {
    const devices = Array.from({ length: 50 }, (_, i) => device(`d${i}`));
    const rules = { platforms: ['linux'], requireHighAssurance: false, percents: [10, 100] };
    const first = planWaves('uid-1', devices, rules);
    expect(planWaves('uid-1', [...devices].reverse(), rules)).toEqual(first);
    const canaries = (plan: typeof first) =>
      plan
        .filter((d) => d.wave === 1)
        .map((d) => d.name)
        .sort();
    expect(canaries(first)).toHaveLength(5);
    expect(canaries(planWaves('uid-2', devices, rules))).not.toEqual(canaries(first));
    for (const planned of first) expect(planned.rank).toBe(rankOf('uid-1', planned.name));
  });

  it.each([
    { overrides: { platform: 'apple' }, reason: 'Platform', why: 'a platform the artifact is not for' },
    { overrides: { approved: false }, reason: 'NotApproved', why: 'waiting for approval' },
    { overrides: { attested: false }, reason: 'Assurance', why: 'not attested under requireAssurance: high' },
    {
      overrides: { busy: true, attested: true },
      reason: 'InAnotherRollout',
      why: 'in another active rollout',
    },
    { overrides: { deleting: true }, reason: 'Deleting', why: 'being deleted' },
  ])('a device $why is ineligible ($reason) and takes no place in a wave', ({ overrides, reason }) => {
    const devices = [
      device('a', { attested: true }),
      device('b', { attested: true }),
      device('x', overrides),
    ];
    const plan = planWaves('uid', devices, {
      platforms: ['linux'],
      requireHighAssurance: true,
      percents: [50, 100],
    });
    expect(plan.find((d) => d.name === 'x')).toMatchObject({ wave: 0, ineligible: reason });
    expect(
      plan
        .filter((d) => d.wave > 0)
        .map((d) => d.wave)
        .sort(),
    ).toEqual([1, 2]);
  });

  it('devices past the last percent are outside the waves; a device already running the version is marked so', () => {
    const devices = Array.from({ length: 10 }, (_, i) => device(`d${i}`, { installed: i === 0 }));
    const plan = planWaves('uid', devices, {
      platforms: ['linux'],
      requireHighAssurance: false,
      percents: [30],
    });
    expect(plan.filter((d) => d.wave === 1)).toHaveLength(3);
    expect(plan.filter((d) => d.ineligible === 'OutsideWaves')).toHaveLength(7);
    const first = plan.find((d) => d.name === 'd0');
    expect(first?.alreadyInstalled).toBe(first?.wave === 1);
  });
});

describe('the rollout decision', () => {
  const cases: Array<{
    why: string;
    spec?: Partial<RolloutSpec>;
    strategy?: Partial<RolloutSpec['strategy']>;
    progress?: Partial<RolloutProgress>;
    rest?: Partial<RolloutObservation>;
    expected: string;
  }> = [
    {
      why: 'before it starts, a missing artifact holds it Pending',
      progress: { startedAt: null, currentWave: 0 },
      rest: { artifact: null },
      expected: 'report Pending ArtifactNotFound',
    },
    {
      why: 'an artifact that is not Ready (unsigned) holds it',
      progress: { startedAt: null, currentWave: 0 },
      rest: { artifact: resource('Artifact', 'agent', {}) },
      expected: 'report Pending ArtifactNotReady',
    },
    {
      why: 'a missing group holds it',
      progress: { startedAt: null, currentWave: 0 },
      rest: { groupName: 'g', group: null },
      expected: 'report Pending DeviceGroupNotFound',
    },
    {
      why: 'resolved references start it (the target is fixed)',
      rest: { targetCount: 3 },
      progress: { startedAt: null, currentWave: 0 },
      expected: 'act {"type":"start"}',
    },
    {
      why: 'no device matching the target yet waits (Pending), not completes',
      progress: { startedAt: null, currentWave: 0 },
      rest: { targetCount: 0 },
      expected: 'report Pending NoTargetDevices',
    },
    {
      why: 'an empty wave closes without its soak',
      strategy: { waves: [{ percent: 10, soakSeconds: 600 }, { percent: 100 }] },
      progress: { counts: [wave({}), wave({ devices: 1, queued: 1 })] },
      expected: `act {"type":"finishWave","wave":1,"soakUntil":"${NOW.toISOString()}"}`,
    },
    {
      why: 'a changed retries setting is recorded first',
      strategy: { retries: 2 },
      expected: 'act {"type":"syncRetries","retries":2}',
    },
    {
      why: 'an unopened first wave without a gate opens',
      progress: { waves: [] },
      expected: 'act {"type":"startWave","wave":1}',
    },
    {
      why: 'queued devices of the open wave are assigned',
      expected: 'act {"type":"assign","wave":1,"count":10}',
    },
    {
      why: 'the rate limit caps an assignment',
      strategy: { maxDevicesPerMinute: 4 },
      progress: { assignedLastMinute: 1 },
      expected: 'act {"type":"assign","wave":1,"count":3}',
    },
    {
      why: 'a spent rate limit waits',
      strategy: { maxDevicesPerMinute: 4 },
      progress: { assignedLastMinute: 4, windowFreesAt: LATER(20) },
      expected: 'report Progressing Progressing',
    },
    {
      why: 'a wave short of its success threshold waits',
      progress: { counts: [wave({ devices: 10, assigned: 2, succeeded: 8 })] },
      expected: 'report Progressing Progressing',
    },
    {
      why: 'a wave at its success threshold closes with its soak',
      strategy: { waves: [{ percent: 10, successThreshold: 80, soakSeconds: 60 }, { percent: 100 }] },
      progress: {
        counts: [wave({ devices: 10, assigned: 2, succeeded: 8 }), wave({ devices: 90, queued: 90 })],
      },
      expected: `act {"type":"finishWave","wave":1,"soakUntil":"${LATER(60)}"}`,
    },
    {
      why: 'a closed wave soaks until its time',
      progress: {
        waves: [{ startedAt: T0, finishedAt: T0, soakUntil: LATER(30) }],
        counts: [wave({ devices: 10, succeeded: 10 }), wave({ devices: 40, queued: 40 })],
      },
      expected: 'report Soaking Soaking',
    },
    {
      why: 'a soaked wave advances',
      progress: {
        waves: [{ startedAt: T0, finishedAt: T0, soakUntil: T0 }],
        counts: [wave({ devices: 10, succeeded: 10 }), wave({ devices: 40, queued: 40 })],
      },
      expected: 'act {"type":"advance","from":1}',
    },
    {
      why: 'a gated wave waits for approval',
      progress: {
        currentWave: 2,
        waves: [{ startedAt: T0, finishedAt: T0 }],
        counts: [
          wave({ devices: 10, succeeded: 10 }),
          wave({ devices: 40, queued: 40 }),
          wave({ devices: 50, queued: 50 }),
        ],
      },
      expected: 'report WaitingApproval WaitingApproval',
    },
    {
      why: 'an approved gated wave opens',
      progress: {
        currentWave: 2,
        approvedWave: 2,
        waves: [{ startedAt: T0, finishedAt: T0 }],
        counts: [
          wave({ devices: 10, succeeded: 10 }),
          wave({ devices: 40, queued: 40 }),
          wave({ devices: 50, queued: 50 }),
        ],
      },
      expected: 'act {"type":"startWave","wave":2}',
    },
    {
      why: 'an empty gated wave needs no approval',
      progress: {
        currentWave: 2,
        waves: [{ startedAt: T0, finishedAt: T0 }],
        counts: [wave({ devices: 1, succeeded: 1 }), wave({}), wave({})],
      },
      expected: 'act {"type":"startWave","wave":2}',
    },
    {
      why: 'the last wave at its threshold with devices still reporting waits',
      strategy: { waves: [{ percent: 100, successThreshold: 50 }] },
      progress: {
        waves: [{ startedAt: T0, finishedAt: T0 }],
        counts: [wave({ devices: 10, succeeded: 6, assigned: 4 })],
      },
      expected: 'report Progressing Progressing',
    },
    {
      why: 'the last wave done and nobody pending completes',
      strategy: { waves: [{ percent: 100 }] },
      progress: {
        waves: [{ startedAt: T0, finishedAt: T0 }],
        counts: [wave({ devices: 10, succeeded: 10 })],
      },
      expected: 'act {"type":"complete"}',
    },
    {
      why: 'failures past maxFailurePercent abort (the default)',
      strategy: { maxFailurePercent: 10 },
      progress: { counts: [wave({ devices: 10, succeeded: 8, failed: 2 })] },
      expected:
        'act {"type":"abort","reason":"2 of 10 devices that finished failed (20 %), above maxFailurePercent 10 %"}',
    },
    {
      why: 'failures below minFinishedDevices do not count yet',
      strategy: { maxFailurePercent: 10, minFinishedDevices: 5 },
      progress: { counts: [wave({ devices: 10, failed: 1, assigned: 9 })] },
      expected: 'report Progressing Progressing',
    },
    {
      why: 'onFailure: pause halts instead of aborting',
      strategy: { onFailure: 'pause' },
      progress: { counts: [wave({ devices: 10, succeeded: 5, failed: 5 })] },
      expected:
        'act {"type":"halt","reason":"5 of 10 devices that finished failed (50 %), above maxFailurePercent 10 %"}',
    },
    {
      why: 'a halted rollout stays paused until resumed',
      strategy: { onFailure: 'pause' },
      progress: { haltedReason: 'too many', counts: [wave({ devices: 10, succeeded: 5, failed: 5 })] },
      expected: 'report Paused Paused',
    },
    {
      why: 'after a resume the accepted failures do not halt again',
      strategy: { onFailure: 'pause', waves: [{ percent: 10, successThreshold: 50 }, { percent: 100 }] },
      progress: {
        acknowledgedFailures: 5,
        counts: [wave({ devices: 10, succeeded: 5, failed: 5 }), wave({ devices: 90, queued: 90 })],
      },
      expected: 'act {"type":"finishWave","wave":1,"soakUntil":"2026-12-04T12:00:00.000Z"}',
    },
    {
      why: 'a new failure after a resume halts again',
      strategy: { onFailure: 'pause' },
      progress: {
        acknowledgedFailures: 5,
        counts: [wave({ devices: 10, succeeded: 3, failed: 6, assigned: 1 })],
      },
      expected:
        'act {"type":"halt","reason":"6 of 9 devices that finished failed (66.7 %), above maxFailurePercent 10 %"}',
    },
    {
      why: 'a wave that can no longer reach its success threshold stops',
      strategy: { maxFailurePercent: 100, waves: [{ percent: 100, successThreshold: 90 }] },
      progress: { counts: [wave({ devices: 10, succeeded: 7, failed: 2, assigned: 1 })] },
      expected:
        'act {"type":"abort","reason":"wave 1 can no longer reach its success threshold of 90 % (9 of 10 devices): 2 failed"}',
    },
    { why: 'spec.paused pauses', spec: { paused: true }, expected: 'report Paused Paused' },
    { why: 'a pause action pauses', progress: { pausedBy: 'user:alice' }, expected: 'report Paused Paused' },
    {
      why: 'an aborted rollout stays aborted',
      progress: { aborted: { by: 'user:alice', at: T0, reason: 'bad build' } },
      expected: 'report Aborted Aborted',
    },
    {
      why: 'a completed rollout stays completed',
      progress: { completedAt: T0 },
      expected: 'report Completed Completed',
    },
  ];
  it.each(cases)('$why', ({ spec, strategy, progress: overrides, rest, expected }) => {
    expect(outcome(decideRollout(rollout(strategy, spec), observed(overrides, rest), NOW))).toBe(expected);
  });

  it('reports per-wave and total counts, the ineligible reasons and who approved', () => {
    const plan = decideRollout(
      rollout(),
      observed({
        currentWave: 2,
        approvedWave: 2,
        waves: [
          { startedAt: T0, finishedAt: T0 },
          { startedAt: T0, approvedBy: 'user:alice', approvedAt: T0 },
        ],
        counts: [
          wave({ devices: 10, succeeded: 9, failed: 1 }),
          wave({ devices: 40, assigned: 30, succeeded: 10 }),
          wave({ devices: 50, queued: 50 }),
        ],
        targeted: 103,
        ineligible: { Platform: 3 },
      }),
      NOW,
    ) as ReconcileResult<RolloutStatus>;
    expect(plan.status).toMatchObject({
      phase: 'Progressing',
      currentWave: 2,
      totals: {
        targeted: 103,
        ineligible: 3,
        queued: 50,
        assigned: 50,
        succeeded: 19,
        failed: 1,
        pending: 30,
      },
      ineligibleReasons: { Platform: 3 },
    });
    expect(plan.status?.waves?.[1]).toMatchObject({
      wave: 2,
      percent: 50,
      devices: 40,
      assigned: 40,
      pending: 30,
      approvedBy: 'user:alice',
    });
    expect(plan.conditions[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'Progressing' });
  });
});
