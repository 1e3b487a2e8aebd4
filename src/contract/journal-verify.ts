/**
 * Verifying a journal chain given as entries (journal-chain.ts's checker) and NDJSON exports
 * (journal-export-verify.ts), online (the server) or offline (`steward journal verify --file`).
 * Server and CLI share this one implementation so that they cannot disagree on what an intact
 * export is.
 *
 * Like all of src/contract these files import nothing outside src/contract, so what needs SHA-256,
 * canonical JSON and Ed25519 is built by `journalVerifier(crypto)`: the server passes
 * src/journal/journal-signing.ts's HEAD_CRYPTO, the CLI node:crypto; both pass canonicalJson from
 * canonical.ts. Pure; constant memory; no database.
 */

import {
  ChainChecker,
  type ContentHash,
  GENESIS_HASH,
  type VerifiableEntry,
  type VerifyOptions,
  type VerifyResult,
} from './journal-chain.js';
import { type ExportTrust, ExportVerifier } from './journal-export-verify.js';
import type { HeadCrypto } from './journal-head.js';

export {
  type ChainAnchor,
  ChainChecker,
  type ContentHash,
  GENESIS_HASH,
  type VerifiableEntry,
  type VerifyOptions,
  type VerifyResult,
} from './journal-chain.js';
export { type ExportTrust, ExportVerifier, type JournalHeadLine } from './journal-export-verify.js';

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
