/**
 * A rollout's timers across kill -9 (SQLite, in-process queue): a rollout killed while soaking
 * must advance when its soak ends, after a restart, with no device checking in meanwhile.
 *
 * FAILS today (a real bug, reported with issue #15 part 3): the soak's wake-up is the reconcile's
 * requeueAfter, which the in-process queue keeps in memory; it dies with the process, and the engine
 * queues at start-up only resources whose status is behind their generation. A soaking rollout is
 * converged by that measure, so the restarted process leaves it Soaking until something else wakes
 * it: a device's report or presence, an action, or the periodic resync (STEWARD_RESYNC_SECONDS,
 * 600 s by default; never with 0). The same holds for a wave waiting for maxDevicesPerMinute's
 * window. BullMQ keeps delayed jobs in Redis and is not affected.
 */
import { expect, it } from 'vitest';
import type { RolloutStatus } from '../../src/kinds/generated/v1/rollout.js';
import { freshSqlite } from '../support/databases.js';
import {
  ADMIN_PASSWORD,
  type DeviceLedger,
  deviceCaAndToken,
  freePort,
  killHard,
  recordingFleet,
  signedArtifact,
  StewardApi,
  type StewardProcess,
  sleep,
  startSteward,
  waitUntil,
} from './crash-support.js';

const DEVICES = 5;
const SOAK_SECONDS = 10;

it('a rollout killed while soaking advances to its next wave when the soak ends, after a restart', async () => {
  const database = freshSqlite();
  const processes: StewardProcess[] = [];
  const env = {
    STEWARD_DATABASE_URL: database.url,
    STEWARD_DATA_DIR: database.dataDir,
    STEWARD_PORT: String(await freePort()),
    STEWARD_DEVICE_PORT: String(await freePort()),
    STEWARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
  };
  try {
    processes.push(await startSteward(env));
    let api = await StewardApi.login(processes[0].url);
    const token = await deviceCaAndToken(api, DEVICES);
    const signingKeys = await signedArtifact(api, 'agent-crash');
    const { url, trustPem } = await api.get<{ url: string; trustPem: string }>('/api/v1/device-api');
    const ledgers = new Map<string, DeviceLedger>();
    const fleet = recordingFleet(
      {
        url,
        trustPem,
        enrollToken: token,
        signingKeys,
        devices: DEVICES,
        prefix: 'soak',
        checkInIntervalMs: 500,
      },
      ledgers,
    );
    await fleet.enroll();
    for (const ledger of ledgers.values()) ledger.online = true;
    const stop = new AbortController();
    const running = fleet.run(stop.signal);
    await api.post('/api/v1/apply', [
      {
        apiVersion: 'steward.dev/v1',
        kind: 'Rollout',
        metadata: { name: 'soak' },
        spec: {
          artifactRef: { name: 'agent-crash' },
          target: { selector: { matchLabels: { fleet: 'crash' } } },
          strategy: { waves: [{ percent: 20, soakSeconds: SOAK_SECONDS }, { percent: 100 }] },
        },
      },
    ]);
    const rollout = async () => (await api.get<{ status?: RolloutStatus }>('/api/v1/rollouts/soak')).status;
    const soaking = await waitUntil(
      'wave 1 to soak',
      async () => {
        const status = await rollout();
        return status?.phase === 'Soaking' ? status : undefined;
      },
      30_000,
    );
    // The devices go quiet (a fleet that checks in hourly), then Steward dies mid-soak.
    stop.abort();
    await running;
    fleet.close();
    await killHard(processes[0]);
    processes.push(await startSteward(env));
    api = api.on(processes[1].url);
    await sleep(Math.max(0, new Date(soaking.soakUntil ?? 0).getTime() - Date.now()) + 10_000);
    const after = await rollout();
    expect(
      { phase: after?.phase, currentWave: after?.currentWave, pending: after?.totals?.pending },
      `10 s after the soak ended: ${after?.message}`,
    ).toEqual({ phase: 'Progressing', currentWave: 2, pending: DEVICES - 1 });
  } finally {
    for (const steward of processes) await killHard(steward);
    await database.drop();
  }
}, 90_000);
