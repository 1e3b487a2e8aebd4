import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres, type TestDatabase } from '../support/databases.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ADMIN_PASSWORD = 'multi-process-admin-1';

/** `steward` (src/main.ts) in a process of its own; answers it with the URL it listens on. */
function startSteward(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Steward did not start:\n${output}`)), 80_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /Steward listening on (http:\/\/\S+)/.exec(output);
      if (listening) {
        clearTimeout(timer);
        resolve({ child, url: listening[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`Steward exited with ${code}:\n${output}`)));
  });
}

async function login(url: string, username: string, password: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  await response.arrayBuffer();
  return response.status;
}

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe('login limits shared by several Steward processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  const children: ChildProcess[] = [];
  let urls: string[] = [];

  beforeAll(async () => {
    database = await freshPostgres();
    const env = {
      STEWARD_DATABASE_URL: database.url,
      // One data directory: one master key, which the database checks (and the limits' HMAC key).
      STEWARD_DATA_DIR: database.dataDir,
      STEWARD_PORT: '0',
      STEWARD_DEVICE_PORT: '0',
      STEWARD_HOST: '127.0.0.1',
      STEWARD_LOG_LEVEL: 'info',
      STEWARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    };
    // The first one creates the schema and the admin; the second one finds them.
    const first = await startSteward(env);
    children.push(first.child);
    const second = await startSteward(env);
    children.push(second.child);
    urls = [first.url, second.url];
  }, 180_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await database?.drop();
  });

  it('admits 5 wrong passwords for one user and 20 failures from one address in all, not per process', async () => {
    expect(urls).toHaveLength(2);
    expect(new Set(urls).size).toBe(2);
    // 40 wrong passwords for admin at once, alternating between the processes.
    const user = await Promise.all(
      Array.from({ length: 40 }, (_, index) => login(urls[index % 2], 'admin', `wrong-guess-${index}`)),
    );
    expect(tally(user)).toEqual({ 401: 5, 429: 35 });
    // Then 60 usernames from the same address: 15 more failures fill its 20.
    const address = await Promise.all(
      Array.from({ length: 60 }, (_, index) => login(urls[index % 2], `spray-${index}`, 'guess-guess-guess')),
    );
    expect(tally(address)).toEqual({ 401: 15, 429: 45 });
    // Each process refuses now, whichever one counted the failures.
    for (const url of urls) expect(await login(url, 'admin', ADMIN_PASSWORD)).toBe(429);
  }, 60_000);
});
