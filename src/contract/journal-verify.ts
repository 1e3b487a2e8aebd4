/**
 * Verifying a journal chain given as entries: the checker every verification feeds, and the
 * verification of pages and NDJSON exports, online (the server) or offline (`steward journal
 * verify --file`). Server and CLI share this one implementation so that they cannot disagree on
 * what an intact export is.
 *
 * Like all of src/contract this file imports nothing outside src/contract, so what needs SHA-256 and canonical JSON is
 * built by `journalVerifier(hashing)`: the server passes src/journal/chain.ts's sha256Hex, the CLI
 * node:crypto; both pass canonicalJson from canonical.ts. Pure; constant memory; no database.
 */

import {
  checkpointProblem,
  type HeadCrypto,
  headConsistencyProblem,
  type PruneClaim,
  pruneClaimOf,
  type SignedHead,
  signedHeadProblem,
} from './journal-head.js';

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

/**
 * What hashing an entry and checking a signed head take (SHA-256 of UTF-8 text in lower-case
 * hex, canonicalJson from canonical.ts, Ed25519); passed in because src/contract imports nothing.
 */
export type JournalHashing = HeadCrypto;

/** The verifications that hash entries, bound to a SHA-256 and canonical JSON. */
export interface JournalVerifications {
  /** SHA-256 over the canonical JSON of every field but `hash`, as the writer computed it. */
  contentHash: ContentHash;
  /**
   * Verifies entries given in seq order (an export read back, a page of the API): every hash,
   * every link, no gap, and the head when given. Constant memory.
   */
  verifyEntries(entries: Iterable<VerifiableEntry>, options?: VerifyOptions): VerifyResult;
  /** A verifier of an NDJSON export fed line by line (see ExportVerifier). */
  exportVerifier(trust?: ExportTrust): ExportVerifier;
  /** Verifies the lines of an NDJSON export (see ExportVerifier). */
  verifyExportLines(lines: Iterable<string>, trust?: ExportTrust): VerifyResult;
  /** Verifies a whole NDJSON export given as one text. */
  verifyExport(ndjson: string, trust?: ExportTrust): VerifyResult;
}

/** Binds the verifications to a SHA-256 and canonical JSON. Pure. */
export function journalVerifier(crypto: JournalHashing): JournalVerifications {
  const { sha256Hex, canonicalJson } = crypto;
  const contentHash: ContentHash = (entry) => {
    const { hash: _hash, ...hashed } = entry;
    return sha256Hex(canonicalJson(hashed));
  };
  const exportVerifier = (trust?: ExportTrust) => new ExportVerifier(contentHash, crypto, trust);
  const verifyExportLines = (lines: Iterable<string>, trust?: ExportTrust): VerifyResult => {
    const verifier = exportVerifier(trust);
    for (const line of lines) if (!verifier.push(line)) break;
    return verifier.finish();
  };
  return {
    contentHash,
    verifyEntries(entries, options = {}) {
      let checker: ChainChecker | undefined = options.start ? new ChainChecker(options.start) : undefined;
      for (const entry of entries) {
        checker ??= new ChainChecker(
          entry.seq === 1 ? { seq: 0, hash: GENESIS_HASH } : { seq: entry.seq - 1, hash: entry.prevHash },
        );
        if (!checker.push(entry.seq, entry.prevHash, entry.hash, contentHash(entry) === entry.hash)) break;
      }
      return (checker ?? new ChainChecker()).finish(options.head);
    },
    exportVerifier,
    verifyExportLines,
    verifyExport: (ndjson, trust) => verifyExportLines(ndjson.split('\n'), trust),
  };
}
