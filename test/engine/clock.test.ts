import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/engine/controller.js';
import { freshSqlite, type TestDatabase } from '../support/databases.js';
import { gadget } from './fixtures/test-kinds.js';
import { converged, type EngineHarness, gadgetManifest, startEngine } from './harness.js';
import { ManualClock } from './manual-clock.js';

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('backoff and requeueAfter on an injected clock (in-process queue)', () => {
  let database: TestDatabase;
  let engine: EngineHarness;
  const clock = new ManualClock();

  beforeAll(async () => {
    database = freshSqlite();
    engine = await startEngine(database, 'in-process', {
      clock,
      engine: { backoff: { baseMs: 1000, maxMs: 8000, jitter: 0 } },
    });
  });
  afterAll(async () => {
    await engine?.close();
    await database?.drop();
    gadget.reset();
  });

  it('retries exactly at 1 s, 2 s, 4 s, 8 s, 8 s (capped), and stamps conditions with the clock', async () => {
    let failures = 0;
    gadget.behaviour = async () => {
      if (failures++ < 5) throw new Error('transient');
      return { conditions: [ready('True', 'Reconciled', 'ok')], requeueAfter: 60_000 };
    };
    const start = clock.now();
    await engine.apply([gadgetManifest('clocked')]);
    await settle();
    expect(gadget.calls).toHaveLength(1);
    for (const delay of [1000, 2000, 4000, 8000, 8000]) {
      const before = gadget.calls.length;
      clock.advance(delay - 1);
      await settle();
      expect(gadget.calls).toHaveLength(before);
      clock.advance(1);
      await settle();
      expect(gadget.calls).toHaveLength(before + 1);
    }
    expect(gadget.calls.map((call) => call.at - start)).toEqual([0, 1000, 3000, 7000, 15000, 23000]);
    const done = await engine.get('Gadget', 'clocked');
    expect(converged(done)).toBe(true);
    expect(done?.status.conditions?.[0].lastTransitionTime).toBe(new Date(start + 23000).toISOString());
    // requeueAfter: one more run exactly 60 s later.
    clock.advance(59_999);
    await settle();
    expect(gadget.calls).toHaveLength(6);
    clock.advance(1);
    await settle();
    expect(gadget.calls).toHaveLength(7);
  });
});
