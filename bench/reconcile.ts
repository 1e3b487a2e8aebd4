/**
 * `npm run bench -- reconcile [COUNT]`: COUNT (default 10,000) resources of the no-op test kind
 * applied in one request's worth of work, then the time until every one has observedGeneration ==
 * generation and Ready=True — in-process queue on SQLite and BullMQ on PostgreSQL, side by side.
 * Targets: ≤ 10 s and ≤ 20 s.
 */
import { Logger } from '@nestjs/common';
import { composeServices, type Services } from '../src/app/compose.js';
import { loadConfig } from '../src/config.js';
import { systemContext } from '../src/context.js';
import { TEST_KINDS, testSchemaDir } from '../test/engine/fixtures/test-kinds.js';
import { cleanRedis, REDIS_URL, uniquePrefix, widget } from '../test/engine/harness.js';
import { freshPostgres, freshSqlite, type TestDatabase } from '../test/support/databases.js';

const TENANT = 'bench';

async function convergedCount(services: Services): Promise<number> {
  const sql =
    services.db.dialect === 'postgresql'
      ? `SELECT count(*) AS c FROM resources WHERE tenant = ? AND kind = 'Widget'
           AND (status->>'observedGeneration')::int = generation AND status->'conditions'->0->>'status' = 'True'`
      : `SELECT count(*) AS c FROM resources WHERE tenant = ? AND kind = 'Widget'
           AND json_extract(status, '$.observedGeneration') = generation AND json_extract(status, '$.conditions[0].status') = 'True'`;
  const result = await services.db.knex.raw(sql, [TENANT]);
  const rows = services.db.dialect === 'postgresql' ? result.rows : result;
  return Number(rows[0].c);
}

async function run(label: string, database: TestDatabase, count: number, redis: boolean) {
  const prefix = redis ? uniquePrefix() : undefined;
  const config = loadConfig({
    STEWARD_DATABASE_URL: database.url,
    STEWARD_DATA_DIR: database.dataDir,
    STEWARD_LOG_LEVEL: 'silent',
    ...(redis ? { STEWARD_REDIS_URL: REDIS_URL } : {}),
  });
  const services = await composeServices(config, {
    extraKinds: TEST_KINDS,
    schemaDir: testSchemaDir(),
    engine: { resyncSeconds: 0, ...(prefix ? { queuePrefix: prefix } : {}) },
  });
  await services.engine.start();
  try {
    const manifests = Array.from({ length: count }, (_, i) => widget(`w-${String(i).padStart(5, '0')}`));
    const started = performance.now();
    await services.applyService.apply(
      systemContext(TENANT, { type: 'user', id: 'bench', name: 'bench' }, 'bench'),
      manifests.map((value, index) => ({ index, value })),
    );
    const applied = performance.now();
    let done = 0;
    while (done < count) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      done = await convergedCount(services);
      if (performance.now() - started > 120_000)
        throw new Error(`${label}: only ${done}/${count} after 120 s`);
    }
    const total = performance.now() - started;
    const reconciles = await services.engine.metrics.reconcileCount('Widget');
    return {
      label,
      applyMs: Math.round(applied - started),
      convergedMs: Math.round(total),
      perSecond: Math.round(count / (total / 1000)),
      reconciles,
    };
  } finally {
    await services.close();
    if (prefix) await cleanRedis(prefix);
  }
}

export default async function reconcileBenchmark(args: string[]): Promise<void> {
  Logger.overrideLogger(false);
  const count = Number(args[0] ?? 10_000);
  const results = [];
  const sqlite = freshSqlite();
  try {
    results.push(await run('in-process queue, SQLite', sqlite, count, false));
  } finally {
    await sqlite.drop();
  }
  const postgres = await freshPostgres();
  try {
    results.push(await run('BullMQ (Redis), PostgreSQL', postgres, count, true));
  } finally {
    await postgres.drop();
  }
  console.log(`reconcile: ${count} resources of a no-op kind applied at once, until all Ready and observed`);
  console.table(results);
}
