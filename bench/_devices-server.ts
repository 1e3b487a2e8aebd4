/**
 * The Steward of `npm run bench -- devices`, as a child process of its own so that its CPU time
 * is its alone (/proc/<pid>/stat): SQLite in a fresh temp directory, engine on (the device CA is
 * reconciled, Devices get their status, as in production), logs silent. Prints one JSON line
 * `{url, deviceUrl}` once listening; closes the server and exits 0 when its stdin ends, so that
 * `node --cpu-prof` writes its profile.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { BENCH_ADMIN_PASSWORD } from './_http.js';

const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-devices-'));
const server = await startServer(
  loadConfig({
    STEWARD_DATA_DIR: dataDir,
    STEWARD_PORT: '0',
    STEWARD_DEVICE_PORT: '0',
    // Silent unless STEWARD_BENCH_LOG_LEVEL asks (e.g. warn: a reconciler's failures, on stderr).
    STEWARD_LOG_LEVEL: process.env.STEWARD_BENCH_LOG_LEVEL ?? 'silent',
    STEWARD_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    // The interval devices are told (bench/rollout.ts sets it to its fleet's).
    ...(process.env.STEWARD_DEVICE_CHECKIN_SECONDS
      ? { STEWARD_DEVICE_CHECKIN_SECONDS: process.env.STEWARD_DEVICE_CHECKIN_SECONDS }
      : {}),
  }),
  { engine: { enabled: true, resyncSeconds: 0 } },
);
process.stdout.write(`${JSON.stringify({ url: server.url, deviceUrl: server.deviceApi?.server.url })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
