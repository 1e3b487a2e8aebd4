/**
 * Shared by the HTTP benchmarks: a Steward on a fresh SQLite database holding 1,000 Devices with
 * a read-only API key, and autocannon run in a second process so load and server do not share a
 * thread.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { logDestination } from '../src/observability/log.js';
import { type StewardServer, startServer } from '../src/server.js';

export const DEVICES = 1_000;
export const TARGET = 'dev-00042';
export const CONNECTIONS = 50;
export const SECONDS = 10;
/** The bootstrap admin's password of every benchmark server (STEWARD_ADMIN_PASSWORD). */
export const BENCH_ADMIN_PASSWORD = 'bench-admin-password';
const pad = (i: number) => String(i).padStart(5, '0');

/** The benchmarks' Device number `i` (dev-00001 …). */
export function device(i: number) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name: `dev-${pad(i)}`, labels: { team: `team-${i % 10}`, ring: String(i % 4) } },
    spec: { platform: 'linux', permanentIdentifier: `machine-id-${pad(i)}`, displayName: `Device ${pad(i)}` },
  };
}

export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** autocannon in a second process; its JSON result from stdout. */
export function autocannon(
  url: string,
  headers: Record<string, string> = {},
  seconds = SECONDS,
  request: { connections?: number; method?: string; body?: string } = {},
): Promise<AutocannonResult> {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]);
  const requestArgs = [
    ...(request.method ? ['-m', request.method] : []),
    ...(request.body !== undefined ? ['-b', request.body] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        'node_modules/autocannon/autocannon.js',
        '-c',
        String(request.connections ?? CONNECTIONS),
        '-d',
        String(seconds),
        ...headerArgs,
        ...requestArgs,
        '-j',
        url,
      ],
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

export function line(label: string, result: AutocannonResult): string {
  return (
    `${label}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms` +
    ` (${result.requests.total} requests, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`
  );
}

export interface BenchServer {
  server: StewardServer;
  /** `Authorization` header value of a read-only API key. */
  authorization: string;
  url: string;
  /** The JSON text of the target device, as Steward serves it. */
  body: string;
  close(): Promise<void>;
}

async function json(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A session token of the bootstrap admin, taken before any clock starts. */
export async function benchLogin(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: BENCH_ADMIN_PASSWORD }),
  });
  return (await json(response, 'login')).sessionToken as string;
}

/**
 * A quiet Steward on a fresh SQLite database in a new temp directory, engine off (its status
 * writes are not what the benchmarks measure), with the bench admin. `cleanup` removes the dir.
 */
export async function startQuietServer(
  prefix: string,
  env: Record<string, string> = {},
): Promise<{ server: StewardServer; cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  // STEWARD_BENCH_LOG=<file>: the server logs at info, as in production (JSON, an access line per
  // request), into that file, so that logging's cost can be measured.
  const logFile = process.env.STEWARD_BENCH_LOG;
  const server = await startServer(
    loadConfig({
      STEWARD_DATA_DIR: dataDir,
      STEWARD_PORT: '0',
      STEWARD_DEVICE_PORT: '0',
      STEWARD_LOG_LEVEL: logFile ? 'info' : 'silent',
      STEWARD_LOG_FORMAT: 'json',
      STEWARD_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      ...env,
    }),
    {
      engine: { enabled: false },
      logDestination: logFile ? logDestination(logFile) : undefined,
    },
  );
  return {
    server,
    async cleanup() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Steward (engine off) with the devices applied and a read-only key to read them with. */
export async function startBenchServer(): Promise<BenchServer> {
  const { server, cleanup } = await startQuietServer('steward-bench-http-');
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const session = await benchLogin(server.url);
  await json(
    await post(
      '/api/v1/apply',
      Array.from({ length: DEVICES }, (_, i) => device(i + 1)),
      session,
    ),
    'apply',
  );
  const key = (await json(await post('/api/v1/keys', { type: 'readonly' }, session), 'key creation'))
    .key as string;
  const authorization = `Bearer ${key}`;
  const url = `${server.url}/api/v1/devices/${TARGET}`;
  const body = JSON.stringify(await json(await fetch(url, { headers: { authorization } }), `GET ${url}`));
  return {
    server,
    authorization,
    url,
    body,
    close: cleanup,
  };
}
