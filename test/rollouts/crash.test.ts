/**
 * Crash safety of rollouts (issue #15), with real processes: Steward is killed with SIGKILL mid-wave
 * (some of the wave's devices told and reporting, the rest queued behind maxDevicesPerMinute) while
 * a simulated fleet keeps checking in. After a restart (SQLite, in-process queue) or with the other
 * process taking over (PostgreSQL + BullMQ, two processes), the rollout completes with every
 * eligible device told once and succeeded once: attempts 1 in the database, one assignment seen by
 * each device, the status totals equal to the success reports devices sent, the journal's assign
 * entries adding up to the target.
 *
 * The rate limit is what makes the kill land mid-wave surely: the second wave's devices beyond the
 * minute's allowance stay queued until the window frees, a minute after the first assignment. That
 * minute is most of the run time, so the two cases run concurrently.
 */
import knex, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimulatedFleet } from '../../src/device-agent/fleet.js';
import type { SigningKey } from '../../src/device-agent/signing-keyring.js';
import type { RolloutStatus } from '../../src/kinds/generated/v1/rollout.js';
import { freshPostgres, freshSqlite, type TestDatabase } from '../support/databases.js';
import { cleanRedis, REDIS_URL, uniquePrefix } from '../engine/harness.js';
import {
  ADMIN_PASSWORD,
  type DeviceLedger,
  deviceCaAndToken,
  Forwarder,
  freePort,
  killHard,
  recordingFleet,
  signedArtifact,
  StewardApi,
  type StewardProcess,
  startSteward,
  waitUntil,
} from './crash-support.js';

const ROLLOUT = 'crash';
const ARTIFACT = 'agent-crash';
/** Eligible devices (linux) and devices the artifact's platforms leave out (windows). */
const LINUX = 60;
const WINDOWS = 4;
/** Wave 1 is 10 % (6 devices); wave 2's 54 get the minute's 34 left, the other 20 wait. */
const PER_MINUTE = 40;
const CHECK_IN_MS = 1_000;

const rolloutManifest = {
  apiVersion: 'steward.dev/v1',
  kind: 'Rollout',
  metadata: { name: ROLLOUT },
  spec: {
    artifactRef: { name: ARTIFACT },
    target: { selector: { matchLabels: { fleet: 'crash' } } },
    strategy: { waves: [{ percent: 10 }, { percent: 100 }], maxDevicesPerMinute: PER_MINUTE },
  },
};

interface DeviceRow {
  device: string;
  wave: number;
  state: string;
  reason: string | null;
  attempts: number;
}

async function rows(db: Knex): Promise<DeviceRow[]> {
  const found = await db('rollout_devices')
    .where({ rollout: ROLLOUT })
    .select('device', 'wave', 'state', 'reason', 'attempts');
  return found.map((row) => ({ ...row, wave: Number(row.wave), attempts: Number(row.attempts) }));
}

function countStates(found: DeviceRow[], wave: number): Record<string, number> {
  const counts: Record<string, number> = { queued: 0, assigned: 0, succeeded: 0 };
  for (const row of found) if (row.wave === wave) counts[row.state] = (counts[row.state] ?? 0) + 1;
  return counts;
}

/**
 * Waits until wave 2 is under way with devices still queued behind the rate limit (at least one
 * device of it has reported, so devices are mid-report too), then answers its counts.
 */
function midWave(api: () => StewardApi): Promise<Record<string, number>> {
  return waitUntil(
    'wave 2 under way with devices queued',
    async () => {
      const list = await api().get<{ items: DeviceRow[] }>(
        `/api/v1/rollouts/${ROLLOUT}/devices?wave=2&limit=5000`,
      );
      const counts = countStates(list.items, 2);
      return counts.queued > 0 && counts.succeeded > 0 ? counts : undefined;
    },
    40_000,
    50,
  );
}

async function completed(api: () => StewardApi): Promise<RolloutStatus> {
  return waitUntil(
    'the rollout to complete',
    async () => {
      const rollout = await api().get<{ status?: RolloutStatus }>(`/api/v1/rollouts/${ROLLOUT}`);
      if (rollout.status?.phase === 'Aborted') throw new Error(`aborted: ${rollout.status.message}`);
      return rollout.status?.phase === 'Completed' ? rollout.status : undefined;
    },
    100_000,
    250,
  );
}

/** Every eligible device told once and succeeded once, by every account: devices, rows, status, journal. */
async function expectEveryDeviceOnce(
  api: StewardApi,
  db: Knex,
  status: RolloutStatus,
  ledgers: Map<string, DeviceLedger>,
  fleets: SimulatedFleet[],
): Promise<void> {
  const found = await rows(db);
  const eligible = found.filter((row) => row.wave > 0);
  expect(found).toHaveLength(LINUX + WINDOWS);
  expect(eligible).toHaveLength(LINUX);
  const unfinished = eligible.filter((row) => row.state !== 'succeeded' || row.attempts !== 1);
  expect(unfinished, 'every eligible device succeeded on its first and only attempt').toEqual([]);
  expect(found.filter((row) => row.wave === 0).map((row) => row.reason)).toEqual(
    Array(WINDOWS).fill('Platform'),
  );

  // What the devices saw: one assignment each (attempt 1), one success each; nothing for the others.
  const reported = new Set<string>();
  for (const row of found) {
    const ledger = ledgers.get(row.device);
    expect(ledger, `device ${row.device} was not one of the fleet`).toBeDefined();
    if (row.wave === 0) {
      expect(ledger?.assignments.size, `${row.device} is ineligible`).toBe(0);
      continue;
    }
    expect([...(ledger?.assignments ?? [])], `${row.device}'s assignments`).toEqual([
      `${ROLLOUT}/${ARTIFACT}/2.0.0/1`,
    ]);
    expect(ledger?.successes.size, `${row.device}'s success reports`).toBe(1);
    reported.add(row.device);
  }
  const sent = [...ledgers.values()].reduce((sum, ledger) => sum + ledger.successes.size, 0);
  const installs = fleets.reduce((sum, fleet) => sum + fleet.stats().updatesSucceeded, 0);
  expect(sent).toBe(LINUX);
  expect(installs).toBe(LINUX);
  expect(status.totals).toMatchObject({
    targeted: LINUX + WINDOWS,
    ineligible: WINDOWS,
    queued: 0,
    assigned: sent,
    succeeded: sent,
    failed: 0,
    pending: 0,
    cancelled: 0,
  });
  expect(status.waves?.map((wave) => [wave.devices, wave.succeeded])).toEqual([
    [6, 6],
    [54, 54],
  ]);

  // The journal: each assign entry says how many devices it told; together, the target once.
  const journal = await api.get<{ items: Array<{ reason: string | null }> }>(
    `/api/v1/journal?kind=Rollout&name=${ROLLOUT}&operation=assign&limit=1000`,
  );
  const perWave = [0, 0];
  for (const entry of journal.items) {
    const told = /^(\d+) devices of wave (\d+) /.exec(entry.reason ?? '');
    expect(told, `assign entry "${entry.reason}"`).not.toBeNull();
    perWave[Number(told?.[2]) - 1] += Number(told?.[1]);
  }
  expect(perWave).toEqual([6, 54]);
  // The rate limit held across the crash: wave 2 took at least two assign steps.
  expect(journal.items.length).toBeGreaterThanOrEqual(3);
}

/**
 * Runs each fleet on its own signal (a fleet sizes its signal's listener limit to itself); answers
 * how to stop them all and wait for their last calls.
 */
function runFleets(fleets: SimulatedFleet[]): () => Promise<void> {
  const controllers = fleets.map(() => new AbortController());
  const runs = fleets.map((fleet, index) => fleet.run(controllers[index].signal));
  return async () => {
    for (const controller of controllers) controller.abort();
    await Promise.all(runs);
  };
}

/** Failed check-ins: the devices felt the crash (and their results waited for the next call). */
function failedCheckIns(fleets: SimulatedFleet[]): number {
  let failed = 0;
  for (const fleet of fleets)
    for (const [call, count] of Object.entries(fleet.stats().errors))
      if (call.startsWith('checkIn ')) failed += count;
  return failed;
}

/** Enrolls `count` devices of `platform` through `url`; the fleet is not running yet. */
async function enrolledFleet(
  api: { url: string; trustPem: string; token: string; signingKeys: SigningKey[] },
  prefix: string,
  count: number,
  ledgers: Map<string, DeviceLedger>,
  platform = 'linux',
): Promise<SimulatedFleet> {
  const fleet = recordingFleet(
    {
      url: api.url,
      trustPem: api.trustPem,
      enrollToken: api.token,
      signingKeys: api.signingKeys,
      devices: count,
      prefix,
      platform,
      checkInIntervalMs: CHECK_IN_MS,
      jitter: 0.5,
    },
    ledgers,
  );
  await fleet.enroll();
  expect(fleet.stats().enrolled).toBe(count);
  return fleet;
}

function sqliteFile(database: TestDatabase): Knex {
  return knex({
    client: 'sqlite3',
    connection: { filename: database.url.slice('sqlite:'.length) },
    useNullAsDefault: true,
  });
}

describe.concurrent('a rollout survives kill -9 mid-wave', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('SQLite, in-process queue: restarted on the same data directory and ports, it continues where it was', async () => {
    const database = freshSqlite();
    const processes: StewardProcess[] = [];
    let stopFleets = async () => {};
    cleanup.push(async () => {
      await stopFleets();
      for (const steward of processes) await killHard(steward);
      await database.drop();
    });
    const env = {
      STEWARD_DATABASE_URL: database.url,
      STEWARD_DATA_DIR: database.dataDir,
      STEWARD_PORT: String(await freePort()),
      STEWARD_DEVICE_PORT: String(await freePort()),
      STEWARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    };
    processes.push(await startSteward(env));
    let api = await StewardApi.login(processes[0].url);
    const token = await deviceCaAndToken(api, LINUX + WINDOWS);
    const signingKeys = await signedArtifact(api, ARTIFACT);
    const { url, trustPem } = await api.get<{ url: string; trustPem: string }>('/api/v1/device-api');
    const ledgers = new Map<string, DeviceLedger>();
    const fleets = [
      await enrolledFleet({ url, trustPem, token, signingKeys }, 'sq', LINUX, ledgers),
      await enrolledFleet({ url, trustPem, token, signingKeys }, 'sqw', WINDOWS, ledgers, 'windows'),
    ];
    cleanup.push(() => {
      for (const fleet of fleets) fleet.close();
    });
    // The fleet keeps checking in through the crash and the restart (agents reconnect).
    stopFleets = runFleets(fleets);
    await api.post('/api/v1/apply', [rolloutManifest]);

    const seen = await midWave(() => api);
    await killHard(processes[0]);
    const atKill = sqliteFile(database);
    const stored = countStates(await rows(atKill), 2);
    await atKill.destroy();
    expect(stored.queued, 'killed with wave 2 devices still queued').toBeGreaterThan(0);
    expect(stored.assigned + stored.succeeded).toBeGreaterThan(0);
    console.info(`SQLite: killed in wave 2 (seen ${JSON.stringify(seen)}, stored ${JSON.stringify(stored)})`);

    processes.push(await startSteward(env));
    api = api.on(processes[1].url);
    const status = await completed(() => api);
    await stopFleets();
    expect(failedCheckIns(fleets), 'check-ins failed while Steward was down').toBeGreaterThan(0);
    const db = sqliteFile(database);
    try {
      await expectEveryDeviceOnce(api, db, status, ledgers, fleets);
    } finally {
      await db.destroy();
    }
  }, 150_000);

  it('PostgreSQL + BullMQ, two processes: one is killed, its devices move to the other, which finishes', async () => {
    const database = await freshPostgres();
    const prefix = uniquePrefix();
    const processes: StewardProcess[] = [];
    const fronts: Forwarder[] = [];
    let stopFleets = async () => {};
    cleanup.push(async () => {
      await stopFleets();
      for (const front of fronts) front.close();
      for (const steward of processes) await killHard(steward);
      await cleanRedis(prefix);
      await database.drop();
    });
    const env = {
      STEWARD_DATABASE_URL: database.url,
      // One data directory: one master key, and one device API CA that agents trust on both.
      STEWARD_DATA_DIR: database.dataDir,
      STEWARD_REDIS_URL: REDIS_URL,
      STEWARD_QUEUE_PREFIX: prefix,
      // A killed process's locked keys go back to the queue after 2 s, not 30.
      STEWARD_QUEUE_LOCK_SECONDS: '2',
      STEWARD_PORT: '0',
      STEWARD_DEVICE_PORT: '0',
      STEWARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    };
    // One after the other: the first creates the schema, the admin and the device API CA.
    processes.push(await startSteward(env));
    processes.push(await startSteward(env));
    const [doomed, survivor] = processes;
    const api = await StewardApi.login(doomed.url);
    const surviving = api.on(survivor.url);
    const token = await deviceCaAndToken(api, LINUX + WINDOWS);
    const signingKeys = await signedArtifact(api, ARTIFACT);
    const { trustPem } = await api.get<{ trustPem: string }>('/api/v1/device-api');
    fronts.push(await Forwarder.listen(doomed.devicePort), await Forwarder.listen(survivor.devicePort));
    const ledgers = new Map<string, DeviceLedger>();
    const half = LINUX / 2;
    const fleets = [
      await enrolledFleet({ url: fronts[0].url, trustPem, token, signingKeys }, 'pga', half, ledgers),
      await enrolledFleet({ url: fronts[1].url, trustPem, token, signingKeys }, 'pgb', LINUX - half, ledgers),
      await enrolledFleet(
        { url: fronts[1].url, trustPem, token, signingKeys },
        'pgw',
        WINDOWS,
        ledgers,
        'windows',
      ),
    ];
    cleanup.push(() => {
      for (const fleet of fleets) fleet.close();
    });
    stopFleets = runFleets(fleets);
    await api.post('/api/v1/apply', [rolloutManifest]);

    const seen = await midWave(() => surviving);
    await killHard(doomed);
    // The balancer notices: the killed process's devices reconnect to the other one.
    fronts[0].target = survivor.devicePort;
    const db = knex({ client: 'pg', connection: database.url });
    try {
      const stored = countStates(await rows(db), 2);
      expect(stored.queued, 'killed with wave 2 devices still queued').toBeGreaterThan(0);
      console.info(
        `PostgreSQL: killed in wave 2 (seen ${JSON.stringify(seen)}, stored ${JSON.stringify(stored)})`,
      );
      const status = await completed(() => surviving);
      await stopFleets();
      expect(failedCheckIns(fleets), 'check-ins failed on the killed process').toBeGreaterThan(0);
      await expectEveryDeviceOnce(surviving, db, status, ledgers, fleets);
    } finally {
      await db.destroy();
    }
  }, 150_000);
});
