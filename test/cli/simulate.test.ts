/**
 * `steward simulate` in-process against a real Steward with a device CA: the device API found
 * through GET /api/v1/device-api (or given by flags), devices enrolled over mTLS and checking in
 * until --duration, progress on stderr, the summary (text or JSON) on stdout; usage errors.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressLine, summaryLines } from '../../src/cli/commands/simulate.js';
import type { FleetStats } from '../../src/device-agent/fleet.js';
import { deviceCa, enrollToken } from '../device-api/device-fleet.js';
import { usePkiServer } from '../pki/pki-server.js';
import { runCli, writeTree } from './harness.js';

const STATS: FleetStats = {
  devices: 10,
  enrolled: 9,
  pendingApproval: 0,
  checkIns: 120,
  updatesSucceeded: 3,
  updatesFailed: 1,
  updatesRefused: 2,
  logUploads: 2,
  renewals: 0,
  errors: { 'enroll unauthenticated': 1 },
  enrollLatency: { count: 9, p50: 21.4, p99: 40, max: 40 },
  checkInLatency: { count: 120, p50: 2.34, p99: 11.6, max: 15 },
};

describe('simulate output', () => {
  it('a progress line shows totals and the rate since the last line', () => {
    expect(progressLine(STATS, 10_000, { checkIns: 20, elapsedMs: 5_000 })).toBe(
      '[10s] enrolled 9/10, check-ins 120 (20.0/s), errors 1, check-in p50 2.3 ms, p99 12 ms, max 15 ms',
    );
  });

  it('the summary names every count, the latencies and the errors by code', () => {
    const lines = summaryLines(STATS, 12_000);
    expect(lines).toContain('check-ins:        120 in 12.0s (10.0/s)');
    expect(lines).toContain('updates:          succeeded 3, failed 1, refused 2');
    expect(lines).toContain('errors:           enroll unauthenticated 1');
  });
});

describe('steward simulate against the real server', () => {
  const handle = usePkiServer();
  const env = () => ({
    HOME: writeTree({}),
    STEWARD_URL: handle.server.url,
    STEWARD_TOKEN: handle.token,
    STEWARD_CONFIG: join(handle.database.dataDir, 'cli-config'),
  });

  it('enrolls the devices, checks in until --duration and prints the summary', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { maxUses: 3 });
    const run = await runCli(
      [
        'simulate',
        '--devices',
        '3',
        '--enroll-token',
        token,
        '--checkin-interval',
        '100ms',
        '--duration',
        '3000ms',
        '--progress',
        '500ms',
        '--prefix',
        'cli',
      ],
      { env: env() },
    );
    expect(run.stderr).toMatch(/enrolled 3\/3, check-ins \d+/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('devices:          3 (enrolled 3, waiting for approval 0)');
    expect(run.stdout).toContain('errors:           none');
    const checkIns = Number(/check-ins:\s+(\d+)/.exec(run.stdout)?.[1]);
    // 3 devices every 100 ms for 3 s is ~90; a sixth of it still shows each one checking in on its
    // timer until the end, with room for a machine busy with other suites (12 seen in 1.5 s).
    expect(checkIns).toBeGreaterThanOrEqual(15);
    const names = handle.server.services.store;
    expect(await names.get({ tenant: 'default', kind: 'Device', name: 'cli-2' })).not.toBeNull();
  });

  it('takes the device API from flags and stops on the signal; -o json', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { maxUses: 2 });
    const api = handle.server.deviceApi!.server;
    const dir = writeTree({});
    writeFileSync(join(dir, 'trust.pem'), api.trustPem);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1200);
    const run = await runCli(
      [
        'simulate',
        '--devices',
        '2',
        '--enroll-token',
        token,
        '--checkin-interval',
        '100ms',
        '--duration',
        '0',
        '--prefix',
        'flags',
        '--device-api',
        api.url,
        '--ca-file',
        join(dir, 'trust.pem'),
        '-o',
        'json',
      ],
      // No server credential: with both flags given, the CLI never calls the REST API.
      { env: { HOME: dir, STEWARD_URL: 'http://127.0.0.1:9' }, signal: controller.signal },
    );
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as FleetStats & { elapsedMs: number };
    expect(summary).toMatchObject({ devices: 2, enrolled: 2, errors: {} });
    expect(summary.checkIns).toBeGreaterThan(4);
  });

  it('refuses a missing token, a bad duration and a bad failure rate as usage errors', async () => {
    const cases = [
      [['simulate', '--devices', '2'], /--enroll-token is required/],
      [['simulate', '--devices', '2', '--enroll-token', 'x', '--duration', '5 minutes'], /--duration takes/],
      [['simulate', '--devices', '2', '--enroll-token', 'x', '--failure-rate', '2'], /--failure-rate takes/],
      [['simulate', '--enroll-token', 'x'], /--devices is required/],
    ] as const;
    for (const [argv, message] of cases) {
      const run = await runCli([...argv], { env: env() });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });

  it('refuses a --signing-keys file that is missing or not a SigningKeyList', async () => {
    const dir = writeTree({ 'keys.json': '{"kind":"Status"}' });
    for (const [file, message] of [
      [join(dir, 'keys.json'), /keys\.json is not a SigningKeyList \(steward signing-keys list -o json\)/],
      [join(dir, 'absent.json'), /cannot read .*absent\.json: ENOENT/],
    ] as const) {
      const run = await runCli(
        ['simulate', '--devices', '1', '--enroll-token', 'x', '--signing-keys', file],
        { env: env() },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
    }
  });

  it('exits 1 and says why when no device can enroll', async () => {
    const run = await runCli(
      [
        'simulate',
        '--devices',
        '2',
        '--enroll-token',
        'stw_enroll_bogus',
        '--duration',
        '300ms',
        '--progress',
        '0',
      ],
      { env: env() },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no device enrolled \(enroll unauthenticated \d+/);
  });
});
