import { createHash, hash } from 'node:crypto';
import { canonicalJson } from '../contract/canonical.js';
import { compileEntryText, type JournalEntryFields } from '../contract/journal-entry.js';
import type { FieldChange } from '../resources/diff.js';

/**
 * The canonical JSON of an entry's fields built from the field table, without sorting or walking
 * an object: verify hashes a million of them. Equal to `canonicalJson(entry)` (a test holds the two
 * together). Pure.
 */
export { canonicalEntryText } from '../contract/journal-entry.js';

/** Characters of an entry hash: SHA-256 in lower-case hex. */
export const HASH_LENGTH = 64;

/** The hash before the first entry of a tenant's chain. */
export const GENESIS_HASH = '0'.repeat(HASH_LENGTH);

/** An entry as hashed and stored (everything but its own hash). */
export interface ChainedEntry extends JournalEntryFields {
  changes: FieldChange[];
}

/** An entry as the API serves and exports it: the chained fields and its own hash. */
export interface JournalEntry extends ChainedEntry {
  hash: string;
}

/**
 * The entry's hash: SHA-256 over the canonical JSON of every field, including the previous hash,
 * so that editing, deleting or re-ordering any entry breaks every later link. Pure.
 */
export function entryHash(entry: ChainedEntry): string {
  return createHash('sha256').update(canonicalJson(entry)).digest('hex');
}

export function sha256Hex(value: string): string {
  return hash('sha256', value);
}

/** The fields every entry of one append shares: who, when, from where, in which request. */
export type SharedFields = Pick<ChainedEntry, 'tenant' | 'time' | 'actor' | 'requestId' | 'source'>;
/** The fields of one entry of an append, but its changes. */
export type OwnFields = Omit<ChainedEntry, keyof SharedFields | 'changes'>;

/**
 * canonicalEntryText for the entries of one append: the shared fields are encoded once, and the
 * few values that repeat from entry to entry (kind, operation, result, changeset) are quoted once.
 * Returns exactly what canonicalEntryText returns for the same entry (a test holds the two
 * together). Pure.
 */
export function entryTextEncoder(shared: SharedFields): (own: OwnFields, changesJson: string) => string {
  return compileEntryText(shared);
}
