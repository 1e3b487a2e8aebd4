/**
 * Crash safety of rollouts (issue #15), with real processes: Steward is killed with SIGKILL mid-wave
 * while a simulated fleet keeps checking in and reporting. After a restart on the same data
 * directory and ports (SQLite, in-process queue), or with the other process taking the killed one's
 * devices (PostgreSQL + BullMQ, two processes), the rollout completes with every eligible device
 * told once and succeeded once: attempts 1 in the database, one assignment seen by each device, the
 * status totals equal to the success reports devices sent, the journal's assign entries adding up
 * to the target, wave by wave.
 *
 * What makes the kill land mid-wave surely: two devices of wave 2 are offline (their check-ins
 * fail before reaching the network) until after the crash, so wave 2 cannot finish before it; the
 * kill comes as soon as wave 2's first report is stored, while the rest of the wave is reporting and
 * wave 3 is queued (behind an approval gate, approved on the process that finishes). The offline
 * devices then learn the assignment the killed process made from the one that finishes.
 * (maxDevicesPerMinute is not the gate: its window is a wall-clock minute, too long for this suite.)
 */
import knex, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimulatedFleet } from '../../src/device-agent/fleet.js';
import type { SigningKey } from '../../src/device-agent/signing-keyring.js';
import type { RolloutStatus } from '../../src/kinds/generated/v1/rollout.js';
import { cleanRedis, REDIS_URL, uniquePrefix } from '../engine/harness.js';
import { freshPostgres, freshSqlite, type TestDatabase } from '../support/databases.js';
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
/** 10 %, 50 %, 100 % of 60. */
const WAVE_SIZES = [6, 24, 30];
/** Wave 2 devices kept offline until after the crash. */
const OFFLINE = 2;
const CHECK_IN_MS = 1_000;

const rolloutManifest = {
  apiVersion: 'steward.dev/v1',
  kind: 'Rollout',
  metadata: { name: ROLLOUT },
  spec: {
    artifactRef: { name: ARTIFACT },
    target: { selector: { matchLabels: { fleet: 'crash' } } },
    strategy: { waves: [{ percent: 10 }, { percent: 50 }, { percent: 100, requireApproval: true }] },
  },
};

interface DeviceRow {
  device: string;
  wave: number;
  state: string;
  reason?: string | null;
  attempts: number;
}

async function storedRows(db: Knex): Promise<DeviceRow[]> {
  const found = await db('rollout_devices')
    .where({ rollout: ROLLOUT })
    .select('device', 'wave', 'state', 'reason', 'attempts');
  return found.map((row) => ({ ...row, wave: Number(row.wave), attempts: Number(row.attempts) }));
}

async function listedRows(api: StewardApi): Promise<DeviceRow[]> {
  return (await api.get<{ items: DeviceRow[] }>(`/api/v1/rollouts/${ROLLOUT}/devices?limit=5000`)).items;
}

/** Device counts by state, per wave (index 0: ineligible). */
function tally(rows: DeviceRow[]): Array<Record<string, number>> {
  const waves = Array.from({ length: WAVE_SIZES.length + 1 }, () => ({}) as Record<string, number>);
  for (const row of rows) waves[row.wave][row.state] = (waves[row.wave][row.state] ?? 0) + 1;
  return waves;
}

/**
 * Takes OFFLINE devices of wave 2 offline and brings every other device online once the rollout
 * fixed its waves; answers the offline ones after wave 2's first success is stored (so the rest of
 * the wave is being told and reporting, and wave 2 cannot finish without the offline devices).
 */
async function untilMidWave(api: () => StewardApi, ledgers: Map<string, DeviceLedger>): Promise<string[]> {
  const fixed = await waitUntil(
    'the rollout to fix its waves',
    async () => {
      const rows = await listedRows(api());
      return rows.length === LINUX + WINDOWS ? rows : undefined;
    },
    30_000,
  );
  const offline = fixed
    .filter((row) => row.wave === 2)
    .map((row) => row.device)
    .sort()
    .slice(0, OFFLINE);
  for (const [name, ledger] of ledgers) ledger.online = !offline.includes(name);
  await waitUntil(
    "wave 2's first success",
    async () => ((tally(await listedRows(api()))[2].succeeded ?? 0) > 0 ? true : undefined),
    30_000,
    20,
  );
  return offline;
}

/** What the database holds right after the kill: mid-wave 2, wave 3 untouched. */
async function expectMidWave(db: Knex, offline: string[]): Promise<Array<Record<string, number>>> {
  const rows = await storedRows(db);
  const waves = tally(rows);
  expect(waves[1]).toEqual({ succeeded: WAVE_SIZES[0] });
  expect(waves[2].succeeded).toBeGreaterThan(0);
  expect(waves[2].assigned).toBeGreaterThanOrEqual(OFFLINE);
  expect(waves[3]).toEqual({ queued: WAVE_SIZES[2] });
  for (const name of offline)
    expect(rows.find((row) => row.device === name)).toMatchObject({ state: 'assigned', attempts: 1 });
  return waves;
}

async function phase(api: StewardApi): Promise<RolloutStatus | undefined> {
  return (await api.get<{ status?: RolloutStatus }>(`/api/v1/rollouts/${ROLLOUT}`)).status;
}

/** Brings the offline devices back, approves wave 3 when the rollout waits for it, waits for the end. */
async function finish(api: () => StewardApi, ledgers: Map<string, DeviceLedger>): Promise<RolloutStatus> {
  for (const ledger of ledgers.values()) ledger.online = true;
  await waitUntil(
    'wave 3 to wait for approval',
    async () => ((await phase(api()))?.phase === 'WaitingApproval' ? true : undefined),
    60_000,
  );
  await api().post(`/api/v1/rollouts/${ROLLOUT}/approve`, {});
  const status = await waitUntil(
    'the rollout to end',
    async () => {
      const current = await phase(api());
      return current?.phase === 'Completed' || current?.phase === 'Aborted' ? current : undefined;
    },
    60_000,
  );
  expect(status.phase, status.message).toBe('Completed');
  return status;
}

/** Every eligible device told once and succeeded once, by every account: devices, rows, status, journal. */
async function expectEveryDeviceOnce(
  api: StewardApi,
  db: Knex,
  status: RolloutStatus,
  ledgers: Map<string, DeviceLedger>,
  fleets: SimulatedFleet[],
): Promise<void> {
  const rows = await storedRows(db);
  expect(rows).toHaveLength(LINUX + WINDOWS);
  const eligible = rows.filter((row) => row.wave > 0);
  expect(eligible).toHaveLength(LINUX);
  const unfinished = eligible.filter((row) => row.state !== 'succeeded' || row.attempts !== 1);
  expect(unfinished, 'every eligible device succeeded on its first and only attempt').toEqual([]);
  expect(rows.filter((row) => row.wave === 0).map((row) => row.reason)).toEqual(
    Array(WINDOWS).fill('Platform'),
  );

  // What the devices saw: one assignment each (attempt 1), one success each; nothing for the others.
  for (const row of rows) {
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
  expect(status.waves?.map((wave) => [wave.devices, wave.succeeded])).toEqual(
    WAVE_SIZES.map((size) => [size, size]),
  );

  // The journal: each assign entry says how many devices it told; together, each wave once.
  const journal = await api.get<{ items: Array<{ reason: string | null }> }>(
    `/api/v1/journal?kind=Rollout&name=${ROLLOUT}&operation=assign&limit=1000`,
  );
  const perWave = WAVE_SIZES.map(() => 0);
  for (const entry of journal.items) {
    const told = /^(\d+) devices of wave (\d+) /.exec(entry.reason ?? '');
    expect(told, `assign entry "${entry.reason}"`).not.toBeNull();
    perWave[Number(told?.[2]) - 1] += Number(told?.[1]);
  }
  expect(perWave).toEqual(WAVE_SIZES);
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

/** Check-ins that failed on the wire: the devices felt the crash (their results waited). */
function failedCheckIns(ledgers: Map<string, DeviceLedger>): number {
  return [...ledgers.values()].reduce((sum, ledger) => sum + ledger.failedCheckIns, 0);
}

/** Enrolls `count` devices of `platform` through `api.url`; the fleet is not running yet. */
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

/** Seconds since the test began, for the progress lines. */
function stopwatch(): () => string {
  const started = Date.now();
  return () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
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
    const elapsed = stopwatch();
    const database = freshSqlite();
    const processes: StewardProcess[] = [];
    const fleets: SimulatedFleet[] = [];
    let stopFleets = async () => {};
    cleanup.push(async () => {
      await stopFleets();
      for (const fleet of fleets) fleet.close();
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
    fleets.push(
      ...(await Promise.all([
        enrolledFleet({ url, trustPem, token, signingKeys }, 'sq', LINUX, ledgers),
        enrolledFleet({ url, trustPem, token, signingKeys }, 'sqw', WINDOWS, ledgers, 'windows'),
      ])),
    );
    // The fleet keeps checking in through the crash and the restart (agents reconnect).
    stopFleets = runFleets(fleets);
    await api.post('/api/v1/apply', [rolloutManifest]);

    const offline = await untilMidWave(() => api, ledgers);
    await killHard(processes[0]);
    const atKill = sqliteFile(database);
    try {
      const waves = await expectMidWave(atKill, offline);
      console.info(`SQLite: killed at ${elapsed()} with ${JSON.stringify(waves.slice(1))}`);
    } finally {
      await atKill.destroy();
    }

    processes.push(await startSteward(env));
    api = api.on(processes[1].url);
    const status = await finish(() => api, ledgers);
    console.info(`SQLite: Completed at ${elapsed()}`);
    await stopFleets();
    expect(failedCheckIns(ledgers), 'check-ins failed while Steward was down').toBeGreaterThan(0);
    const db = sqliteFile(database);
    try {
      await expectEveryDeviceOnce(api, db, status, ledgers, fleets);
    } finally {
      await db.destroy();
    }
  }, 120_000);

  it('PostgreSQL + BullMQ, two processes: one is killed, its devices move to the other, which finishes', async () => {
    const elapsed = stopwatch();
    const database = await freshPostgres();
    const prefix = uniquePrefix();
    const processes: StewardProcess[] = [];
    const fronts: Forwarder[] = [];
    const fleets: SimulatedFleet[] = [];
    let stopFleets = async () => {};
    cleanup.push(async () => {
      await stopFleets();
      for (const fleet of fleets) fleet.close();
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
    const doomed = await startSteward(env);
    processes.push(doomed);
    // The second starts once the first has made the schema, the admin and the device API CA files
    // (it finds them), while the first is set up.
    const starting = startSteward(env).then((steward) => {
      processes.push(steward);
      return steward;
    });
    starting.catch(() => {}); // awaited below
    const api = await StewardApi.login(doomed.url);
    const token = await deviceCaAndToken(api, LINUX + WINDOWS);
    const signingKeys = await signedArtifact(api, ARTIFACT);
    const { trustPem } = await api.get<{ trustPem: string }>('/api/v1/device-api');
    const survivor = await starting;
    const surviving = api.on(survivor.url);
    // A balancer in front of each process; half the fleet talks to each.
    fronts.push(await Forwarder.listen(doomed.devicePort), await Forwarder.listen(survivor.devicePort));
    const ledgers = new Map<string, DeviceLedger>();
    const [first, second] = fronts.map((front) => ({ url: front.url, trustPem, token, signingKeys }));
    fleets.push(
      ...(await Promise.all([
        enrolledFleet(first, 'pga', LINUX / 2, ledgers),
        enrolledFleet(second, 'pgb', LINUX / 2, ledgers),
        enrolledFleet(first, 'pgw', WINDOWS / 2, ledgers, 'windows'),
        enrolledFleet(second, 'pgx', WINDOWS / 2, ledgers, 'windows'),
      ])),
    );
    stopFleets = runFleets(fleets);
    await api.post('/api/v1/apply', [rolloutManifest]);

    const offline = await untilMidWave(() => surviving, ledgers);
    await killHard(doomed);
    // The balancer notices: the killed process's devices reconnect to the other one.
    fronts[0].target = survivor.devicePort;
    const db = knex({ client: 'pg', connection: database.url });
    try {
      // The survivor goes on meanwhile, but wave 2 cannot finish without the offline devices.
      const waves = await expectMidWave(db, offline);
      console.info(`PostgreSQL: killed at ${elapsed()} with ${JSON.stringify(waves.slice(1))}`);
      const status = await finish(() => surviving, ledgers);
      console.info(`PostgreSQL: Completed at ${elapsed()}`);
      await stopFleets();
      expect(failedCheckIns(ledgers), 'check-ins failed on the killed process').toBeGreaterThan(0);
      await expectEveryDeviceOnce(surviving, db, status, ledgers, fleets);
    } finally {
      await db.destroy();
    }
  }, 120_000);
});
