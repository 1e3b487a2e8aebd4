import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../src/app/compose.js';
import { type OperationContext, systemContext } from '../../src/context.js';
import { JournalService } from '../../src/journal/journal-service.js';
import { JournalWriter } from '../../src/journal/journal-writer.js';
import { KINDS } from '../../src/kinds.js';
import { KindIndex } from '../../src/resources/kind-index.js';
import { Database } from '../../src/store/database.js';
import { freshSqlite, type TestDatabase } from '../support/databases.js';

/**
 * Every journal filter is served by an index whose last column is seq, so "newest first, one
 * page" is one index walk: no full scan and no sort of every match (SQLite's query planner says).
 */
describe('journal queries use the indexes (SQLite query plans)', () => {
  let database: TestDatabase;
  let db: Database;
  let journal: JournalService;
  const context: OperationContext = systemContext('acme', { type: 'user', id: 'u-1', name: 'alice' }, 'req');

  beforeAll(async () => {
    database = freshSqlite();
    db = await Database.open(database.url, ENTITIES);
    const writer = new JournalWriter(db);
    journal = new JournalService(db, writer, new KindIndex(KINDS), { pruneIntervalMs: 0 });
    await db.transaction((trx) =>
      writer.append(
        trx,
        context,
        Array.from({ length: 500 }, (_, i) => ({
          operation: i % 5 ? 'apply' : 'delete',
          kind: i % 2 ? 'Device' : 'DeviceGroup',
          name: `n-${i % 50}`,
          result: i % 3 ? 'configured' : 'created',
        })),
      ),
    );
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  /** The plans of the SELECTs on journal_entries that `work` runs. */
  async function plans(work: () => Promise<unknown>): Promise<string[]> {
    const queries: Array<{ sql: string; bindings: readonly Knex.RawBinding[] }> = [];
    const listener = (query: { sql: string; bindings: readonly Knex.RawBinding[] }) => {
      if (/from [`"]?journal_entries/i.test(query.sql)) queries.push(query);
    };
    db.knex.on('query', listener);
    try {
      await work();
    } finally {
      db.knex.removeListener('query', listener);
    }
    const result: string[] = [];
    for (const query of queries) {
      const rows = (await db.knex.raw(`EXPLAIN QUERY PLAN ${query.sql}`, query.bindings)) as Array<{
        detail: string;
      }>;
      result.push(rows.map((row) => row.detail).join(' | '));
    }
    return result;
  }

  it.each([
    ['kind and name', { kind: 'Device', name: 'n-7' }, /USING (COVERING )?INDEX journal_kind_name/],
    ['kind', { kind: 'Device' }, /USING (COVERING )?INDEX journal_kind /],
    ['operation', { operation: 'delete' }, /USING (COVERING )?INDEX journal_operation/],
    ['result', { result: 'created' }, /USING (COVERING )?INDEX journal_result/],
    ['no filter', {}, /USING (COVERING )?INDEX sqlite_autoindex_journal_entries_1/],
  ])('serves a filter by %s from its index, in seq order', async (_name, filters, index) => {
    const [plan] = await plans(() => journal.queries.list(context, filters));
    expect(`${plan} `).toMatch(index);
    expect(plan).not.toContain('TEMP B-TREE');
  });

  it('serves an actor filter from the id and name indexes', async () => {
    const [byId, byName] = await plans(() => journal.queries.list(context, { actor: 'alice' }));
    expect(byId).toMatch(/INDEX journal_actor(?!_)/);
    expect(byName).toMatch(/INDEX journal_actor_name/);
    for (const plan of [byId, byName]) expect(plan).not.toContain('TEMP B-TREE');
  });

  it('serves the history of one resource and the next page the same way', async () => {
    const first = await journal.queries.history(context, 'devices', 'n-7', { limit: '2' });
    const [plan] = await plans(() =>
      journal.queries.history(context, 'devices', 'n-7', { limit: '2', continue: first.metadata.continue }),
    );
    expect(plan).toMatch(/INDEX journal_kind_name .*seq<\?/);
    expect(plan).not.toContain('TEMP B-TREE');
  });
});
