import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../src/app/compose.js';
import { type OperationContext, systemContext } from '../../src/context.js';
import { ForbiddenError } from '../../src/errors.js';
import type { FollowEvent } from '../../src/journal/journal-follow.js';
import { JournalRetention } from '../../src/journal/journal-retention.js';
import { JournalService } from '../../src/journal/journal-service.js';
import { JournalWriter } from '../../src/journal/journal-writer.js';
import { verifyExportLines } from '../../src/journal/verify-entries.js';
import { KINDS } from '../../src/kinds.js';
import { MasterKey } from '../../src/pki/master-key.js';
import { KindIndex } from '../../src/resources/kind-index.js';
import { Database, fromJsonColumn } from '../../src/store/database.js';
import { DIALECTS, type TestDatabase } from '../support/databases.js';

const DAY_MS = 86_400_000;
const START = Date.parse('2024-01-01T00:00:00.000Z');

describe.each(DIALECTS)('retention on $dialect', ({ create }) => {
  let database: TestDatabase;
  let db: Database;
  let now = START;
  const clock = () => new Date(now);
  let writer: JournalWriter;
  let journal: JournalService;
  /** Small segments, so that one run prunes in several transactions. */
  let retention: JournalRetention;

  beforeAll(async () => {
    database = await create();
    db = await Database.open(database.url, ENTITIES);
    writer = new JournalWriter(db, clock);
    journal = new JournalService(db, writer, new KindIndex(KINDS), { clock, pruneIntervalMs: 0 });
    journal.signer.useMasterKey(new MasterKey(randomBytes(32), 'test'));
    retention = new JournalRetention(db, writer, journal.settings, clock, 7);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const admin = (tenant: string): OperationContext =>
    systemContext(tenant, { type: 'user', id: 'u-1', name: 'alice' }, 'req-admin');

  async function append(tenant: string, count: number, day: number): Promise<void> {
    now = START + day * DAY_MS;
    await db.transaction((trx) =>
      writer.append(
        trx,
        admin(tenant),
        Array.from({ length: count }, (_, i) => ({
          operation: 'apply',
          kind: 'Device',
          name: `d-${day}-${i}`,
          result: 'created',
        })),
      ),
    );
  }

  async function exported(tenant: string): Promise<string[]> {
    let text = '';
    for await (const chunk of (await journal.exporter.open(admin(tenant), 'ndjson')).chunks) text += chunk;
    return text.trimEnd().split('\n');
  }

  it('prunes entries older than the retention in segments, keeps a checkpoint, and still verifies', async () => {
    await append('acme', 30, 0);
    await append('acme', 10, 100);
    now = START + 400 * DAY_MS; // default retention 365 days: the cutoff is day 35

    const report = await retention.pruneTenant('acme');
    expect(report).toEqual({ tenant: 'acme', pruned: 30, checkpointSeq: 30 });
    const checkpoint = await db.knex('journal_checkpoints').where({ tenant: 'acme' }).first();
    const remaining = await db.knex('journal_entries').where({ tenant: 'acme' }).orderBy('seq');
    expect(Number(checkpoint.seq)).toBe(30);
    expect(Number(checkpoint.count)).toBe(30);
    expect(checkpoint.pruned_at).toBe(new Date(now).toISOString());
    expect(remaining[0].prev_hash).toBe(checkpoint.hash);
    expect(remaining.map((row) => Number(row.seq))).toEqual(Array.from({ length: 15 }, (_, i) => 31 + i));
    // The pruning is itself journaled, by the system: one entry per segment (7, 14, 21, 28, 30),
    // each carrying the checkpoint it moved to, which is what vouches for the checkpoint.
    for (let index = 0; index < 5; index++)
      expect(remaining[10 + index]).toMatchObject({
        operation: 'journal.prune',
        result: 'pruned',
        actor_type: 'system',
      });
    expect(fromJsonColumn(remaining[14].changes)).toEqual([
      {
        pointer: '/checkpoint',
        new: { seq: 30, hash: checkpoint.hash, time: new Date(START).toISOString(), retentionDays: 365 },
      },
    ]);

    expect(await journal.verifier.verifyTenant('acme')).toMatchObject({ ok: true, checked: 15 });
    const lines = await exported('acme');
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({
      kind: 'JournalHead',
      seq: 45,
      checkpoint: { seq: 30, hash: checkpoint.hash, count: 30 },
      signedHead: { kind: 'JournalSignedHead', tenant: 'acme', seq: 45 },
    });
    expect(verifyExportLines(lines)).toMatchObject({ ok: true, checked: 15 });

    // Running again prunes nothing and journals nothing.
    expect(await retention.pruneTenant('acme')).toEqual({ tenant: 'acme', pruned: 0, checkpointSeq: 30 });
    expect(Number((await db.knex('journal_heads').where({ tenant: 'acme' }).first()).seq)).toBe(45);
  });

  it('never prunes the head, however old it is', async () => {
    now = START + 2000 * DAY_MS;
    const report = await retention.pruneTenant('acme');
    expect(report).toMatchObject({ pruned: 14, checkpointSeq: 44 });
    const seqs = (await db.knex('journal_entries').where({ tenant: 'acme' }).orderBy('seq')).map((row) =>
      Number(row.seq),
    );
    expect(seqs).toEqual([45, 46, 47]);
    expect(await journal.verifier.verifyTenant('acme')).toMatchObject({ ok: true, checked: 3 });
    expect(verifyExportLines(await exported('acme'))).toMatchObject({ ok: true });
  });

  it('follows the per-tenant retention setting; only admins may change it', async () => {
    await append('short', 5, 0);
    await append('short', 5, 20);
    now = START + 25 * DAY_MS;
    expect(await retention.pruneTenant('short')).toMatchObject({ pruned: 0 });

    const reader = {
      ...admin('short'),
      authorize: (permission: string) => {
        if (permission !== 'journal:read') throw new ForbiddenError(`permission "${permission}" required`);
      },
    };
    await expect(journal.settings.update(reader, { retentionDays: 10 })).rejects.toThrow('journal:admin');
    await journal.settings.update(admin('short'), { retentionDays: 10 });
    expect(await retention.pruneTenant('short')).toMatchObject({ pruned: 5, checkpointSeq: 5 });
    expect(await journal.verifier.verifyTenant('short')).toMatchObject({ ok: true });
    // Other tenants keep their own retention.
    expect(await retention.pruneAll()).toEqual(
      expect.arrayContaining([expect.objectContaining({ tenant: 'acme', pruned: 0 })]),
    );
  });

  it('refuses to prune a segment that does not verify: the evidence is kept', async () => {
    await append('tampered', 10, 0);
    await append('tampered', 1, 500);
    await db.knex.raw("UPDATE journal_entries SET result = 'forged' WHERE tenant = 'tampered' AND seq = 4");
    const report = await retention.pruneTenant('tampered');
    // The first segment (1..7) holds the edited entry: nothing is deleted.
    expect(report.pruned).toBe(0);
    expect(report.refused).toContain('entry 4 was edited');
    expect(
      Number((await db.knex('journal_entries').where({ tenant: 'tampered' }).count({ n: '*' }).first())?.n),
    ).toBe(11);
    expect(await journal.verifier.verifyTenant('tampered')).toMatchObject({ ok: false, firstBrokenSeq: 4 });
  });

  it("signs every tenant's head in the hourly run; a key that does not open stops only that tenant's signing", async () => {
    await append('signed-a', 2, 0);
    await append('signed-b', 2, 0);
    expect(await journal.retention.pruneAll()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ tenant: 'signed-a' }),
        expect.objectContaining({ tenant: 'signed-b' }),
      ]),
    );
    for (const tenant of ['signed-a', 'signed-b']) {
      const key = await db.knex('journal_signing_keys').where({ tenant }).first();
      const head = await db.knex('journal_heads').where({ tenant }).first();
      expect([Number(key.head_seq), key.head_hash]).toEqual([Number(head.seq), head.hash]);
    }
    // signed-a's sealed key moved to signed-b: it is bound to signed-a and does not open there.
    const moved = await db.knex('journal_signing_keys').where({ tenant: 'signed-a' }).first();
    await db
      .knex('journal_signing_keys')
      .where({ tenant: 'signed-b' })
      .update({ sealed_private_key: moved.sealed_private_key });
    const reports = await journal.retention.pruneAll();
    expect(reports.find((report) => report.tenant === 'signed-b')?.unsigned).toBe(
      'the journal signing key of tenant "signed-b" does not open under the master key: it was replaced or altered in the database',
    );
    expect(reports.find((report) => report.tenant === 'signed-a')?.unsigned).toBeUndefined();
  });

  it('starts a follow after the checkpoint when asked for pruned entries', async () => {
    const controller = new AbortController();
    const events = await journal.follower.open(admin('acme'), 0, controller.signal);
    const iterator = events[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: 'gap', from: 1, to: 44, reason: 'pruned' });
    const next = (await iterator.next()).value as FollowEvent;
    expect(next.type === 'entries' && next.entries.map((entry) => entry.seq)).toEqual([45, 46, 47]);
    controller.abort();
    await iterator.return?.(undefined);
  });
});
