/**
 * The chain checker every journal verification feeds (online, offline, retention): given entries
 * in seq order, it names the first break. Like all of src/contract it imports nothing outside
 * src/contract. Pure; constant memory.
 */

/** The hash before the first entry of a tenant's chain (equal to src/journal/chain.ts's). */
export const GENESIS_HASH = '0'.repeat(64);

/** A position in the chain: an entry's seq and hash (seq 0 with GENESIS_HASH before the first). */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

/** The outcome of a verification; the body of `GET /api/v1/journal/verify`. */
export interface VerifyResult {
  ok: boolean;
  /** Entries verified intact before the first break (all of them when ok). */
  checked: number;
  firstBrokenSeq?: number;
  message: string;
}

/**
 * Checks a chain fed in seq order, one entry at a time, in constant memory. It names what is
 * wrong with the first broken entry:
 * - a gap in the sequence: entries were deleted;
 * - a hash that does not match the content while the link holds: the entry was edited;
 * - a content hash that holds but a prevHash that does not match the previous entry: entries were
 *   re-ordered or inserted (or rewritten with a recomputed hash);
 * - neither holding: the row carries another entry's content (re-ordered or replaced).
 */
export class ChainChecker {
  private previous: ChainAnchor;
  private failure: VerifyResult | undefined;
  private checked = 0;
  private first: number | undefined;

  /** `start`: genesis (seq 0) or the retention checkpoint the remaining chain links to. */
  constructor(private readonly start: ChainAnchor = { seq: 0, hash: GENESIS_HASH }) {
    this.previous = start;
  }

  get broken(): boolean {
    return this.failure !== undefined;
  }

  /** Entries verified intact so far. */
  get verified(): number {
    return this.checked;
  }

  /** Feeds the next entry; `contentMatches` says whether its stored hash matches its content. */
  push(seq: number, prevHash: string, hash: string, contentMatches: boolean): boolean {
    if (this.failure) return false;
    const previous = this.previous;
    const after = previous === this.start ? this.describeStart() : `entry ${previous.seq}`;
    if (seq <= previous.seq) {
      return this.fail(seq, `entry ${seq} appears again after ${after} (duplicated or out of order)`);
    }
    if (seq > previous.seq + 1) {
      const missing =
        seq === previous.seq + 2
          ? `entry ${previous.seq + 1} is`
          : `entries ${previous.seq + 1} to ${seq - 1} are`;
      return this.fail(previous.seq + 1, `${missing} missing after ${after} (deleted)`);
    }
    const linked = prevHash === previous.hash;
    if (!contentMatches && linked)
      return this.fail(seq, `entry ${seq} was edited: its hash does not match its content`);
    if (!contentMatches)
      return this.fail(
        seq,
        `entry ${seq} holds content that belongs elsewhere: neither its hash nor its link to ${after} match (re-ordered or replaced)`,
      );
    if (!linked)
      return this.fail(
        seq,
        `entry ${seq} does not link to ${after}: its prevHash differs (entries re-ordered, inserted, or rewritten with recomputed hashes)`,
      );
    this.first ??= seq;
    this.checked += 1;
    this.previous = { seq, hash };
    return true;
  }

  /** The verdict, checking the head (the last entry the writer recorded) when one is known. */
  finish(head?: ChainAnchor | null): VerifyResult {
    if (this.failure) return this.failure;
    const last = this.previous;
    if (head && head.seq > last.seq) {
      const missing =
        head.seq === last.seq + 1 ? `entry ${head.seq} is` : `entries ${last.seq + 1} to ${head.seq} are`;
      return this.failed(
        last.seq + 1,
        `${missing} missing: the head is at ${head.seq} (deleted from the end)`,
      );
    }
    if (head && head.seq < last.seq)
      return this.failed(
        head.seq + 1,
        `entries after the head (${head.seq}) exist up to ${last.seq} (inserted)`,
      );
    if (head && head.hash !== last.hash)
      return this.failed(
        last.seq,
        `the head's hash does not match entry ${last.seq} (the last entry was rewritten)`,
      );
    const range = this.checked === 0 ? 'no entries' : `entries ${this.first} to ${last.seq}`;
    const from = this.start.seq > 0 ? ` from the checkpoint at seq ${this.start.seq}` : '';
    return {
      ok: true,
      checked: this.checked,
      message: `${this.checked} entries verified (${range})${from}; the chain is intact up to the head`,
    };
  }

  private describeStart(): string {
    return this.start.seq === 0 ? 'the genesis hash' : `the checkpoint at seq ${this.start.seq}`;
  }

  private fail(seq: number, message: string): false {
    this.failed(seq, message);
    return false;
  }

  private failed(seq: number, message: string): VerifyResult {
    this.failure = { ok: false, checked: this.checked, firstBrokenSeq: seq, message };
    return this.failure;
  }
}

/** An entry as exported (NDJSON) or served: at least seq, prevHash and hash. */
export interface VerifiableEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The hash of an entry's content (every field but `hash`), as the writer computed it. */
export type ContentHash = (entry: VerifiableEntry) => string;

export interface VerifyOptions {
  /**
   * Where the chain starts: the checkpoint of a pruned journal. Without one, a chain starting at
   * seq 1 must link to the genesis hash, and a chain starting later is trusted from its first entry.
   */
  start?: ChainAnchor;
  /** The head the chain must end at (the export's JournalHead line). */
  head?: ChainAnchor;
}
