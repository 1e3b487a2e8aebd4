/**
 * The server's binding of the shared chain verification (src/contract/journal-verify.ts, which the
 * CLI uses for `journal verify --file`) to its SHA-256 and canonical JSON, plus the verification
 * of an export read as a stream. Pure; no database.
 */
import { journalVerifier, type VerifyResult } from '../contract/journal-verify.js';
import { HEAD_CRYPTO } from './journal-signing.js';

export {
  ChainChecker,
  ExportVerifier,
  type JournalHeadLine,
  type VerifiableEntry,
  type VerifyOptions,
  type VerifyResult,
} from '../contract/journal-verify.js';

const verifier = journalVerifier(HEAD_CRYPTO);

/** SHA-256 over the canonical JSON of every field but `hash`, as the writer computed it. Pure. */
export const contentHash = verifier.contentHash;

/**
 * Verifies entries given in seq order (an export read back, a page of the API): every hash, every
 * link, no gap, and the head when given. Usable offline. Pure; constant memory.
 */
export const verifyEntries = verifier.verifyEntries;

/** Verifies the lines of an NDJSON export (see ExportVerifier). Pure. */
export const verifyExportLines = verifier.verifyExportLines;

/** Verifies an NDJSON export read as a stream of lines (e.g. node:readline over a file). */
export async function verifyExportStream(lines: AsyncIterable<string>): Promise<VerifyResult> {
  const exportVerifier = verifier.exportVerifier();
  for await (const line of lines) if (!exportVerifier.push(line)) break;
  return exportVerifier.finish();
}
