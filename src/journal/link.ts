/**
 * Linking an append's records into the tenant's hash chain: each record becomes an entry with the
 * next sequence, its redacted canonical changes, the previous entry's hash and its own. ("Seal"
 * is kept for what the master key does to private keys, src/pki/master-key.ts.)
 */
import type { OperationContext } from '../context.js';
import type { FieldChange } from '../resources/diff.js';
import { entryTextEncoder, HASH_LENGTH, type OwnFields, type SharedFields, sha256Hex } from './chain.js';
import type { LinkedEntry } from './journal-insert.js';
import { redactedChangesJson } from './redact.js';

/** What a caller records; the writer adds sequence, time, actor, request id and the chain. */
export interface JournalRecord {
  operation: string;
  kind?: string;
  name?: string;
  generation?: number;
  result: string;
  reason?: string;
  changeset?: string;
  changes?: FieldChange[];
}

/** A tenant's journal head, read and locked for an append. */
export interface LockedHead {
  tenant: string;
  seq: number;
  hash: string;
}

/** Entries chained onto a head, ready to be stored in the same transaction. */
export interface LinkedAppend {
  head: LockedHead;
  shared: SharedFields;
  entries: LinkedEntry[];
}

/**
 * The text as the database stores it: the drivers write UTF-8, in which a lone surrogate (a half
 * of an emoji, from a JSON `\ud800` escape) becomes U+FFFD. Hashing the text as given would make
 * such an entry fail verification forever, as edited. Well-formed text, the rest, is unchanged.
 */
function asStored(text: string): string;
function asStored(text: string | null): string | null;
function asStored(text: string | null): string | null {
  return text === null ? null : (text as string & { toWellFormed(): string }).toWellFormed();
}

/** The fields every entry of an append shares, from the operation's context. Pure. */
export function sharedFields(tenant: string, time: string, context: OperationContext): SharedFields {
  return {
    tenant: asStored(tenant),
    time,
    actor: {
      type: asStored(context.actor.type),
      id: asStored(context.actor.id),
      name: asStored(context.actor.name),
    },
    requestId: asStored(context.requestId),
    source: asStored(context.source ?? null),
  };
}

/** A record's own fields at `seq`, linked to `prevHash`. Pure. */
export function ownFields(record: Omit<JournalRecord, 'changes'>, seq: number, prevHash: string): OwnFields {
  return {
    seq,
    operation: asStored(record.operation),
    kind: asStored(record.kind ?? null),
    name: asStored(record.name ?? null),
    generation: record.generation ?? null,
    result: asStored(record.result),
    reason: asStored(record.reason ?? null),
    changeset: asStored(record.changeset ?? null),
    prevHash,
  };
}

/** A record's own fields without its changes (those travel already encoded). */
export type ChainRecord = Omit<JournalRecord, 'changes'>;

/** The journal's form of a record's changes: canonical JSON, redacted. Pure. */
export function encodeChanges(record: JournalRecord): string {
  return redactedChangesJson(record.changes ?? []);
}

/**
 * Entries of `records` (changes already encoded) linked onto `head`: sequences and links, with
 * each entry's hash from `hashOf`, which sees the entry's fields and its predecessor's hash.
 */
function linkEntries(
  head: LockedHead,
  records: readonly ChainRecord[],
  changes: readonly string[],
  hashOf: (own: OwnFields, changesJson: string, index: number) => string,
): LinkedEntry[] {
  const entries: LinkedEntry[] = new Array(records.length);
  let prevHash = head.hash;
  for (let index = 0; index < records.length; index++) {
    const own = ownFields(records[index], head.seq + index + 1, prevHash);
    const hash = hashOf(own, changes[index], index);
    entries[index] = { own, changesJson: changes[index], hash };
    prevHash = hash;
  }
  return entries;
}

/**
 * Chains entries whose changes are already encoded onto `head`: sequences, links, hashes. Strings
 * in, strings out, so that it can run in the chain worker as well. Pure.
 */
export function chainEntries(
  head: LockedHead,
  shared: SharedFields,
  records: readonly ChainRecord[],
  changes: readonly string[],
): LinkedEntry[] {
  const entryText = entryTextEncoder(shared);
  // Stored in canonical form: the verifier hashes the column's text as it is (fast path).
  return linkEntries(head, records, changes, (own, changesJson) => sha256Hex(entryText(own, changesJson)));
}

/** The entries chainEntries gives, with the hashes the chain worker computed (joined). Pure. */
export function entriesWithHashes(
  head: LockedHead,
  records: readonly ChainRecord[],
  changes: readonly string[],
  hashes: string,
): LinkedEntry[] {
  return linkEntries(head, records, changes, (_own, _changes, index) =>
    hashes.slice(index * HASH_LENGTH, (index + 1) * HASH_LENGTH),
  );
}

/** Chains `records` onto `head`: encoded changes, sequences, links, hashes. Pure. */
export function linkRecords(
  head: LockedHead,
  shared: SharedFields,
  records: readonly JournalRecord[],
): LinkedEntry[] {
  return chainEntries(head, shared, records, records.map(encodeChanges));
}
