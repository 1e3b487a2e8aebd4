import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { type ComposeOptions, composeServices, type Services } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config.js';
import { systemContext } from '../../src/context.js';
import type { BullQueue } from '../../src/engine/queue/bullmq-queue.js';
import type { Manifest, StoredResource } from '../../src/resources/model.js';
import type { TestDatabase } from '../support/databases.js';
import { TEST_KINDS, testSchemaDir } from './fixtures/test-kinds.js';

export const REDIS_URL = process.env.STEWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TENANT = 'acme';
const ACTOR = { type: 'user' as const, id: 'tester', name: 'tester' };

/** The two queue backends, for `describe.each`. */
export const BACKENDS = [{ backend: 'in-process' as const }, { backend: 'bullmq' as const }];

export function uniquePrefix(): string {
  return `steward-test-${randomBytes(5).toString('hex')}`;
}

export interface EngineHarness {
  services: Services;
  prefix?: string;
  apply(manifests: unknown[], tenant?: string): Promise<void>;
  remove(kind: string, name: string, tenant?: string): Promise<string>;
  get(kind: string, name: string, tenant?: string): Promise<StoredResource | null>;
  /** Polls until `predicate` holds for the resource (or throws after `timeoutMs`). */
  waitFor(
    kind: string,
    name: string,
    predicate: (resource: StoredResource | null) => boolean,
    timeoutMs?: number,
  ): Promise<StoredResource | null>;
  close(): Promise<void>;
}

/** Services with the test kinds and the engine started, on `database`, with the chosen queue. */
export async function startEngine(
  database: TestDatabase,
  backend: 'in-process' | 'bullmq',
  options: ComposeOptions = {},
): Promise<EngineHarness> {
  const prefix = backend === 'bullmq' ? uniquePrefix() : undefined;
  const config = loadConfig({
    STEWARD_DATABASE_URL: database.url,
    STEWARD_DATA_DIR: database.dataDir,
    STEWARD_LOG_LEVEL: 'silent',
    ...(backend === 'bullmq' ? { STEWARD_REDIS_URL: REDIS_URL } : {}),
  });
  const services = await composeServices(config, {
    extraKinds: TEST_KINDS,
    schemaDir: testSchemaDir(),
    ...options,
    engine: { resyncSeconds: 0, ...(prefix ? { queuePrefix: prefix } : {}), ...options.engine },
  });
  await services.engine.start();
  const harness: EngineHarness = {
    services,
    prefix,
    async apply(manifests, tenant = TENANT) {
      await services.applyService.apply(
        systemContext(tenant, ACTOR, 'test'),
        manifests.map((value, index) => ({ index, value })),
      );
    },
    async remove(kind, name, tenant = TENANT) {
      return services.applyService.deleteOne(systemContext(tenant, ACTOR, 'test'), kind, name);
    },
    get: (kind, name, tenant = TENANT) => services.store.get({ tenant, kind, name }),
    async waitFor(kind, name, predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const resource = await harness.get(kind, name);
        if (predicate(resource)) return resource;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${kind}/${name}: ${JSON.stringify(resource?.status)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      const queue = services.engine.queue as Partial<BullQueue>;
      await services.engine.stop();
      if (prefix && queue.obliterate) await cleanRedis(prefix);
      await services.close();
    },
  };
  return harness;
}

/** Deletes every Redis key of a test prefix. */
export async function cleanRedis(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function widget(name: string, value = 'v1'): Manifest {
  return { apiVersion: 'steward.dev/v1', kind: 'Widget', metadata: { name }, spec: { value } };
}

export function gadgetManifest(name: string, spec: Record<string, unknown> = {}): Manifest {
  return { apiVersion: 'steward.dev/v1', kind: 'Gadget', metadata: { name }, spec };
}

export function readyOf(resource: StoredResource | null): string | undefined {
  return resource?.status.conditions?.find((condition) => condition.type === 'Ready')?.status;
}

export function converged(resource: StoredResource | null): boolean {
  return (
    resource !== null &&
    resource.status.observedGeneration === resource.generation &&
    readyOf(resource) === 'True'
  );
}
