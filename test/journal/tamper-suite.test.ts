/**
 * The tamperings of issue #12, each against the online verification (the database tampered, the
 * server's verifier run) and the offline one (the export, tampered or made from the tampered
 * database, checked by `steward journal verify --file … --public-key …`), with the precise
 * message each gives. A case that only exists in one of the two (an export's signed head line
 * has no database twin) says so with `online: null` or `offline: null`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemContext } from '../../src/context.js';
import type { SignedHead } from '../../src/contract/journal-head.js';
import { entryHash, type JournalEntry } from '../../src/journal/chain.js';
import type { JournalRow, JournalSigningKeyRow } from '../../src/journal/journal-entity.js';
import { JournalRetention } from '../../src/journal/journal-retention.js';
import { rowToEntry } from '../../src/journal/journal-rows.js';
import { JOURNAL_COLUMNS, JournalWriter } from '../../src/journal/journal-writer.js';
import { runCli } from '../cli/harness.js';
import { DIALECTS } from '../support/databases.js';
import { useServer } from '../support/server.js';
import { testSigner } from './signing.js';

const DAY_MS = 86_400_000;
/** Every stored column but the sequence: what moving an entry to another row carries. */
const PAYLOAD = JOURNAL_COLUMNS.filter((column) => column !== 'seq');
const short = (hash: string) => `${hash.slice(0, 12)}…`;

/** What a case sees of its tenant's intact journal before tampering. */
interface Journal {
  tenant: string;
  /** Hash of each entry by seq, as written (pruned ones too). */
  hashes: Record<number, string>;
  times: Record<number, string>;
  /** The head signed before tampering (also kept by the server as its last signed head). */
  anchor: SignedHead;
}

interface Case {
  name: string;
  /** Prune entries 1-3 first (checkpoint 3, journal.prune entry 7). */
  pruned?: boolean;
  /** Tampers the database; the online check and the export of the offline one see it. */
  database?: (journal: Journal) => Promise<void>;
  /** Tampers the export's lines (the last one is the JournalHead). */
  exported?: (lines: string[], journal: Journal) => string[];
  /** Passes the anchored head to the offline verify (--head). */
  anchored?: boolean;
  online: ((journal: Journal) => string) | null;
  offline: ((journal: Journal) => string) | null;
}

describe.each(DIALECTS)('the tamper suite, online and offline, on $dialect', ({ create }) => {
  const suite = useServer({ database: create, env: { STEWARD_ENGINE: 'off' } });
  const services = () => suite.server.services;
  const knex = () => services().db.knex;
  const now = Date.now();
  let clock = now;
  const writerOf = () => new JournalWriter(services().db, () => new Date(clock));
  const context = (tenant: string) =>
    systemContext(tenant, { type: 'system', id: 'test', name: 'test' }, `req-${tenant}`);

  async function append(tenant: string, names: string[], at: number): Promise<void> {
    clock = at;
    await services().db.transaction((trx) =>
      writerOf().append(
        trx,
        context(tenant),
        names.map((name) => ({ operation: 'apply', kind: 'Device', name, generation: 1, result: 'created' })),
      ),
    );
  }

  const row = async (tenant: string, seq: number) =>
    (await knex()<JournalRow>('journal_entries').where({ tenant, seq }).first()) as JournalRow;
  const keyRow = async (tenant: string) =>
    (await knex()<JournalSigningKeyRow>('journal_signing_keys')
      .where({ tenant })
      .first()) as JournalSigningKeyRow;

  /** Six entries (three older than the default retention of 365 days), optionally pruned, then a signed head. */
  async function journal(tenant: string, pruned = false): Promise<Journal> {
    await append(tenant, ['d-1', 'd-2', 'd-3'], now - 400 * DAY_MS);
    await append(tenant, ['d-4', 'd-5', 'd-6'], now);
    const written = await knex()<JournalRow>('journal_entries').where({ tenant }).orderBy('seq');
    if (pruned) {
      clock = now;
      const retention = new JournalRetention(
        services().db,
        writerOf(),
        services().journalService.settings,
        () => new Date(now),
      );
      expect(await retention.pruneTenant(tenant)).toMatchObject({ pruned: 3, checkpointSeq: 3 });
    }
    const rows = await knex()<JournalRow>('journal_entries').where({ tenant }).orderBy('seq');
    const head = { seq: Number(rows[rows.length - 1].seq), hash: rows[rows.length - 1].hash };
    const anchor = await services().journalService.signer.sign(tenant, head);
    expect(await services().journalService.verifier.verifyTenant(tenant)).toMatchObject({ ok: true });
    return {
      tenant,
      hashes: Object.fromEntries([...written, ...rows].map((entry) => [Number(entry.seq), entry.hash])),
      times: Object.fromEntries([...written, ...rows].map((entry) => [Number(entry.seq), entry.time])),
      anchor,
    };
  }

  /** The entry after `seq`, linked to it and hashed right: what a forger with database access writes. */
  async function forgedAfter(
    tenant: string,
    seq: number,
    change: Partial<JournalEntry>,
  ): Promise<JournalRow> {
    const previous = await row(tenant, seq);
    const entry = { ...rowToEntry(previous), seq: seq + 1, prevHash: previous.hash, ...change };
    const { hash: _hash, ...content } = entry;
    return {
      ...previous,
      seq: seq + 1,
      name: entry.name,
      operation: entry.operation,
      result: entry.result,
      reason: entry.reason,
      changes: JSON.stringify(entry.changes),
      prev_hash: previous.hash,
      hash: entryHash(content),
    } as JournalRow;
  }

  const setHead = (tenant: string, seq: number, hash: string) =>
    knex()('journal_heads').where({ tenant }).update({ seq, hash });

  const CASES: Case[] = [
    {
      name: "an entry's field edited",
      database: async ({ tenant }) => {
        await knex()('journal_entries').where({ tenant, seq: 3 }).update({ result: 'deleted' });
      },
      online: () => 'entry 3 was edited: its hash does not match its content',
      offline: () => 'entry 3 was edited: its hash does not match its content',
    },
    {
      name: "an entry's hash edited",
      database: async ({ tenant }) => {
        await knex()('journal_entries')
          .where({ tenant, seq: 3 })
          .update({ hash: 'f'.repeat(64) });
      },
      online: () => 'entry 3 was edited: its hash does not match its content',
      offline: () => 'entry 3 was edited: its hash does not match its content',
    },
    {
      name: 'the first entry deleted',
      database: async ({ tenant }) => {
        await knex()('journal_entries').where({ tenant, seq: 1 }).delete();
      },
      online: () => 'entry 1 is missing after the genesis hash (deleted)',
      offline: () => 'entry 1 is missing after the genesis hash (deleted)',
    },
    {
      name: 'a middle entry deleted',
      database: async ({ tenant }) => {
        await knex()('journal_entries').where({ tenant, seq: 3 }).delete();
      },
      online: () => 'entry 3 is missing after entry 2 (deleted)',
      offline: () => 'entry 3 is missing after entry 2 (deleted)',
    },
    {
      name: 'the last entry deleted',
      database: async ({ tenant }) => {
        await knex()('journal_entries').where({ tenant, seq: 6 }).delete();
      },
      online: () => 'entry 6 is missing: the head is at 6 (deleted from the end)',
      offline: () => 'entry 6 is missing: the head is at 6 (deleted from the end)',
    },
    {
      name: 'the tail truncated and the head row moved back with it (caught by the signed head)',
      database: async ({ tenant, hashes }) => {
        await knex()('journal_entries').where({ tenant }).andWhere('seq', '>', 4).delete();
        await setHead(tenant, 4, hashes[4]);
      },
      anchored: true,
      online: ({ anchor }) =>
        `rollback: the head row is at seq 4, below the head at seq 6 known before (signed ${anchor.time})`,
      offline: ({ anchor }) =>
        `rollback: the signed head is at seq 4, below the head at seq 6 known before (signed ${anchor.time})`,
    },
    {
      name: 'two entries re-ordered',
      database: async ({ tenant }) => {
        const [third, fourth] = [await row(tenant, 3), await row(tenant, 4)];
        const payload = (source: JournalRow) =>
          Object.fromEntries(
            PAYLOAD.map((column) => [
              column,
              column === 'changes' ? JSON.stringify(rowToEntry(source).changes) : source[column],
            ]),
          );
        await knex()('journal_entries').where({ tenant, seq: 3 }).update(payload(fourth));
        await knex()('journal_entries').where({ tenant, seq: 4 }).update(payload(third));
      },
      online: () =>
        'entry 3 holds content that belongs elsewhere: neither its hash nor its link to entry 2 match (re-ordered or replaced)',
      offline: () =>
        'entry 3 holds content that belongs elsewhere: neither its hash nor its link to entry 2 match (re-ordered or replaced)',
    },
    {
      name: 'an entry duplicated',
      database: async ({ tenant }) => {
        const copy = await row(tenant, 3);
        await knex()('journal_entries').insert({
          ...copy,
          seq: 7,
          changes: JSON.stringify(rowToEntry(copy).changes),
        });
      },
      exported: (lines) => [...lines.slice(0, 3), lines[2], ...lines.slice(3)],
      online: () =>
        'entry 7 holds content that belongs elsewhere: neither its hash nor its link to entry 6 match (re-ordered or replaced)',
      offline: () => 'entry 3 appears again after entry 3 (duplicated or out of order)',
    },
    {
      name: 'a forged entry inserted, hashed and linked right',
      database: async ({ tenant }) => {
        await knex()('journal_entries').insert(await forgedAfter(tenant, 6, { name: 'forged' }));
      },
      online: () => 'entries after the head (6) exist up to 7 (inserted)',
      offline: null, // the export stops at the head: the inserted row is not exported
    },
    {
      name: 'a forged entry inserted into an export',
      exported: (lines, { tenant }) => {
        const last = JSON.parse(lines[lines.length - 2]) as JournalEntry;
        const { hash: _hash, ...content } = { ...last, seq: 7, prevHash: last.hash, name: 'forged' };
        const forged = { ...content, hash: entryHash(content) };
        expect(forged.tenant).toBe(tenant);
        return [...lines.slice(0, -1), JSON.stringify(forged), lines[lines.length - 1]];
      },
      online: null, // the database twin is the case above
      offline: () => 'entries after the head (6) exist up to 7 (inserted)',
    },
    {
      name: 'a checkpoint forged over deleted entries (no prune happened)',
      database: async ({ tenant, hashes }) => {
        await knex()('journal_checkpoints').insert({
          tenant,
          seq: 3,
          hash: hashes[3],
          pruned_at: new Date(now).toISOString(),
          count: 3,
        });
        await knex()('journal_entries').where({ tenant }).andWhere('seq', '<=', 3).delete();
      },
      online: () =>
        'the checkpoint at seq 3 is vouched for by no journal.prune entry after it (a checkpoint the journal did not write)',
      offline: () =>
        'the checkpoint at seq 3 is vouched for by no journal.prune entry after it (a checkpoint the journal did not write)',
    },
    {
      name: "the checkpoint's hash altered",
      pruned: true,
      database: async ({ tenant }) => {
        await knex()('journal_checkpoints')
          .where({ tenant })
          .update({ hash: 'a'.repeat(64) });
      },
      online: () =>
        'entry 4 does not link to the checkpoint at seq 3: its prevHash differs (entries re-ordered, inserted, or rewritten with recomputed hashes)',
      offline: () =>
        'entry 4 does not link to the checkpoint at seq 3: its prevHash differs (entries re-ordered, inserted, or rewritten with recomputed hashes)',
    },
    {
      name: 'the checkpoint moved past the one its journal.prune entry vouches for',
      pruned: true,
      database: async ({ tenant, hashes }) => {
        await knex()('journal_entries').where({ tenant }).whereIn('seq', [4, 5]).delete();
        await knex()('journal_checkpoints').where({ tenant }).update({ seq: 5, hash: hashes[5] });
      },
      online: ({ hashes }) =>
        `the checkpoint (seq 5, hash ${short(hashes[5])}) is not the one the journal.prune entry at seq 7 records (seq 3, hash ${short(hashes[3])}): the checkpoint was altered`,
      offline: ({ hashes }) =>
        `the checkpoint (seq 5, hash ${short(hashes[5])}) is not the one the journal.prune entry at seq 7 records (seq 3, hash ${short(hashes[3])}): the checkpoint was altered`,
    },
    {
      name: 'a prune beyond the retention, vouched for by a forged journal.prune entry',
      database: async ({ tenant, hashes, times }) => {
        const vouched = { seq: 4, hash: hashes[4], time: times[4], retentionDays: 365 };
        const forged = await forgedAfter(tenant, 6, {
          operation: 'journal.prune',
          result: 'pruned',
          kind: null,
          name: null,
          generation: null,
          changes: [{ pointer: '/checkpoint', new: vouched }],
        });
        await knex()('journal_entries').insert({ ...forged, kind: null, generation: null });
        await setHead(tenant, 7, forged.hash);
        await knex()('journal_checkpoints').insert({
          tenant,
          seq: 4,
          hash: hashes[4],
          pruned_at: times[4],
          count: 4,
        });
        await knex()('journal_entries').where({ tenant }).andWhere('seq', '<=', 4).delete();
      },
      online: ({ times }) =>
        `the journal.prune entry at seq 7 pruned up to seq 4, dated ${times[4]}, which its retention of 365 days kept until ${new Date(Date.parse(times[6]) - 365 * DAY_MS).toISOString()} (pruned beyond retention)`,
      offline: ({ times }) =>
        `the journal.prune entry at seq 7 pruned up to seq 4, dated ${times[4]}, which its retention of 365 days kept until ${new Date(Date.parse(times[6]) - 365 * DAY_MS).toISOString()} (pruned beyond retention)`,
    },
    {
      name: 'the head row deleted',
      database: async ({ tenant }) => {
        await knex()('journal_heads').where({ tenant }).delete();
      },
      online: () => 'the head row of the journal is missing (deleted)',
      offline: () => "the JournalHead names no head: the journal's head row is missing (deleted)",
    },
    {
      name: 'the head row rolled back',
      database: async ({ tenant, hashes }) => {
        await setHead(tenant, 4, hashes[4]);
      },
      anchored: true,
      online: () => 'entries after the head (4) exist up to 6 (inserted)',
      offline: ({ anchor }) =>
        `rollback: the signed head is at seq 4, below the head at seq 6 known before (signed ${anchor.time})`,
    },
    {
      name: 'an export cut at the start while its head names no checkpoint',
      database: async ({ tenant }) => {
        await knex()('journal_entries').where({ tenant }).andWhere('seq', '<=', 3).delete();
      },
      online: () => 'entries 1 to 3 are missing after the genesis hash (deleted)',
      offline: () => 'entries 1 to 3 are missing after the genesis hash (deleted)',
    },
    {
      name: 'an export without its signed head',
      exported: (lines) => {
        const { signedHead: _signed, ...head } = JSON.parse(lines[lines.length - 1]);
        return [...lines.slice(0, -1), JSON.stringify(head)];
      },
      online: null, // a database has no export line to strip
      offline: () => 'the export ends without a signed head (stripped or truncated)',
    },
    {
      name: 'a signed head with a bad signature',
      database: async ({ tenant, anchor }) => {
        await knex()('journal_signing_keys')
          .where({ tenant })
          .update({ head_signature: flip(anchor.signature) });
      },
      exported: (lines) => {
        const head = JSON.parse(lines[lines.length - 1]);
        head.signedHead.signature = flip(head.signedHead.signature);
        return [...lines.slice(0, -1), JSON.stringify(head)];
      },
      online: ({ anchor }) =>
        `the last head signed by the server: the signed head (seq 6) has a bad signature: key ${anchor.keyId} did not sign it`,
      offline: ({ anchor }) =>
        `the signed head (seq 6) has a bad signature: key ${anchor.keyId} did not sign it`,
    },
    {
      name: "a signed head of another tenant's key",
      database: async ({ tenant }) => {
        const other = await keyRow(`${tenant}-other`);
        const { head_seq, head_hash, head_time, head_signature } = other;
        await knex()('journal_signing_keys')
          .where({ tenant })
          .update({ head_seq, head_hash, head_time, head_signature });
      },
      exported: (lines, { tenant }) => {
        const head = JSON.parse(lines[lines.length - 1]);
        head.signedHead = otherHeads.get(tenant);
        return [...lines.slice(0, -1), JSON.stringify(head)];
      },
      online: ({ anchor }) =>
        `the last head signed by the server: the signed head (seq 6) has a bad signature: key ${anchor.keyId} did not sign it`,
      offline: ({ tenant }) => `the signed head is for tenant "${tenant}-other", not "${tenant}"`,
    },
    {
      name: 'the signing key swapped in the database',
      database: async ({ tenant }) => {
        const { key_id, public_key, sealed_private_key } = await keyRow(`${tenant}-other`);
        await knex()('journal_signing_keys')
          .where({ tenant })
          .update({ key_id, public_key, sealed_private_key });
      },
      exported: (lines, { tenant }) => {
        const head = JSON.parse(lines[lines.length - 1]);
        head.signedHead = foreignKey.sign({ tenant, seq: head.seq, hash: head.hash });
        return [...lines.slice(0, -1), JSON.stringify(head)];
      },
      online: ({ tenant }) =>
        `the journal signing key of tenant "${tenant}" does not open under the master key: it was replaced or altered in the database`,
      offline: ({ anchor }) =>
        `the signed head names key ${foreignKey.keyId}, not the tenant's key ${anchor.keyId} (the public key given)`,
    },
  ];

  /** Heads signed for the "-other" tenants, by their own keys. */
  const otherHeads = new Map<string, SignedHead>();
  /** A key that is no tenant's. */
  const foreignKey = testSigner();

  function flip(signature: string): string {
    const first = signature[0] === 'A' ? 'B' : 'A';
    return `${first}${signature.slice(1)}`;
  }

  async function exportLines(tenant: string): Promise<string[]> {
    let text = '';
    for await (const chunk of (await services().journalService.exporter.open(context(tenant), 'ndjson'))
      .chunks)
      text += chunk;
    return text.trimEnd().split('\n');
  }

  async function offlineVerify(
    lines: string[],
    journal: Journal,
    anchored: boolean,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const root = mkdtempSync(join(tmpdir(), 'steward-tamper-'));
    const file = join(root, 'export.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    writeFileSync(join(root, 'key.pem'), journal.anchor.publicKey);
    writeFileSync(join(root, 'head.json'), JSON.stringify(journal.anchor));
    const argv = ['journal', 'verify', '--file', file, '--public-key', join(root, 'key.pem')];
    if (anchored) argv.push('--head', join(root, 'head.json'));
    return runCli(argv, { env: { STEWARD_CONFIG: join(root, 'config') } });
  }

  it('verifies intact journals online and offline, pruned or not', async () => {
    for (const pruned of [false, true]) {
      const intact = await journal(`intact-${pruned}`, pruned);
      expect(await services().journalService.verifier.verifyTenant(intact.tenant)).toMatchObject({
        ok: true,
      });
      const run = await offlineVerify(await exportLines(intact.tenant), intact, true);
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain(`checked with the public key given`);
      expect(run.code).toBe(0);
    }
  });

  it.each(CASES.map((tamper, index) => ({ ...tamper, index })))('$name', async (tamper) => {
    const tenant = `tamper-${tamper.index}`;
    const intact = await journal(tenant, tamper.pruned);
    // A second tenant with its own key, for the cases that borrow from another tenant.
    await journal(`${tenant}-other`);
    otherHeads.set(tenant, await exportHead(`${tenant}-other`));
    // Cases that tamper with an export start from the intact one; the others export the database.
    const intactLines = tamper.exported ? await exportLines(tenant) : [];
    await tamper.database?.(intact);
    if (tamper.online) {
      const result = await services().journalService.verifier.verifyTenant(tenant);
      expect(result.ok).toBe(false);
      expect(result.message).toBe(tamper.online(intact));
    }
    if (tamper.offline) {
      const lines = tamper.exported ? tamper.exported(intactLines, intact) : await exportLines(tenant);
      const run = await offlineVerify(lines, intact, tamper.anchored ?? false);
      expect(run.stdout).toBe('');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: .*export\.ndjson is BROKEN/);
      expect(run.stderr.trimEnd().endsWith(`: ${tamper.offline(intact)}`), run.stderr).toBe(true);
    }
  });

  async function exportHead(tenant: string): Promise<SignedHead> {
    const lines = await exportLines(tenant);
    return JSON.parse(lines[lines.length - 1]).signedHead as SignedHead;
  }
});
