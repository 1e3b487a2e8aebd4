import { describe, expect, it } from 'vitest';
import { systemContext } from '../../src/context.js';
import { entryHash, type JournalEntry } from '../../src/journal/chain.js';
import type { JournalRow } from '../../src/journal/journal-entity.js';
import { rowToEntry } from '../../src/journal/journal-rows.js';
import { JOURNAL_COLUMNS } from '../../src/journal/journal-writer.js';
import { DIALECTS } from '../support/databases.js';
import { useServer } from '../support/server.js';
import { apply, call, device } from './support.js';

/** Every stored column but the sequence: what moving an entry to another row carries. */
const PAYLOAD = JOURNAL_COLUMNS.filter((column) => column !== 'seq');

describe.each(DIALECTS)('chain verification detects tampering on $dialect', ({ create }) => {
  // The engine off: these suites assert the exact entries of the operations they make.
  const suite = useServer({ database: create, env: { STEWARD_ENGINE: 'off' } });
  const knex = () => suite.server.services.db.knex;

  /** A tenant of its own with `count` entries, so every scenario starts from an intact chain. */
  async function chain(tenant: string, count = 6): Promise<void> {
    const context = systemContext(tenant, { type: 'system', id: 'test', name: 'test' }, `req-${tenant}`);
    await suite.server.services.db.transaction((trx) =>
      suite.server.services.journal.append(
        trx,
        context,
        Array.from({ length: count }, (_, i) => ({
          operation: 'apply',
          kind: 'Device',
          name: `d-${i + 1}`,
          generation: 1,
          result: 'created',
          changes: [{ pointer: '/spec/displayName', new: `Device ${i + 1}` }],
        })),
      ),
    );
    expect(await verify(tenant)).toMatchObject({ ok: true, checked: count });
  }

  const verify = (tenant: string) => suite.server.services.journalService.verifier.verifyTenant(tenant);
  const row = async (tenant: string, seq: number) =>
    (await knex()<JournalRow>('journal_entries').where({ tenant, seq }).first()) as JournalRow;

  it('names an edited row (hash mismatch)', async () => {
    await chain('t-edit');
    await knex().raw("UPDATE journal_entries SET result = 'deleted' WHERE tenant = ? AND seq = 3", [
      't-edit',
    ]);
    const result = await verify('t-edit');
    expect(result).toMatchObject({ ok: false, checked: 2, firstBrokenSeq: 3 });
    expect(result.message).toContain('edited');
  });

  it('names a deleted row (gap)', async () => {
    await chain('t-delete');
    await knex().raw('DELETE FROM journal_entries WHERE tenant = ? AND seq = 3', ['t-delete']);
    const result = await verify('t-delete');
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: 3 });
    expect(result.message).toMatch(/entry 3 is missing .*deleted/);
  });

  it('names a deleted last entry (the head row knows it existed)', async () => {
    await chain('t-tail');
    await knex().raw('DELETE FROM journal_entries WHERE tenant = ? AND seq = 6', ['t-tail']);
    const result = await verify('t-tail');
    expect(result).toMatchObject({ ok: false, checked: 5, firstBrokenSeq: 6 });
    expect(result.message).toContain('deleted from the end');
  });

  it('names re-ordered rows (two rows swap their content)', async () => {
    await chain('t-swap');
    const [third, fourth] = [await row('t-swap', 3), await row('t-swap', 4)];
    const payload = (source: JournalRow) =>
      Object.fromEntries(
        PAYLOAD.map((column) => [
          column,
          column === 'changes' ? JSON.stringify(rowToEntry(source).changes) : source[column],
        ]),
      );
    await knex()('journal_entries').where({ tenant: 't-swap', seq: 3 }).update(payload(fourth));
    await knex()('journal_entries').where({ tenant: 't-swap', seq: 4 }).update(payload(third));
    const result = await verify('t-swap');
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: 3 });
    expect(result.message).toContain('re-ordered');
  });

  it('names an edit whose hash was recomputed by the link of the next entry', async () => {
    await chain('t-rehash');
    const edited: JournalEntry = { ...rowToEntry(await row('t-rehash', 3)), result: 'forged' };
    const { hash: _old, ...content } = edited;
    await knex()('journal_entries')
      .where({ tenant: 't-rehash', seq: 3 })
      .update({ result: 'forged', hash: entryHash(content) });
    const result = await verify('t-rehash');
    expect(result).toMatchObject({ ok: false, checked: 3, firstBrokenSeq: 4 });
    expect(result.message).toContain('does not link to entry 3');
  });

  it('names a row inserted beyond the head', async () => {
    await chain('t-insert', 3);
    const last = await row('t-insert', 3);
    const forged = { ...rowToEntry(last), seq: 4, prevHash: last.hash, result: 'forged' };
    const { hash: _hash, ...content } = forged;
    await knex()('journal_entries').insert({
      ...Object.fromEntries(PAYLOAD.map((column) => [column, last[column]])),
      changes: JSON.stringify(forged.changes),
      seq: 4,
      result: 'forged',
      prev_hash: last.hash,
      hash: entryHash(content),
    });
    const result = await verify('t-insert');
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: 4 });
    expect(result.message).toContain('inserted');
  });

  it('does not call a row edited when only the JSON spacing of its changes differs', async () => {
    await chain('t-spacing', 2);
    const changes = rowToEntry(await row('t-spacing', 1)).changes;
    await knex()('journal_entries')
      .where({ tenant: 't-spacing', seq: 1 })
      .update({ changes: JSON.stringify(changes, null, 2) });
    expect(await verify('t-spacing')).toMatchObject({ ok: true, checked: 2 });
  });

  it('answers the verdict over HTTP for the request tenant', async () => {
    await apply(suite.server, [device('v-1'), device('v-2'), device('v-3')]);
    const intact = await call<{ ok: boolean; checked: number }>(
      suite.server,
      'GET',
      '/api/v1/journal/verify',
    );
    expect(intact.body.ok).toBe(true);
    expect(intact.body.checked).toBeGreaterThanOrEqual(3);
    await knex().raw("UPDATE journal_entries SET name = 'v-9' WHERE tenant = 'default' AND seq = 2");
    const broken = await call(suite.server, 'GET', '/api/v1/journal/verify');
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ ok: false, checked: 1, firstBrokenSeq: 2 });
  });
});
