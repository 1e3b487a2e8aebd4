/**
 * `npm run bench -- journal [ENTRIES] [--skip-apply] [--skip-large]`:
 * (a) what journaling costs the 10,000-Device apply on SQLite (one POST /api/v1/apply of JSON
 *     manifests as the bootstrap admin, logged in before the clock starts; journaling on vs
 *     `services.journal.disabled`, fresh database each time);
 * (b) with ENTRIES journal entries (default 1,000,000) inserted directly with their real hash
 *     chain: query by kind+name latency, full-chain verify time, and an export of everything to
 *     /dev/null with the peak RSS sampled during the export next to the RSS before it.
 */

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ENTITIES } from '../src/app/compose.js';
import { systemContext } from '../src/context.js';
import { canonicalJson } from '../src/contract/canonical.js';
import { canonicalEntryText, GENESIS_HASH, sha256Hex } from '../src/journal/chain.js';
import { chainWorker } from '../src/journal/chain-worker.js';
import { JournalService } from '../src/journal/journal-service.js';
import { JOURNAL_COLUMNS, JournalWriter, journalRowValues } from '../src/journal/journal-writer.js';
import { KINDS } from '../src/kinds.js';
import { MasterKey } from '../src/pki/master-key.js';
import { KindIndex } from '../src/resources/kind-index.js';
import { Database } from '../src/store/database.js';
import { benchLogin, startQuietServer } from './_http.js';

const MB = 1024 * 1024;
/** Applies timed per mode, alternating: one apply varies by ±20% on this machine, medians of 9 less. */
const APPLY_RUNS = 9;
// A full collection before each memory reading, so that RSS says what is kept, not what V8 has
// not collected yet (the export's peak is sampled without collections: it is the real peak).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function devices(count: number, run: number) {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name: `bench-${run}-${i}`, labels: { fleet: 'bench', ring: String(i % 4) } },
    spec: {
      platform: 'linux',
      permanentIdentifier: `machine-id-${run}-${i}`,
      displayName: `Bench device ${i}`,
    },
  }));
}

/** One POST /api/v1/apply of 10,000 manifests on a fresh SQLite database, in ms. */
async function timeApply(journaling: boolean, run: number): Promise<number> {
  // The engine off: its status entries, written after the apply, are not the apply's cost.
  const { server, cleanup } = await startQuietServer('steward-bench-');
  try {
    const session = await benchLogin(server.url);
    // The chain worker starts with the server; a server that has been up a moment has it loaded.
    await chainWorker.whenReady();
    server.services.journal.disabled = !journaling;
    const body = JSON.stringify(devices(10_000, run));
    const started = performance.now();
    const response = await fetch(`${server.url}/api/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session}` },
      body,
    });
    await response.arrayBuffer();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`apply answered ${response.status}`);
    return elapsed;
  } finally {
    await cleanup();
  }
}

async function applyOverhead(): Promise<void> {
  console.log('(a) journal overhead on one apply of 10,000 Device manifests (JSON, SQLite)');
  await timeApply(true, 0); // warm-up: JIT (the chain worker's too), schema compilation
  const on: number[] = [];
  const off: number[] = [];
  for (let run = 1; run <= APPLY_RUNS; run++) {
    on.push(await timeApply(true, run));
    off.push(await timeApply(false, run));
  }
  const [withJournal, without] = [median(on), median(off)];
  console.log(
    `  journaling on:  ${withJournal.toFixed(0)} ms (runs: ${on.map((ms) => ms.toFixed(0)).join(', ')})`,
  );
  console.log(
    `  journaling off: ${without.toFixed(0)} ms (runs: ${off.map((ms) => ms.toFixed(0)).join(', ')})`,
  );
  console.log(`  overhead: ${(((withJournal - without) / without) * 100).toFixed(1)}% (target <= 20%)`);
}

/** Inserts `count` entries with their real chain, in multi-row INSERTs inside one transaction. */
async function generate(db: Database, tenant: string, count: number): Promise<void> {
  const start = Date.parse('2024-01-01T00:00:00.000Z');
  let prevHash = GENESIS_HASH;
  const perStatement = Math.floor(db.maxParameters / JOURNAL_COLUMNS.length);
  const placeholders = `(${JOURNAL_COLUMNS.map(() => '?').join(', ')})`;
  const statementFor = (rows: number) =>
    `INSERT INTO journal_entries (${JOURNAL_COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => placeholders).join(', ')}`;
  const fullStatement = statementFor(perStatement);
  const actors = [
    { type: 'user', id: 'u-1', name: 'alice' },
    { type: 'apikey', id: 'k-7', name: 'ci-deploy' },
    { type: 'controller', id: 'device', name: 'device controller' },
  ];
  await db.transaction(async (trx) => {
    let seq = 0;
    while (seq < count) {
      const rows = Math.min(perStatement, count - seq);
      const values: Array<string | number | null> = [];
      for (let i = 0; i < rows; i++) {
        seq += 1;
        const actor = actors[seq % actors.length];
        const configured = seq > 10_000;
        const entry = {
          tenant,
          seq,
          time: new Date(start + seq * 1000).toISOString(),
          actor,
          requestId: `req-${Math.floor(seq / 10)}`,
          source: '10.0.0.1',
          operation: 'apply',
          kind: 'Device',
          name: `device-${seq % 10_000}`,
          generation: Math.ceil(seq / 10_000),
          result: configured ? 'configured' : 'created',
          reason: null,
          changeset: `cs-${Math.floor(seq / 100)}`,
          prevHash,
        };
        const changes = canonicalJson([
          { pointer: '/spec/displayName', old: `Device ${seq - 1}`, new: `Device ${seq}` },
        ]);
        const hash = sha256Hex(canonicalEntryText(entry, changes));
        values.push(...journalRowValues(entry, entry, changes, hash));
        prevHash = hash;
      }
      await trx.raw(rows === perStatement ? fullStatement : statementFor(rows), values);
    }
    await trx('journal_heads').insert({ tenant, seq: count, hash: prevHash });
  });
}

async function largeJournal(count: number): Promise<void> {
  console.log(`(b) a journal of ${count.toLocaleString('en-US')} entries (SQLite)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-'));
  const db = await Database.open(`sqlite:${join(dataDir, 'steward.db')}`, ENTITIES);
  try {
    const tenant = 'bench';
    const context = systemContext(tenant, { type: 'system', id: 'bench', name: 'bench' }, 'bench');
    const journal = new JournalService(db, new JournalWriter(db), new KindIndex(KINDS), {
      pruneIntervalMs: 0,
    });
    journal.signer.useMasterKey(new MasterKey(randomBytes(32), 'bench'));

    let started = performance.now();
    // A bigger page cache for the bulk load only (index pages stay in memory); then back to
    // SQLite's default and a checkpoint, so the measures below see an ordinary database.
    await db.knex.raw('PRAGMA cache_size = -262144');
    await generate(db, tenant, count);
    await db.knex.raw('PRAGMA cache_size = -2000');
    await db.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    console.log(
      `  generated with the real hash chain in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const name = `device-${(i * 7919) % 10_000}`;
      started = performance.now();
      const page = await journal.queries.list(context, { kind: 'Device', name });
      latencies.push(performance.now() - started);
      if (page.items.length === 0) throw new Error(`no entries for ${name}`);
    }
    console.log(
      `  query by kind+name (first page of 100, newest first): median ${median(latencies).toFixed(2)} ms, max ${Math.max(...latencies).toFixed(2)} ms over 50 (target <= 20 ms)`,
    );

    collect();
    started = performance.now();
    const verdict = await journal.verifier.verifyTenant(tenant);
    console.log(
      `  verify of the full chain: ${((performance.now() - started) / 1000).toFixed(2)} s, ok=${verdict.ok}, checked=${verdict.checked} (target <= 5 s)`,
    );

    collect();
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = rssBefore;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      peak = Math.max(peak, usage.rss);
      heapPeak = Math.max(heapPeak, usage.heapUsed);
    }, 20);
    started = performance.now();
    const sink = createWriteStream('/dev/null');
    let bytes = 0;
    for await (const text of (await journal.exporter.open(context, 'ndjson')).chunks) {
      bytes += Buffer.byteLength(text);
      if (!sink.write(text)) await once(sink, 'drain');
    }
    sink.end();
    await once(sink, 'finish');
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(
      `  export (NDJSON) to /dev/null: ${mb(bytes)} in ${((performance.now() - started) / 1000).toFixed(1)} s; RSS before ${mb(rssBefore)}, peak during ${mb(peak)} (+${mb(peak - rssBefore)}); JS heap before ${mb(heapBefore)}, peak ${mb(heapPeak)}`,
    );
  } finally {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export default async function runJournalBenchmark(args: string[]): Promise<void> {
  const count = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 1_000_000);
  if (!args.includes('--skip-apply')) await applyOverhead();
  if (!args.includes('--skip-large')) await largeJournal(count);
}
