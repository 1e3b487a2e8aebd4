import { describe, expect, it } from 'vitest';
import { decideArtifact } from '../../controllers/artifact.js';
import { decideRelease, reportCa } from '../../controllers/certificate-authority.js';
import { backoffDelay } from '../../src/engine/backoff.js';
import { type Controller, type ControllerToolbox, ready } from '../../src/engine/controller.js';
import { ControllerRegistry } from '../../src/engine/controller-registry.js';
import { EngineMetrics } from '../../src/engine/metrics.js';
import { SYSTEM_CLOCK } from '../../src/engine/queue/work-queue.js';
import { MAX_ACTIONS_PER_RECONCILE, observePlanAct } from '../../src/engine/reconcile-loop.js';
import { composeStatus, mergeConditions, statusChanged, transitionRecords } from '../../src/engine/status.js';
import { type ControllerServices, KINDS } from '../../src/kinds.js';
import { kindNames } from '../../src/resources/kind.js';
import type { StoredResource } from '../../src/resources/model.js';

const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-01T00:05:00.000Z';

function stored(overrides: Partial<StoredResource> = {}): StoredResource {
  return {
    tenant: 'acme',
    kind: 'Device',
    name: 'd1',
    uid: 'u1',
    apiVersion: 'steward.dev/v1',
    labels: {},
    annotations: {},
    spec: {},
    status: {},
    generation: 1,
    resourceVersion: 1,
    createdAt: T0,
    updatedAt: T0,
    deletionTimestamp: null,
    finalizers: [],
    ...overrides,
  };
}

describe('status discipline', () => {
  it('keeps lastTransitionTime when only the reason or message changes', () => {
    const first = mergeConditions([], [ready('False', 'A', 'one')], { generation: 1 }, T0);
    const second = mergeConditions(first, [ready('False', 'B', 'two')], { generation: 2, changeset: 'c2' }, T1);
    expect(second[0]).toMatchObject({
      reason: 'B',
      lastTransitionTime: T0,
      observedGeneration: 2,
      observedChangeset: 'c2',
    });
    expect(first[0]).not.toHaveProperty('observedChangeset');
  });

  it('moves lastTransitionTime when the status changes, and keeps other condition types', () => {
    const first = mergeConditions(
      [],
      [ready('False', 'A', ''), { type: 'Other', status: 'True', reason: 'X', message: '' }],
      { generation: 1 },
      T0,
    );
    const second = mergeConditions(first, [ready('True', 'B', '')], { generation: 1 }, T1);
    expect(second.map((c) => [c.type, c.lastTransitionTime])).toEqual([
      ['Ready', T1],
      ['Other', T0],
    ]);
  });

  it('sets observedGeneration and never lets a controller set it or conditions through fields', () => {
    const status = composeStatus(
      {},
      { count: 3, observedGeneration: 99, observedChangeset: 'forged', conditions: [] },
      [ready('True', 'R', '')],
      { generation: 4, changeset: 'c4' },
      T0,
    );
    expect(status).toMatchObject({ count: 3, observedGeneration: 4, observedChangeset: 'c4' });
    expect(status.conditions).toHaveLength(1);
  });

  it('treats statuses equal as canonical JSON as unchanged (key order does not matter)', () => {
    expect(statusChanged({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(statusChanged({ a: 1 }, { a: 2 })).toBe(true);
  });

  it('journals condition transitions, not reason-only changes', () => {
    const observed = { generation: 1, changeset: 'c1' };
    const before = composeStatus({}, {}, [ready('False', 'A', '')], observed, T0);
    const sameStatus = composeStatus(before, {}, [ready('False', 'B', '')], observed, T1);
    const flipped = composeStatus(before, {}, [ready('True', 'C', '')], observed, T1);
    expect(transitionRecords(stored(), before, sameStatus)).toEqual([]);
    // Linked to the changeset observed: `journal --changeset c1` shows the apply and its effect.
    expect(transitionRecords(stored(), before, flipped)).toMatchObject([
      { operation: 'status', result: 'Ready=True', reason: 'C', changeset: 'c1', generation: 1 },
    ]);
  });
});

describe('system clock', () => {
  it('does not fire a wait longer than 24.8 days at once (Node would), it cuts it to the maximum', async () => {
    let fired = false;
    const handle = SYSTEM_CLOCK.setTimeout(() => {
      fired = true;
    }, 365 * 86_400_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    SYSTEM_CLOCK.clearTimeout(handle);
    expect(fired).toBe(false);
  });
});

describe('backoff', () => {
  const policy = { baseMs: 500, maxMs: 60_000, jitter: 0.1 };
  it('doubles from the base and stops at the cap', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, middle))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(40, policy, middle)).toBe(60_000);
  });
  it('jitters within ±10%', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(450);
    expect(backoffDelay(1, policy, () => 1)).toBe(550);
  });
});

describe('controller registry', () => {
  // The factories only capture their services; the registry reads kinds, references and watches.
  const controllers = KINDS.map((kind) => kind.controller({} as ControllerServices));
  it('has a controller for every production kind', () => {
    expect(() => new ControllerRegistry(KINDS, controllers)).not.toThrow();
  });
  it('refuses to boot when a kind has no controller', () => {
    expect(() => new ControllerRegistry([kindNames('Orphan', 'orphans', [])], [])).toThrow(
      /Orphan has a schema and no controller/,
    );
  });
  it('refuses to boot when a controller is built for a kind no line names', () => {
    expect(() => new ControllerRegistry(KINDS.slice(1), controllers)).toThrow(
      new RegExp(`built for ${KINDS[0].kind}, which no registry line names`),
    );
  });
  it('derives a watch on every referenced kind', () => {
    const registry = new ControllerRegistry(KINDS, controllers);
    expect(
      registry
        .watchesOf('CertificateAuthority')
        .map((w) => w.owner)
        .sort(),
    ).toEqual(['CertificateAuthority', 'Device', 'TrustPolicy']);
    expect(registry.watchesOf('Device').map((w) => w.owner)).toEqual(['DeviceGroup', 'Rollout']);
  });
});

describe('controllers decide', () => {
  it('an artifact with incomplete metadata is not Ready, whatever its signature (the full table: test/artifacts/decide.test.ts)', () => {
    const spec = { version: '1', digest: 'md5:x', size: 1, platforms: ['linux' as const] };
    expect(decideArtifact({ name: 'a', spec }, {}).conditions[0].reason).toBe('MetadataIncomplete');
  });
  it('a CA in use refuses deletion and names who uses it', () => {
    const result = decideRelease(['laptop-1'], []);
    expect(result).toMatchObject({ done: false, reason: 'InUse' });
    expect(decideRelease([], [])).toEqual({ done: true });
  });
  it('a CA waiting for its parent before its first certificate is not Ready', () => {
    const waiting = reportCa(
      {
        action: 'waitForParent',
        reason: 'ParentNotReady',
        pending: 'generateKeyAndCertificate',
        message: 'wait',
      },
      { material: {}, crls: { publish: [], drop: [] } },
      new Date(),
    );
    expect(waiting.conditions[0]).toMatchObject({ status: 'False', reason: 'ParentNotReady' });
  });
});

describe('metrics', () => {
  it('renders the Prometheus text format, with the queue depth read at render time', async () => {
    const metrics = new EngineMetrics();
    metrics.observeQueue({
      backend: 'in-process',
      depth: async () => ({ waiting: 2, active: 1, delayed: 0 }),
    });
    metrics.recordReconcile('Device', 'success', 0.003);
    metrics.recordRetry('Device');
    const text = await metrics.registry.metrics();
    expect(text).toContain('steward_queue_depth{backend="in-process",state="waiting"} 2');
    expect(text).toContain('steward_reconcile_total{kind="Device",result="success"} 1');
    expect(text).toContain('steward_reconcile_retries_total{kind="Device"} 1');
    expect(text).toContain('steward_reconcile_duration_seconds_bucket{le="0.005",kind="Device"} 1');
    expect(text).toContain('steward_reconcile_duration_seconds_count{kind="Device"} 1');
  });
});

describe('the engine loop: observe → plan → act', () => {
  const toolbox = {
    now: () => new Date(T0),
    read: {} as ControllerToolbox['read'],
    log: { debug() {}, info() {}, warn() {} },
  };
  /** A world of one counter: the plan wants it at `target`, one increment per action. */
  function counter(target: number, withAct = true) {
    const world = { value: 0, observed: [] as number[], actions: 0 };
    const controller: Controller<Record<string, unknown>, { value: number }, number, 'increment'> = {
      kind: 'Counter',
      async observe() {
        world.observed.push(world.value);
        return world.value;
      },
      plan: (_resource, value) =>
        value < target
          ? { act: 'increment' }
          : { status: { value }, conditions: [ready('True', 'Reached', `at ${value}`)] },
      ...(withAct
        ? {
            async act() {
              world.actions++;
              world.value++;
            },
          }
        : {}),
    };
    return { world, controller };
  }

  it('observes again after every action and reports what it saw after the last', async () => {
    const { world, controller } = counter(2);
    const result = await observePlanAct(controller, stored(), toolbox);
    expect(result).toMatchObject({ status: { value: 2 }, conditions: [{ reason: 'Reached' }] });
    expect(world.observed).toEqual([0, 1, 2]);
  });
  it('reports at once when the plan asks for nothing', async () => {
    const { world, controller } = counter(0);
    await observePlanAct(controller, stored(), toolbox);
    expect(world).toMatchObject({ observed: [0], actions: 0 });
  });
  it('gives up for a backoff when the plan still asks to act after the bound', async () => {
    const { world, controller } = counter(100);
    await expect(observePlanAct(controller, stored(), toolbox)).rejects.toThrow(
      `still asks to act after ${MAX_ACTIONS_PER_RECONCILE} actions`,
    );
    expect(world.actions).toBe(MAX_ACTIONS_PER_RECONCILE);
  });
  it('refuses a plan that asks to act for a kind that cannot', async () => {
    const { controller } = counter(1, false);
    await expect(observePlanAct(controller, stored(), toolbox)).rejects.toThrow(
      'planned an action and has no act',
    );
  });
});
