import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/engine/controller.js';
import { TerminalError } from '../../src/errors.js';
import { freshPostgres, freshSqlite, type TestDatabase } from '../support/databases.js';
import { gadget } from './fixtures/test-kinds.js';
import {
  converged,
  type EngineHarness,
  gadgetManifest,
  readyOf,
  startEngine,
  TENANT,
  widget,
} from './harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise the test opens when it wants a blocked reconcile to go on. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

const SETUPS = [
  { backend: 'in-process' as const, dialect: 'sqlite', create: async () => freshSqlite() },
  { backend: 'bullmq' as const, dialect: 'postgresql', create: freshPostgres },
];

describe.each(SETUPS)('engine on the $backend queue ($dialect)', ({ backend, create }) => {
  let database: TestDatabase;
  let engine: EngineHarness;

  beforeAll(async () => {
    database = await create();
    engine = await startEngine(database, backend, {
      engine: { backoff: { baseMs: 100, maxMs: 1000, jitter: 0 }, workers: 4 },
    });
  });
  afterAll(async () => {
    await engine?.close();
    await database?.drop();
  });
  afterEach(() => gadget.reset());

  const calls = (name: string) => gadget.calls.filter((call) => call.name === name && !call.deleting);

  it('reconciles a key added while it runs once more, never twice at once, and absorbs duplicates', async () => {
    const blocked = gate();
    let running = 0;
    let overlapped = false;
    gadget.behaviour = async (resource) => {
      running++;
      if (running > 1) overlapped = true;
      if (resource.generation === 1) await blocked.opened;
      running--;
      return { conditions: [ready('True', 'Reconciled', `generation ${resource.generation}`)] };
    };
    await engine.apply([gadgetManifest('dedup', { value: 'v1' })]);
    await until(() => calls('dedup').length === 1);
    for (let version = 2; version <= 6; version++)
      await engine.apply([gadgetManifest('dedup', { value: `v${version}` })]);
    blocked.open();
    const done = await engine.waitFor(
      'Gadget',
      'dedup',
      (resource) => converged(resource) && resource?.generation === 6,
    );
    await sleep(300);
    expect(overlapped).toBe(false);
    // The first run, then one more for the five changes made meanwhile (maybe one more if the
    // first run's status write conflicted and re-read): never one per change.
    expect(calls('dedup').length).toBeGreaterThanOrEqual(2);
    expect(calls('dedup').length).toBeLessThanOrEqual(3);
    expect(calls('dedup').at(-1)?.generation).toBe(6);
    expect(done?.status.observedGeneration).toBe(6);
  });

  it('retries transient errors with exponential backoff, then converges', async () => {
    let failures = 0;
    const times: number[] = [];
    gadget.behaviour = async () => {
      times.push(Date.now());
      if (failures < 3) {
        failures++;
        throw new Error('database briefly unavailable');
      }
      return { conditions: [ready('True', 'Reconciled', 'ok')] };
    };
    await engine.apply([gadgetManifest('flaky')]);
    await engine.waitFor('Gadget', 'flaky', converged);
    const gaps = times.slice(1).map((time, index) => time - times[index]);
    expect(gaps).toHaveLength(3);
    // base 100 ms, doubling, no jitter in this suite: 100, 200, 400 (+ scheduling latency).
    [100, 200, 400].forEach((expected, index) => {
      expect(gaps[index]).toBeGreaterThanOrEqual(expected - 5);
      expect(gaps[index]).toBeLessThan(expected + 400);
    });
  });

  it('records a terminal error as Ready=False with its reason and does not retry it', async () => {
    gadget.behaviour = async (resource) => {
      if (resource.spec.value === 'impossible') throw new TerminalError('ImpossibleSpec', 'cannot ever work');
      return { conditions: [ready('True', 'Reconciled', 'ok')] };
    };
    await engine.apply([gadgetManifest('doomed', { value: 'impossible' })]);
    const failed = await engine.waitFor('Gadget', 'doomed', (resource) => readyOf(resource) === 'False');
    expect(failed?.status.conditions?.find((condition) => condition.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ImpossibleSpec',
      message: 'cannot ever work',
      observedGeneration: 1,
    });
    expect(failed?.status.observedGeneration).toBe(1);
    await sleep(500);
    expect(calls('doomed')).toHaveLength(1);
    await engine.apply([gadgetManifest('doomed', { value: 'fixed' })]);
    await engine.waitFor('Gadget', 'doomed', converged);
  });

  it('honours requeueAfter', async () => {
    gadget.behaviour = async () =>
      calls('later').length === 1
        ? { conditions: [ready('False', 'Waiting', 'not yet')], requeueAfter: 300 }
        : { conditions: [ready('True', 'Reconciled', 'ok')] };
    await engine.apply([gadgetManifest('later')]);
    await engine.waitFor('Gadget', 'later', converged);
    const [first, second] = calls('later');
    expect(second.at - first.at).toBeGreaterThanOrEqual(295);
  });

  it('writes status only when it changed, never re-triggers itself, journals transitions once', async () => {
    await engine.apply([widget('quiet')]);
    await engine.waitFor('Widget', 'quiet', converged);
    const first = await engine.get('Widget', 'quiet');
    await sleep(300);
    const reconciles = await engine.services.engine.metrics.reconcileCount('Widget');
    // Nothing woke it again: its own status write did not.
    expect((await engine.get('Widget', 'quiet'))?.resourceVersion).toBe(first?.resourceVersion);
    // A resync runs it again, and the unchanged status is not written.
    await engine.services.engine.resyncAll();
    await until(async () => (await engine.services.engine.metrics.reconcileCount('Widget')) > reconciles);
    await sleep(200);
    const after = await engine.get('Widget', 'quiet');
    expect(after?.resourceVersion).toBe(first?.resourceVersion);
    expect(after?.generation).toBe(1);
    const entries = await engine.services.db
      .knex('journal_entries')
      .where({ tenant: TENANT, kind: 'Widget', name: 'quiet', operation: 'status' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor_type: 'controller',
      actor_id: 'widget-controller',
      result: 'Ready=True',
    });
  });

  it('recovers a dropped change event by resync', async () => {
    await engine.apply([widget('dropped', 'v1')]);
    await engine.waitFor('Widget', 'dropped', converged);
    const stored = (await engine.get('Widget', 'dropped'))!;
    // A write whose change event is lost: straight to the store, no ChangeFeed publish.
    await engine.services.db.transaction((trx) =>
      engine.services.store.replaceMany(trx, [
        {
          ...stored,
          spec: { value: 'v2' },
          generation: stored.generation + 1,
          resourceVersion: stored.resourceVersion + 1,
        },
      ]),
    );
    await sleep(300);
    expect((await engine.get('Widget', 'dropped'))?.status.observedGeneration).toBe(1);
    await engine.services.engine.resyncAll();
    const recovered = await engine.waitFor(
      'Widget',
      'dropped',
      (resource) => resource?.status.observedGeneration === 2,
    );
    expect(recovered?.status.echoed).toBe('v2');
  });

  it('wakes dependents through the reference index', async () => {
    gadget.behaviour = async (resource, { read }) => {
      const name = (resource.spec.widgetRef as { name: string }).name;
      const target = await read.get('Widget', name);
      const targetReady = target?.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return {
        conditions: [
          targetReady
            ? ready('True', 'WidgetReady', 'ok')
            : ready('False', 'WidgetNotReady', `${name} is not Ready`),
        ],
      };
    };
    await engine.apply([gadgetManifest('dependent', { widgetRef: { name: 'dependency' } })]);
    await engine.waitFor('Gadget', 'dependent', (resource) => readyOf(resource) === 'False');
    const index = await engine.services.db
      .knex('resource_refs')
      .where({ tenant: TENANT, from_name: 'dependent' });
    expect(index).toMatchObject([{ from_kind: 'Gadget', to_kind: 'Widget', to_name: 'dependency' }]);
    // The widget's status write (not the apply: it is not Ready then) wakes the gadget.
    await engine.apply([widget('dependency')]);
    await engine.waitFor('Gadget', 'dependent', converged);
    // Removal wakes it too.
    await engine.remove('Widget', 'dependency');
    await engine.waitFor('Gadget', 'dependent', (resource) => readyOf(resource) === 'False');
  });

  it('runs the finalizer until it lets go, then removes the resource, journaled as the controller', async () => {
    let allowed = false;
    gadget.release = async () =>
      allowed ? { done: true } : { done: false, reason: 'Busy', message: 'still busy', requeueAfter: 100 };
    await engine.apply([gadgetManifest('final')]);
    const live = await engine.waitFor('Gadget', 'final', converged);
    expect(live?.finalizers).toEqual(['test.steward.dev/gadget']);
    expect(await engine.remove('Gadget', 'final')).toBe('deleting');
    const blocked = await engine.waitFor('Gadget', 'final', (resource) =>
      Boolean(resource?.status.conditions?.some((c) => c.type === 'Deleting' && c.reason === 'Busy')),
    );
    expect(blocked?.deletionTimestamp).toBeTruthy();
    allowed = true;
    await engine.waitFor('Gadget', 'final', (resource) => resource === null);
    const [entry] = await engine.services.db
      .knex('journal_entries')
      .where({ tenant: TENANT, kind: 'Gadget', name: 'final', operation: 'delete', result: 'deleted' });
    expect(entry).toMatchObject({ actor_type: 'controller', actor_id: 'gadget-controller' });
  });

  it('never lets a status computed from an older generation overwrite a newer one', async () => {
    const blocked = gate();
    gadget.behaviour = async (resource) => {
      if (resource.generation === 1) await blocked.opened;
      return { status: { seen: resource.generation }, conditions: [ready('True', 'Reconciled', 'ok')] };
    };
    await engine.apply([gadgetManifest('stale', { value: 'v1' })]);
    await until(() => calls('stale').length === 1);
    await engine.apply([gadgetManifest('stale', { value: 'v2' })]);
    const conflictsBefore = await engine.services.engine.metrics.reconcileCount('Gadget', 'conflict');
    blocked.open();
    const done = await engine.waitFor(
      'Gadget',
      'stale',
      (resource) => resource?.status.observedGeneration === 2,
    );
    expect(done?.status.seen).toBe(2);
    expect(await engine.services.engine.metrics.reconcileCount('Gadget', 'conflict')).toBeGreaterThan(
      conflictsBefore,
    );
    const statusEntries = await engine.services.db
      .knex('journal_entries')
      .where({ tenant: TENANT, kind: 'Gadget', name: 'stale', operation: 'status' });
    // The generation-1 write never landed: the only transition recorded is for generation 2.
    expect(statusEntries.map((entry: { generation: number }) => Number(entry.generation))).toEqual([2]);
  });
});
