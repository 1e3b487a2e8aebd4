/**
 * Verifying an NDJSON export line by line: the chain, the JournalHead line's checkpoint (vouched
 * for by a journal.prune entry), its signed head, and optionally that it extends an anchored head.
 * Shared by the server and `steward journal verify --file`. Pure; constant memory.
 */

import {
  ChainChecker,
  type ContentHash,
  GENESIS_HASH,
  type VerifiableEntry,
  type VerifyResult,
} from './journal-chain.js';
import {
  checkpointProblem,
  type HeadCrypto,
  headConsistencyProblem,
  type PruneClaim,
  pruneClaimOf,
  type SignedHead,
  signedHeadProblem,
} from './journal-head.js';

/** The last line of an NDJSON export. */
export interface JournalHeadLine {
  kind: 'JournalHead';
  tenant: string;
  /** Null when the journal has entries but no head row (deleted): the export says so. */
  seq: number | null;
  hash: string | null;
  checkpoint: { seq: number; hash: string; prunedAt: string; count: number } | null;
  /** The head above, signed by the server (journal-head.ts); absent only when there is no head. */
  signedHead?: SignedHead;
}

/** How an export's signed head is checked. */
export interface ExportTrust {
  /** The tenant's public key (SPKI PEM) kept elsewhere; without it, the key the export carries. */
  publicKey?: string;
  /**
   * A signed head anchored earlier (e.g. committed to a Git repository): the export must extend
   * it, so a tail truncated or rewritten below it is reported as a rollback or a fork.
   */
  anchor?: SignedHead;
}

/**
 * Verifies an NDJSON export line by line in constant memory: the entries, then the final
 * JournalHead line, whose checkpoint says where the chain must start (seq 1 and the genesis hash
 * when nothing was pruned, or the head line names no checkpoint). So an export whose oldest
 * entries were removed is refused, and a missing head line means the file was truncated.
 */
export class ExportVerifier {
  private checker: ChainChecker | undefined;
  private firstEntry: VerifiableEntry | undefined;
  private head: JournalHeadLine | undefined;
  private failure: VerifyResult | undefined;
  private lines = 0;
  /** The last journal.prune entry's claim: what vouches for the checkpoint. */
  private claim: PruneClaim | undefined;
  /** The hash of the entry at the anchor's seq, when the export holds it. */
  private hashAtAnchor: string | undefined;

  constructor(
    private readonly contentHash: ContentHash,
    private readonly crypto: HeadCrypto,
    private readonly trust: ExportTrust = {},
  ) {}

  /** The export's signed head once finish() found it good. */
  signedHead: SignedHead | undefined;

  /** Feeds one line; false once the verdict is known to be a failure. */
  push(line: string): boolean {
    this.lines += 1;
    if (this.failure) return false;
    if (line.trim() === '') return true;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return this.fail(`line ${this.lines} is not JSON`);
    }
    if (this.head) return this.fail(`line ${this.lines} follows the JournalHead line`);
    if (parsed.kind === 'JournalHead') {
      this.head = parsed as unknown as JournalHeadLine;
      return true;
    }
    const entry = parsed as unknown as VerifiableEntry;
    if (typeof entry.seq !== 'number' || typeof entry.hash !== 'string' || typeof entry.prevHash !== 'string')
      return this.fail(`line ${this.lines} is not a journal entry (seq, prevHash, hash)`);
    if (!this.checker) {
      // Trusted from the first entry on until the head line says where the chain starts.
      this.firstEntry = entry;
      this.checker = new ChainChecker({ seq: entry.seq - 1, hash: entry.prevHash });
    }
    if (entry.seq === this.trust.anchor?.seq) this.hashAtAnchor = entry.hash;
    this.claim = pruneClaimOf(parsed as unknown as Parameters<typeof pruneClaimOf>[0]) ?? this.claim;
    return this.checker.push(entry.seq, entry.prevHash, entry.hash, this.contentHash(entry) === entry.hash);
  }

  finish(): VerifyResult {
    if (this.failure) return this.failure;
    if (this.checker?.broken) return this.checker.finish();
    const head = this.head;
    if (!head) return { ok: false, checked: 0, message: 'no JournalHead line: the export is truncated' };
    const checked = this.checker?.verified ?? 0;
    if (head.seq === null || head.hash === null)
      return {
        ok: false,
        checked,
        message: "the JournalHead names no head: the journal's head row is missing (deleted)",
      };
    const start = head.checkpoint
      ? { seq: Number(head.checkpoint.seq), hash: head.checkpoint.hash }
      : { seq: 0, hash: GENESIS_HASH };
    const first = this.firstEntry;
    const anchor = { seq: Number(head.seq), hash: head.hash };
    let chain: VerifyResult;
    if (!first || !this.checker) chain = new ChainChecker(start).finish(anchor);
    else {
      // The start is checked last but reported first: it is the lowest broken seq.
      const startCheck = new ChainChecker(start);
      chain = startCheck.push(first.seq, first.prevHash, first.hash, true)
        ? this.checker.finish(anchor)
        : startCheck.finish();
    }
    if (!chain.ok) return chain;
    if (head.checkpoint) {
      const problem = checkpointProblem(start, this.claim);
      if (problem) return { ok: false, checked, firstBrokenSeq: start.seq, message: problem };
    }
    const signed = head.signedHead;
    if (!signed)
      return { ok: false, checked, message: 'the export ends without a signed head (stripped or truncated)' };
    const problem = signedHeadProblem(
      signed,
      { tenant: head.tenant, publicKey: this.trust.publicKey },
      this.crypto,
    );
    if (problem) return { ok: false, checked, message: problem };
    if (signed.seq !== anchor.seq || signed.hash !== anchor.hash)
      return {
        ok: false,
        checked,
        message: `the signed head (seq ${signed.seq}) is not the export's head (seq ${anchor.seq}): the head line was altered`,
      };
    const anchored = this.trust.anchor;
    if (anchored) {
      const trusted = { tenant: head.tenant, publicKey: this.trust.publicKey ?? signed.publicKey };
      const badAnchor = signedHeadProblem(anchored, trusted, this.crypto);
      if (badAnchor) return { ok: false, checked, message: `the anchored head: ${badAnchor}` };
      const atAnchor = anchored.seq === start.seq ? start.hash : this.hashAtAnchor;
      const moved = headConsistencyProblem(anchored, signed, atAnchor);
      if (moved) return { ok: false, checked, message: moved };
    }
    this.signedHead = signed;
    const by = this.trust.publicKey
      ? 'the public key given'
      : 'the key the export carries (pass the public key to trust it)';
    return {
      ...chain,
      message: `${chain.message}; head signed by key ${signed.keyId} at ${signed.time}, checked with ${by}`,
    };
  }

  private fail(message: string): false {
    this.failure = { ok: false, checked: 0, message };
    return false;
  }
}
