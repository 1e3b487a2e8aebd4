import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../src/app/compose.js';
import { systemContext } from '../../src/context.js';
import { JournalVerifier, parseSqlitePage, SQLITE_PAGE } from '../../src/journal/verify-stored.js';
import { JournalWriter } from '../../src/journal/journal-writer.js';
import { Database } from '../../src/store/database.js';
import { freshSqlite, type TestDatabase } from '../support/databases.js';

/** verify's fast path on SQLite: SQLite builds the canonical text; it must be byte for byte the writer's. */
describe('verify on SQLite hashes the text SQLite builds', () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = freshSqlite();
    db = await Database.open(database.url, ENTITIES);
    const writer = new JournalWriter(db);
    const tricky = [
      'Zoë "quotes" \\ back',
      'line\nbreak\ttab\u0001\u001f',
      '\u2028\u2029 🎉 é</script>',
      "'single'",
    ];
    await db.transaction((trx) =>
      writer.append(
        trx,
        {
          ...systemContext('acme', { type: 'user', id: tricky[0], name: tricky[2] }, 'req-1'),
          source: tricky[3],
        },
        tricky.map((text, index) => ({
          operation: 'apply',
          kind: 'Device',
          name: `n-${index}`,
          generation: index % 2 ? index : undefined,
          result: 'configured',
          reason: index % 2 ? text : undefined,
          changes: [{ pointer: `/spec/${text}`, old: { b: text, a: [1, null, 2.5, -0, 1e21] }, new: text }],
        })),
      ),
    );
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('matches every stored hash on the fast path, without re-reading any row', async () => {
    const [page] = (await db.knex.raw(SQLITE_PAGE, ['acme', 0, 100])) as Array<{ n: number; lines: Buffer }>;
    const links = parseSqlitePage(page.lines, Number(page.n));
    expect(links?.map((link) => [link.seq, link.matches])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
    ]);
    expect(await new JournalVerifier(db).verifyTenant('acme')).toMatchObject({ ok: true, checked: 4 });
  });

  it('falls back to whole rows when a page does not parse, with the same verdict', async () => {
    await db.knex.raw("UPDATE journal_entries SET hash = 'short' WHERE tenant = 'acme' AND seq = 2");
    const [page] = (await db.knex.raw(SQLITE_PAGE, ['acme', 0, 100])) as Array<{ n: number; lines: Buffer }>;
    expect(parseSqlitePage(page.lines, Number(page.n))).toBeUndefined();
    expect(await new JournalVerifier(db).verifyTenant('acme')).toMatchObject({
      ok: false,
      firstBrokenSeq: 2,
    });
  });
});
