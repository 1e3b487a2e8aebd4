/**
 * `npm run bench -- get`: GET /api/v1/devices/dev-00042 throughput on Steward (engine off, fresh
 * SQLite database holding 1,000 Devices) next to a bare Fastify server answering the same JSON from
 * one route, both in this process; autocannon (-c 50 -d 10) runs in a second process against each.
 * Exits non-zero if Steward answers 401 (an authentication layer this benchmark does not speak).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';

const DEVICES = 1_000;
const TARGET = 'dev-00042';
const CONNECTIONS = 50;
const SECONDS = 10;
const pad = (i: number) => String(i).padStart(5, '0');

function device(i: number) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name: `dev-${pad(i)}`, labels: { team: `team-${i % 10}`, ring: String(i % 4) } },
    spec: { platform: 'linux', permanentIdentifier: `machine-id-${pad(i)}`, displayName: `Device ${pad(i)}` },
  };
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

/** autocannon in a second process; its JSON result from stdout. */
function autocannon(url: string): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['node_modules/autocannon/autocannon.js', '-c', String(CONNECTIONS), '-d', String(SECONDS), '-j', url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${stderr}`));
      try {
        resolve(JSON.parse(stdout) as AutocannonResult);
      } catch {
        reject(new Error(`autocannon printed no JSON: ${stdout.slice(0, 500)} ${stderr.slice(0, 500)}`));
      }
    });
  });
}

function line(label: string, result: AutocannonResult): string {
  return (
    `${label}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms` +
    ` (${result.requests.total} requests, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`
  );
}

const UNAUTHORIZED = 'unauthorized';

export default async function run(_args: string[]): Promise<void> {
  // run.ts ends with exit(0): a 401 must exit non-zero here, once everything is closed.
  if ((await measure()) === UNAUTHORIZED) {
    console.error(
      'FAILED: Steward requires authentication now; this benchmark must be taught to authenticate',
    );
    process.exit(1);
  }
}

async function measure(): Promise<typeof UNAUTHORIZED | undefined> {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-get-'));
  const server = await startServer(
    loadConfig({ STEWARD_DATA_DIR: dataDir, STEWARD_PORT: '0', STEWARD_LOG_LEVEL: 'silent' }),
    { engine: { enabled: false } },
  );
  const bare = Fastify({ logger: false });
  try {
    const applied = await fetch(`${server.url}/api/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: DEVICES }, (_, i) => device(i + 1))),
    });
    const appliedText = await applied.text();
    if (applied.status === 401) {
      console.error(
        'AUTH: POST /api/v1/apply answered 401 Unauthorized; this benchmark sends no credentials',
      );
      return UNAUTHORIZED;
    }
    if (applied.status !== 200)
      throw new Error(`apply answered ${applied.status}: ${appliedText.slice(0, 500)}`);

    const stewardUrl = `${server.url}/api/v1/devices/${TARGET}`;
    const probe = await fetch(stewardUrl);
    const probeText = await probe.text();
    if (probe.status === 401) {
      console.error(`AUTH: GET ${stewardUrl} answered 401 Unauthorized; this benchmark sends no credentials`);
      return UNAUTHORIZED;
    }
    if (probe.status !== 200)
      throw new Error(`GET ${stewardUrl} answered ${probe.status}: ${probeText.slice(0, 500)}`);
    // The bare server answers the very object Steward returns, serialized per request the same way.
    const body = JSON.parse(probeText) as Record<string, unknown>;
    bare.get('/api/v1/devices/:name', async () => body);
    const bareAddress = await bare.listen({ host: '127.0.0.1', port: 0 });
    const bareUrl = `${bareAddress}/api/v1/devices/${TARGET}`;

    console.log(
      `GET /api/v1/devices/${TARGET}, ${DEVICES} devices, autocannon -c ${CONNECTIONS} -d ${SECONDS} (second process), response ${probeText.length} bytes`,
    );
    const steward = await autocannon(stewardUrl);
    if (steward.non2xx > 0) {
      const check = await fetch(stewardUrl);
      if (check.status === 401) {
        console.error(`AUTH: GET ${stewardUrl} answered 401 Unauthorized during the run`);
        return UNAUTHORIZED;
      }
    }
    console.log(line('steward', steward));
    const plain = await autocannon(bareUrl);
    console.log(line('bare fastify', plain));
    console.log(
      `ratio steward/bare: ${(steward.requests.average / plain.requests.average).toFixed(2)} req/s (target >= 0.5),` +
        ` p99 ${steward.latency.p99} vs ${plain.latency.p99} ms`,
    );
  } finally {
    await bare.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
