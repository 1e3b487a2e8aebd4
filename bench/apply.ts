/**
 * `npm run bench -- apply`: one POST /api/v1/apply of 10,000 Device manifests (a JSON array, over a
 * real socket) on a fresh SQLite database with the engine off, timed from request start to
 * response parsed; median of 3 runs on fresh databases. Then the floor: the same 10,000 rows
 * inserted with one raw prepared statement in one transaction (`sqlite3` directly), and the ratio.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { benchLogin, device, startQuietServer } from './_http.js';

const COUNT = 10_000;
const RUNS = 3;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface ApplyResult {
  items: Array<{ result: string }>;
}

/** One apply of COUNT manifests on a fresh SQLite database, in ms (request start → body parsed). */
async function timeApply(): Promise<number> {
  const { server, cleanup } = await startQuietServer('steward-bench-apply-');
  try {
    const session = await benchLogin(server.url);
    const body = JSON.stringify(Array.from({ length: COUNT }, (_, i) => device(i + 1)));
    const started = performance.now();
    const response = await fetch(`${server.url}/api/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session}` },
      body,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`apply answered ${response.status}: ${text.slice(0, 500)}`);
    const result = JSON.parse(text) as ApplyResult;
    const elapsed = performance.now() - started;
    const created = result.items.filter((item) => item.result === 'created').length;
    if (result.items.length !== COUNT || created !== COUNT) {
      throw new Error(`expected ${COUNT} created, got ${created} of ${result.items.length} items`);
    }
    return elapsed;
  } finally {
    await cleanup();
  }
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

/** COUNT rows of the resources table's columns, one prepared INSERT in one transaction, in ms. */
async function timeRawInsert(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-raw-'));
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(join(dataDir, 'raw.db'), (error) =>
      error ? reject(error) : resolve(opened),
    );
  });
  try {
    // Same columns, unique indexes and pragmas as Steward's resources table on SQLite.
    await exec(
      db,
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
       CREATE TABLE resources (
         id integer PRIMARY KEY AUTOINCREMENT, tenant text NOT NULL, kind text NOT NULL, name text NOT NULL,
         uid text NOT NULL, api_version text NOT NULL, labels json NOT NULL, annotations json NOT NULL,
         spec json NOT NULL, status json NOT NULL, generation integer NOT NULL, resource_version integer NOT NULL,
         created_at text NOT NULL, updated_at text NOT NULL, deletion_timestamp text NULL, finalizers json NOT NULL);
       CREATE UNIQUE INDEX resources_uid_unique ON resources (uid);
       CREATE UNIQUE INDEX resources_tenant_kind_name_unique ON resources (tenant, kind, name);`,
    );
    const now = new Date().toISOString();
    const rows = Array.from({ length: COUNT }, (_, index) => {
      const { metadata, spec } = device(index + 1);
      return [
        'default',
        'Device',
        metadata.name,
        randomUUID(),
        'steward.dev/v1',
        JSON.stringify(metadata.labels),
        '{}',
        JSON.stringify(spec),
        '{}',
        1,
        index + 1,
        now,
        now,
        null,
        '[]',
      ];
    });
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      db.serialize(() => {
        db.run('BEGIN');
        const insert = db.prepare(
          `INSERT INTO resources (tenant, kind, name, uid, api_version, labels, annotations, spec, status,
             generation, resource_version, created_at, updated_at, deletion_timestamp, finalizers)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        let failed: Error | null = null;
        for (const row of rows) {
          insert.run(row, (error: Error | null) => {
            if (error) failed ??= error;
          });
        }
        insert.finalize();
        db.run('COMMIT', (error: Error | null) => (error || failed ? reject(error ?? failed) : resolve()));
      });
    });
    const elapsed = performance.now() - started;
    const count = await new Promise<number>((resolve, reject) =>
      db.get('SELECT count(*) AS c FROM resources', (error, row: { c: number }) =>
        error ? reject(error) : resolve(row.c),
      ),
    );
    if (count !== COUNT) throw new Error(`raw insert left ${count} rows, expected ${COUNT}`);
    return elapsed;
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export default async function run(_args: string[]): Promise<void> {
  await timeApply(); // warm-up: JIT, schema compilation (not counted)
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timeApply());
  const apply = median(runs);
  console.log(
    `apply: ${COUNT} manifests in ${apply.toFixed(0)} ms (${Math.round(COUNT / (apply / 1000))}/s), median of ${RUNS}` +
      ` (runs: ${runs.map((ms) => ms.toFixed(0)).join(', ')} ms; target <= 2000 ms, >= 5000/s)`,
  );
  await timeRawInsert(); // warm-up
  const raws: number[] = [];
  for (let i = 0; i < RUNS; i++) raws.push(await timeRawInsert());
  const raw = median(raws);
  console.log(
    `raw sqlite3: ${COUNT} rows in ${raw.toFixed(0)} ms (${Math.round(COUNT / (raw / 1000))}/s), median of ${RUNS}` +
      ` (runs: ${raws.map((ms) => ms.toFixed(0)).join(', ')} ms; one prepared INSERT in one transaction)`,
  );
  console.log(`ratio apply/raw: ${(apply / raw).toFixed(1)}x`);
}
