/**
 * A prune is all or nothing even when Steward is killed (SIGKILL) in the middle of it (issue #17):
 * a real process on SQLite applies a 3,000-member apply set, then starts an apply with prune of
 * 1,500 of them and is killed while it runs. Restarted on the same data directory, the database
 * holds either the old state (every member, every device) or the new one (the pruned devices gone
 * and out of the inventory) — never half, and never a device out of step with the inventory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  killHard,
  StewardApi,
  type StewardProcess,
  sleep,
  startSteward,
} from '../rollouts/crash-support.js';
import { freshSqlite, type TestDatabase } from '../support/databases.js';
import { device } from '../support/server.js';

const MEMBERS = 3_000;
const KEPT = 1_500;
const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function env(database: TestDatabase): Record<string, string> {
  return {
    STEWARD_DATABASE_URL: database.url,
    STEWARD_DATA_DIR: database.dataDir,
    STEWARD_PORT: '0',
    STEWARD_DEVICE_PORT: '0',
    STEWARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    STEWARD_ENGINE: 'off',
  };
}

describe('a prune killed mid-way', () => {
  it('leaves the old state or the new one, whole', { timeout: 180_000 }, async () => {
    const database = freshSqlite();
    cleanups.push(() => database.drop());
    let steward: StewardProcess = await startSteward(env(database));
    cleanups.push(() => killHard(steward));
    let api = await StewardApi.login(steward.url);
    const all = Array.from({ length: MEMBERS }, (_, i) => device(`crash-${String(i).padStart(5, '0')}`));
    const first = await api.request('POST', '/api/v1/apply?applyset=crash', all);
    expect(first.status).toBe(200);

    // The prune, killed while it runs: the request is sent, the process dies a moment later.
    const pruning = api
      .request(
        'POST',
        '/api/v1/apply?applyset=crash&prune=true&maxDeletions=5000&maxDeletionPercent=100',
        all.slice(0, KEPT),
      )
      .catch(() => undefined);
    await sleep(150);
    await killHard(steward);
    await pruning;

    steward = await startSteward(env(database));
    api = await StewardApi.login(steward.url);
    const devices = (await api.request<{ items: unknown[] }>('GET', '/api/v1/devices?limit=5000')).body.items
      .length;
    const set = (
      await api.request<{ members: number; items: Array<{ name: string }> }>('GET', '/api/v1/applysets/crash')
    ).body;
    expect([MEMBERS, KEPT]).toContain(devices);
    // The inventory is in step with the devices, whichever state it is.
    expect(set.members).toBe(devices);
    // And the set can go on: applying the kept half with prune ends in the new state.
    const again = await api.request<{ deletions?: unknown[] }>(
      'POST',
      '/api/v1/apply?applyset=crash&prune=true&maxDeletions=5000&maxDeletionPercent=100',
      all.slice(0, KEPT),
    );
    expect(again.status).toBe(200);
    expect((again.body.deletions ?? []).length).toBe(devices - KEPT);
  });
});
