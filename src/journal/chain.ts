import { createHash, hash } from 'node:crypto';
import { canonicalJson } from '../resources/canonical.js';
import type { FieldChange } from '../resources/diff.js';

/** Characters of an entry hash: SHA-256 in lower-case hex. */
export const HASH_LENGTH = 64;

/** The hash before the first entry of a tenant's chain. */
export const GENESIS_HASH = '0'.repeat(HASH_LENGTH);

/** An entry as hashed and stored (everything but its own hash). */
export interface ChainedEntry {
  tenant: string;
  seq: number;
  time: string;
  actor: { type: string; id: string; name: string };
  requestId: string;
  source: string | null;
  operation: string;
  kind: string | null;
  name: string | null;
  generation: number | null;
  result: string;
  reason: string | null;
  changeset: string | null;
  changes: FieldChange[];
  prevHash: string;
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

const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));

/**
 * The canonical JSON of an entry's fields, built by hand in sorted key order so that verifying a
 * million entries does not sort and walk a million objects. `changesJson` is the canonical JSON of
 * `changes` (the stored column already is, see JournalWriter). Equal to `canonicalJson(entry)`
 * for every entry; a test holds the two together. Pure.
 */
export function canonicalEntryText(entry: Omit<ChainedEntry, 'changes'>, changesJson: string): string {
  return (
    `{"actor":{"id":${JSON.stringify(entry.actor.id)},"name":${JSON.stringify(entry.actor.name)},"type":${JSON.stringify(entry.actor.type)}}` +
    `,"changes":${changesJson},"changeset":${text(entry.changeset)}` +
    `,"generation":${entry.generation === null ? 'null' : entry.generation}` +
    `,"kind":${text(entry.kind)},"name":${text(entry.name)},"operation":${JSON.stringify(entry.operation)}` +
    `,"prevHash":${JSON.stringify(entry.prevHash)},"reason":${text(entry.reason)}` +
    `,"requestId":${JSON.stringify(entry.requestId)},"result":${JSON.stringify(entry.result)}` +
    `,"seq":${entry.seq},"source":${text(entry.source)},"tenant":${JSON.stringify(entry.tenant)}` +
    `,"time":${JSON.stringify(entry.time)}}`
  );
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
  const head = `{"actor":{"id":${JSON.stringify(shared.actor.id)},"name":${JSON.stringify(shared.actor.name)},"type":${JSON.stringify(shared.actor.type)}},"changes":`;
  const requestId = `,"requestId":${JSON.stringify(shared.requestId)},"result":`;
  const tail = `,"source":${text(shared.source)},"tenant":${JSON.stringify(shared.tenant)},"time":${JSON.stringify(shared.time)}}`;
  const quoted = new Map<string, string>();
  const quote = (value: string | null): string => {
    if (value === null) return 'null';
    let known = quoted.get(value);
    if (known === undefined) {
      known = JSON.stringify(value);
      if (quoted.size < 256) quoted.set(value, known);
    }
    return known;
  };
  return (own, changesJson) =>
    `${head}${changesJson},"changeset":${quote(own.changeset)},"generation":${own.generation === null ? 'null' : own.generation}` +
    `,"kind":${quote(own.kind)},"name":${text(own.name)},"operation":${quote(own.operation)}` +
    `,"prevHash":${JSON.stringify(own.prevHash)},"reason":${text(own.reason)}${requestId}${quote(own.result)},"seq":${own.seq}${tail}`;
}
