import { randomUUID } from 'node:crypto';
import { PRUNE_CHECKPOINT_POINTER, type PruneCheckpoint } from '../contract/journal-head.js';
import type { Database } from '../store/database.js';
import { GENESIS_HASH } from './chain.js';
import type { JournalCheckpointRow, JournalHeadRow, JournalRow } from './journal-entity.js';
import { checkpointOf, headOf } from './journal-rows.js';
import { type JournalSettingsStore, retentionContext } from './journal-settings.js';
import type { JournalSigner } from './journal-signing.js';
import { JOURNAL_SELECT, type JournalWriter } from './journal-writer.js';
import { ChainChecker } from './verify-entries.js';
import { rowMatchesHash } from './verify-stored.js';

const DAY_MS = 86_400_000;
/** Entries deleted per transaction: short enough not to hold SQLite's write lock for long. */
export const PRUNE_BATCH = 10_000;

export interface PruneReport {
  tenant: string;
  /** Entries deleted by this run. */
  pruned: number;
  /** Seq of the last pruned entry after the run (0: nothing was ever pruned). */
  checkpointSeq: number;
  /** Set when pruning stopped because the segment to prune does not verify: evidence is kept. */
  refused?: string;
  /** Set when the head could not be signed after the run (the signing key does not open). */
  unsigned?: string;
}

/**
 * Retention: deletes a tenant's entries older than its retention, oldest first, in whole
 * segments (seq ranges, one transaction each). Each batch moves the tenant's checkpoint (seq and
 * hash of the last pruned entry) in the same transaction, so the remaining chain always starts
 * from a known link and still verifies. The head is never pruned. A segment that does not verify
 * is not pruned: deleting it would destroy the evidence of tampering. Safe to run concurrently
 * from several processes (the checkpoint row is locked per batch). Idempotent.
 */
export class JournalRetention {
  constructor(
    private readonly db: Database,
    private readonly writer: JournalWriter,
    private readonly settings: JournalSettingsStore,
    private readonly clock: () => Date = () => new Date(),
    private readonly batchSize = PRUNE_BATCH,
    /** Signs each tenant's head after its run: heads get signed hourly even if nobody asks. */
    private readonly signer?: JournalSigner,
  ) {}

  /** Prunes every tenant that has a journal. */
  async pruneAll(): Promise<PruneReport[]> {
    const tenants = await this.db.knex<JournalHeadRow>('journal_heads').select('tenant').orderBy('tenant');
    const reports: PruneReport[] = [];
    for (const { tenant } of tenants) {
      const report = await this.pruneTenant(tenant);
      reports.push(report);
      const head = headOf(await this.db.knex<JournalHeadRow>('journal_heads').where({ tenant }).first());
      // A key that does not open stops this tenant's signing, not the other tenants' pruning.
      if (head && this.signer)
        await this.signer.sign(tenant, head).catch((error: Error) => {
          report.unsigned = error.message;
        });
    }
    return reports;
  }

  async pruneTenant(tenant: string): Promise<PruneReport> {
    const { retentionDays } = await this.settings.read(tenant);
    const now = this.clock();
    const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
    const upTo = await this.pruneBoundary(tenant, cutoff);
    const requestId = randomUUID();
    let pruned = 0;
    for (;;) {
      const step = await this.db.transaction(async (trx) => {
        await trx.raw(
          'INSERT INTO journal_checkpoints (tenant, seq, hash, pruned_at, count) VALUES (?, 0, ?, ?, 0) ON CONFLICT (tenant) DO NOTHING',
          [tenant, GENESIS_HASH, now.toISOString()],
        );
        const checkpoint = checkpointOf(
          await this.db.forUpdate(trx<JournalCheckpointRow>('journal_checkpoints').where({ tenant }).first()),
        );
        const from = checkpoint?.seq ?? 0;
        const to = Math.min(upTo, from + this.batchSize);
        if (to <= from) return { deleted: 0, checkpointSeq: from, done: true };
        const rows = (await trx<JournalRow>('journal_entries')
          .select(JOURNAL_SELECT)
          .where('tenant', tenant)
          .andWhere('seq', '>', from)
          .andWhere('seq', '<=', to)
          .orderBy('seq')) as unknown as JournalRow[];
        const checker = new ChainChecker({ seq: from, hash: checkpoint?.hash ?? GENESIS_HASH });
        for (const row of rows) checker.push(Number(row.seq), row.prev_hash, row.hash, rowMatchesHash(row));
        const verdict = checker.finish({ seq: to, hash: rows[rows.length - 1]?.hash ?? '' });
        if (!verdict.ok) return { deleted: 0, checkpointSeq: from, done: true, refused: verdict.message };
        const last = rows[rows.length - 1];
        const deleted = Number(
          await trx('journal_entries')
            .where('tenant', tenant)
            .andWhere('seq', '>', from)
            .andWhere('seq', '<=', to)
            .delete(),
        );
        await trx('journal_checkpoints')
          .where({ tenant })
          .update({
            seq: to,
            hash: last.hash,
            pruned_at: now.toISOString(),
            count: (checkpoint?.count ?? 0) + deleted,
          });
        const done = to >= upTo;
        // Every segment that moves the checkpoint appends, in the same transaction, the chained
        // entry that vouches for it (journal-head.ts): verify trusts no checkpoint without one, so
        // a checkpoint row written by hand cannot hide the entries below it.
        const vouched: PruneCheckpoint = { seq: to, hash: last.hash, time: last.time, retentionDays };
        await this.writer.append(trx, retentionContext(tenant, requestId), [
          {
            operation: 'journal.prune',
            result: 'pruned',
            reason: `pruned ${pruned + deleted} entries up to seq ${to}, older than ${retentionDays} days (before ${cutoff})`,
            changes: [{ pointer: PRUNE_CHECKPOINT_POINTER, new: vouched }],
          },
        ]);
        return { deleted, checkpointSeq: to, done };
      });
      pruned += step.deleted;
      if (step.done) {
        const report: PruneReport = { tenant, pruned, checkpointSeq: step.checkpointSeq };
        if ('refused' in step && step.refused) report.refused = step.refused;
        return report;
      }
    }
  }

  /**
   * The last seq to prune: the newest entry older than the cutoff (entries are pruned in seq
   * order, as whole segments), but never the head.
   */
  private async pruneBoundary(tenant: string, cutoff: string): Promise<number> {
    const newestOld = await this.db
      .knex<JournalRow>('journal_entries')
      .where('tenant', tenant)
      .andWhere('time', '<', cutoff)
      .orderBy('time', 'desc')
      .first('time');
    if (!newestOld) return 0;
    const [boundary, head] = await Promise.all([
      this.db.knex('journal_entries').where({ tenant, time: newestOld.time }).max({ seq: 'seq' }).first(),
      this.db.knex<JournalHeadRow>('journal_heads').where({ tenant }).first(),
    ]);
    return Math.min(Number(boundary?.seq ?? 0), Number(head?.seq ?? 0) - 1);
  }
}
