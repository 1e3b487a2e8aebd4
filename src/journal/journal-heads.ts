/**
 * GET /api/v1/journal/head: the tenant's head signed now, and optionally the entry at an earlier
 * seq, so a verifier that remembers an older signed head can check the new one extends it.
 */

import type { OperationContext } from '../context.js';
import type { SignedHead } from '../contract/journal-head.js';
import { BadRequestError, ConflictError } from '../errors.js';
import type { Database } from '../store/database.js';
import { GENESIS_HASH, type JournalEntry } from './chain.js';
import type { JournalCheckpointRow, JournalHeadRow, JournalRow } from './journal-entity.js';
import { checkpointOf, headOf, rowToEntry } from './journal-rows.js';
import type { JournalSigner } from './journal-signing.js';
import { JOURNAL_SELECT } from './journal-writer.js';

/** The body of GET /journal/head. */
export interface SignedHeadAnswer extends SignedHead {
  /** With `?at=SEQ`: that seq's hash in the chain now (the entry too), null when pruned or missing. */
  at?: { seq: number; hash: string | null; entry: JournalEntry | null };
}

/** `at`: a seq (integer ≥ 0) or absent. Pure. */
export function parseAt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new BadRequestError(
      `query parameter "at" must be a sequence number (0 to 999999999999999), got "${value.slice(0, 40)}"`,
    );
  return Number(value);
}

export class JournalHeads {
  constructor(
    private readonly db: Database,
    private readonly signer: JournalSigner,
  ) {}

  async signedHead(context: OperationContext, atText: string | undefined): Promise<SignedHeadAnswer> {
    context.authorize('journal:read');
    const at = parseAt(atText);
    const tenant = context.tenant;
    let head = headOf(await this.db.knex<JournalHeadRow>('journal_heads').where({ tenant }).first());
    if (!head) {
      if (await this.db.knex('journal_entries').where({ tenant }).first('seq'))
        throw new ConflictError("the journal's head row is missing (deleted): run journal verify");
      head = { seq: 0, hash: GENESIS_HASH };
    }
    const signed: SignedHeadAnswer = await this.signer.sign(tenant, head);
    if (at !== undefined) signed.at = await this.entryAt(tenant, at);
    return signed;
  }

  private async entryAt(tenant: string, seq: number): Promise<NonNullable<SignedHeadAnswer['at']>> {
    if (seq === 0) return { seq, hash: GENESIS_HASH, entry: null };
    const row = (await this.db
      .knex<JournalRow>('journal_entries')
      .select(JOURNAL_SELECT)
      .where({ tenant, seq })
      .first()) as JournalRow | undefined;
    if (row) return { seq, hash: row.hash, entry: rowToEntry(row) };
    const checkpoint = checkpointOf(
      await this.db.knex<JournalCheckpointRow>('journal_checkpoints').where({ tenant }).first(),
    );
    return { seq, hash: checkpoint?.seq === seq ? checkpoint.hash : null, entry: null };
  }
}
