import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeServices } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config.js';
import { systemContext } from '../../src/context.js';
import { freshPostgres, type TestDatabase } from '../support/databases.js';
import { TEST_KINDS, testSchemaDir } from './fixtures/test-kinds.js';
import { cleanRedis, REDIS_URL, uniquePrefix, widget } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const COUNT = 300;
const TENANT = 'fleet';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startSteward(env: Record<string, string>): Promise<ChildProcess> {
  const entry = 'test/engine/fixtures/steward-with-test-kinds.ts';
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Steward did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Steward listening')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`Steward exited with ${code}:\n${output}`)));
  });
}

describe('several Steward processes on PostgreSQL and Redis', () => {
  let database: TestDatabase;
  const prefix = uniquePrefix();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await freshPostgres();
    // Schema and resources first (no engine running here): the processes find them unconverged.
    const services = await composeServices(
      loadConfig({
        STEWARD_DATABASE_URL: database.url,
        STEWARD_DATA_DIR: database.dataDir,
        STEWARD_LOG_LEVEL: 'silent',
      }),
      { extraKinds: TEST_KINDS, schemaDir: testSchemaDir() },
    );
    await services.applyService.apply(
      systemContext(TENANT, { type: 'user', id: 'tester', name: 'tester' }, 'test'),
      Array.from({ length: COUNT }, (_, index) => ({ index, value: widget(`w-${index}`) })),
    );
    await services.close();
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await cleanRedis(prefix);
    redis.disconnect();
    await database?.drop();
  });

  it('shares the work, never reconciles one key twice at once, and loses nothing when one is killed', async () => {
    const env = {
      STEWARD_DATABASE_URL: database.url,
      STEWARD_DATA_DIR: database.dataDir,
      STEWARD_REDIS_URL: REDIS_URL,
      STEWARD_QUEUE_PREFIX: prefix,
      STEWARD_PORT: '0',
      STEWARD_DEVICE_PORT: '0',
      STEWARD_LOG_LEVEL: 'info',
      STEWARD_WORKERS: '4',
      STEWARD_QUEUE_LOCK_SECONDS: '2',
      STEWARD_RESYNC_SECONDS: '0',
      STEWARD_TEST_SLOW_MS: '100',
      STEWARD_TEST_OVERLAP_REDIS: REDIS_URL,
    };
    const [first, second] = await Promise.all([startSteward(env), startSteward(env)]);
    children.push(first, second);
    // Kill one mid-run: after some work is done, with keys of its own in flight.
    const reconciles = async () => Number((await redis.get(`${prefix}:test:reconciles`)) ?? 0);
    while ((await reconciles()) < 40) await sleep(20);
    first.kill('SIGKILL');

    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const deadline = Date.now() + 60_000;
      let converged = 0;
      while (Date.now() < deadline) {
        const { rows } = await client.query(
          `SELECT count(*) AS c FROM resources WHERE tenant = $1 AND kind = 'Widget'
             AND (status->>'observedGeneration')::int = generation AND status->'conditions'->0->>'status' = 'True'`,
          [TENANT],
        );
        converged = Number(rows[0].c);
        if (converged === COUNT) break;
        await sleep(200);
      }
      expect(converged).toBe(COUNT);
    } finally {
      await client.end();
    }
    expect(Number((await redis.get(`${prefix}:test:overlaps`)) ?? 0)).toBe(0);
    // More reconciles than keys: the killed process's in-flight keys (counted when they started)
    // were handed out again after their locks expired, through BullMQ's stalled-job path.
    expect(await reconciles()).toBeGreaterThan(COUNT);
    second.kill('SIGTERM');
  }, 120_000);
});
