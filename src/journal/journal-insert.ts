import type { Knex } from 'knex';
import { chunk, type DialectName } from '../store/database.js';
import { HASH_LENGTH, type OwnFields, type SharedFields } from './chain.js';

/** An entry ready to be stored: its own fields, its changes as hashed (canonical JSON), its hash. */
export interface LinkedEntry {
  own: OwnFields;
  changesJson: string;
  hash: string;
}

export const JOURNAL_COLUMNS = [
  'tenant',
  'seq',
  'time',
  'actor_type',
  'actor_id',
  'actor_name',
  'request_id',
  'source',
  'operation',
  'kind',
  'name',
  'generation',
  'result',
  'reason',
  'changeset',
  'changes',
  'prev_hash',
  'hash',
] as const;

/**
 * One journal_entries row in JOURNAL_COLUMNS order, for multi-row INSERTs. `changesJson` is the
 * canonical JSON of the (redacted) changes, exactly the text the hash covers. Pure.
 */
export function journalRowValues(
  shared: SharedFields,
  own: OwnFields,
  changesJson: string,
  hash: string,
): Array<string | number | null> {
  return [
    shared.tenant,
    own.seq,
    shared.time,
    shared.actor.type,
    shared.actor.id,
    shared.actor.name,
    shared.requestId,
    shared.source,
    own.operation,
    own.kind,
    own.name,
    own.generation,
    own.result,
    own.reason,
    own.changeset,
    changesJson,
    own.prevHash,
    hash,
  ];
}

/** The per-entry columns other than seq and the hashes, with how SQLite reads them back. */
const OWN_COLUMNS = [
  { column: 'operation', cast: 'TEXT', value: (entry: LinkedEntry) => entry.own.operation },
  { column: 'kind', cast: 'TEXT', value: (entry: LinkedEntry) => entry.own.kind },
  { column: 'name', cast: 'TEXT', value: (entry: LinkedEntry) => entry.own.name },
  { column: 'generation', cast: 'INTEGER', value: (entry: LinkedEntry) => entry.own.generation },
  { column: 'result', cast: 'TEXT', value: (entry: LinkedEntry) => entry.own.result },
  { column: 'reason', cast: 'TEXT', value: (entry: LinkedEntry) => entry.own.reason },
  { column: 'changeset', cast: 'TEXT', value: (entry: LinkedEntry) => entry.own.changeset },
  { column: 'changes', cast: 'TEXT', value: (entry: LinkedEntry) => entry.changesJson },
] as const;

export type OwnValue = string | number | null;

/** Digits of one length in the lengths blob; -1 (`-000000001`) stands for NULL. */
const LENGTH_WIDTH = 10;

/**
 * Stores linked entries (consecutive seqs, all of one append) in the caller's transaction.
 *
 * On SQLite the rows are not bound value by value: node-sqlite3 converts every bound value on the
 * event loop (about 0.4 µs each), which made the 18 values of 10,000 entries cost more than the
 * rows themselves. Values shared by the whole batch are bound once, and the values that differ
 * from entry to entry travel in three BLOBs that SQLite cuts up itself (substr of a BLOB is a copy
 * at an offset): the texts back to back, their byte lengths in fixed-width decimal, and the hashes
 * (the first entry's prevHash, then every hash: entry r links to the hash before its own). A
 * recursive CTE walks the entries, carrying the offset of each one's texts. On PostgreSQL, and for
 * a batch packEntries refuses, multi-row INSERTs bound value by value.
 */
export async function insertJournalEntries(
  trx: Knex.Transaction,
  dialect: DialectName,
  maxParameters: number,
  shared: SharedFields,
  entries: LinkedEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const packed = dialect === 'sqlite' ? packEntries(shared, entries) : undefined;
  if (packed) return insertPacked(trx, packed.sql, packed.bindings);
  const placeholders = `(${JOURNAL_COLUMNS.map(() => '?').join(', ')})`;
  for (const part of chunk(entries, JOURNAL_COLUMNS.length, maxParameters)) {
    await trx.raw(
      `INSERT INTO journal_entries (${JOURNAL_COLUMNS.join(', ')}) VALUES ${part.map(() => placeholders).join(', ')}`,
      part.flatMap((entry) => journalRowValues(shared, entry.own, entry.changesJson, entry.hash)),
    );
  }
}

/**
 * Inserts entries of several operations (each its own shared fields: actor, request, time) with
 * multi-row INSERTs, as many rows per statement as the driver's parameter limit allows. Group
 * commit's path: hundreds of one-entry operations, one statement.
 */
export async function insertEntriesOfMany(
  trx: Knex.Transaction,
  maxParameters: number,
  rows: ReadonlyArray<{ shared: SharedFields; entry: LinkedEntry }>,
): Promise<void> {
  const placeholders = `(${JOURNAL_COLUMNS.map(() => '?').join(', ')})`;
  for (const part of chunk([...rows], JOURNAL_COLUMNS.length, maxParameters)) {
    await trx.raw(
      `INSERT INTO journal_entries (${JOURNAL_COLUMNS.join(', ')}) VALUES ${part.map(() => placeholders).join(', ')}`,
      part.flatMap(({ shared, entry }) => journalRowValues(shared, entry.own, entry.changesJson, entry.hash)),
    );
  }
}

/** Runs a packed INSERT (see packEntries), once: a knex builder runs again on every `then`. */
export async function insertPacked(
  trx: Knex.Transaction,
  sql: string,
  bindings: Array<OwnValue | Buffer>,
): Promise<void> {
  await trx.raw(sql, bindings);
}

const statements = new Map<string, string>();

/** Which own columns an INSERT packs (they differ between entries) and which of those hold a NULL. */
interface PackedShape {
  varying: boolean[];
  nullable: boolean[];
}

/** The packed INSERT for batches of this shape (the columns not packed are bound once). */
function packedStatement(shape: PackedShape): string {
  const key = OWN_COLUMNS.map((_, index) =>
    shape.varying[index] ? (shape.nullable[index] ? 'n' : 'v') : '-',
  ).join('');
  let sql = statements.get(key);
  if (sql !== undefined) return sql;
  const packedColumns = OWN_COLUMNS.filter((_, index) => shape.varying[index]);
  const stride = packedColumns.length * LENGTH_WIDTH;
  const length = (row: string, index: number) =>
    `CAST(substr(?, ${row} * ${stride} + ${index * LENGTH_WIDTH + 1}, ${LENGTH_WIDTH}) AS INTEGER)`;
  const lengths = packedColumns.map((_, index) => `l${index}`);
  const nullable = OWN_COLUMNS.map((_, index) => shape.nullable[index]).filter(
    (_, index) => shape.varying[index],
  );
  // A NULL has length -1 and takes no bytes.
  const skip = (count: number) =>
    lengths
      .slice(0, count)
      .map((name, index) => (nullable[index] ? ` + max(${name}, 0)` : ` + ${name}`))
      .join('');
  let packedIndex = 0;
  const values = OWN_COLUMNS.map((column, index) => {
    if (!shape.varying[index]) return '?';
    const at = packedIndex++;
    const text = `CAST(substr(?, p${skip(at)}, l${at}) AS ${column.cast})`;
    return nullable[at] ? `CASE WHEN l${at} < 0 THEN NULL ELSE ${text} END` : text;
  });
  // Bindings follow the order of the ?s: lengths (anchor, then step), count, shared values, own
  // values (one text blob per packed column), hashes twice. packEntries builds them in this order.
  sql =
    `WITH RECURSIVE packed(r, p${lengths.map((name) => `, ${name}`).join('')}) AS (` +
    `SELECT 0, 1${packedColumns.map((_, index) => `, ${length('0', index)}`).join('')} ` +
    `UNION ALL SELECT r + 1, p${skip(lengths.length)}${packedColumns.map((_, index) => `, ${length('(r + 1)', index)}`).join('')} ` +
    'FROM packed WHERE r + 1 < ?) ' +
    `INSERT INTO journal_entries (${JOURNAL_COLUMNS.join(', ')}) ` +
    `SELECT ?, ? + r, ?, ?, ?, ?, ?, ?, ${values.join(', ')}, ` +
    `CAST(substr(?, r * ${HASH_LENGTH} + 1, ${HASH_LENGTH}) AS TEXT), CAST(substr(?, r * ${HASH_LENGTH} + ${HASH_LENGTH + 1}, ${HASH_LENGTH}) AS TEXT) ` +
    'FROM packed';
  statements.set(key, sql);
  return sql;
}

const ZERO = 0x30;
const MINUS = 0x2d;
/**
 * Most characters of texts one packed statement carries (so a length always fits LENGTH_WIDTH
 * digits); a bigger batch is bound value by value.
 */
const MAX_PACKED_TEXT = 64 * 1024 * 1024;

/** Writes fixed-width decimal lengths (-1 for NULL) into one buffer, without a string each. */
function lengthBlob(lengths: number[], count: number): Buffer {
  const blob = Buffer.alloc(count * LENGTH_WIDTH, ZERO);
  for (let index = 0; index < count; index++) {
    let value = lengths[index];
    const end = (index + 1) * LENGTH_WIDTH;
    if (value < 0) {
      blob[end - LENGTH_WIDTH] = MINUS;
      value = 1;
    }
    for (let at = end - 1; value > 0; at--) {
      blob[at] = ZERO + (value % 10);
      value = Math.floor(value / 10);
    }
  }
  return blob;
}

/**
 * The packed statement and its bindings, or undefined when the batch cannot be packed faithfully
 * (seqs that do not follow each other, a link that is not the previous hash, a hash that is not 64
 * ASCII characters, texts too big for one value): the caller then binds value by value.
 * Pure.
 */
export function packEntries(
  shared: SharedFields,
  entries: LinkedEntry[],
): { sql: string; bindings: Array<OwnValue | Buffer> } | undefined {
  const first = entries[0];
  const firstValues = OWN_COLUMNS.map((column) => column.value(first));
  const varying = OWN_COLUMNS.map(() => false);
  const nullable = firstValues.map((value) => value === null);
  for (const entry of entries) {
    for (let index = 0; index < OWN_COLUMNS.length; index++) {
      const value = OWN_COLUMNS[index].value(entry);
      if (value !== firstValues[index]) varying[index] = true;
      if (value === null) nullable[index] = true;
    }
  }
  const packedColumns = OWN_COLUMNS.filter((_, index) => varying[index]);
  const texts: string[] = [];
  const lengths: number[] = [];
  const hashes: string[] = [first.own.prevHash];
  let previous = first.own.prevHash;
  if (previous.length !== HASH_LENGTH) return undefined;
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index];
    // The statement numbers the rows from the first seq and links each to the hash before it.
    if (entry.own.seq !== first.own.seq + index || entry.own.prevHash !== previous) return undefined;
    if (entry.hash.length !== HASH_LENGTH) return undefined;
    previous = entry.hash;
    hashes.push(entry.hash);
    for (const column of packedColumns) {
      const value = column.value(entry);
      if (value === null) {
        lengths.push(-1);
        continue;
      }
      const text = typeof value === 'number' ? String(value) : value;
      texts.push(text);
      lengths.push(text.length);
    }
  }
  const joined = texts.join('');
  // Far below SQLite's limit on one value (1e9 bytes), which a batch of huge documents could reach.
  if (joined.length > MAX_PACKED_TEXT) return undefined;
  const textBlob = Buffer.from(joined, 'utf8');
  if (textBlob.length !== joined.length) {
    // Not all ASCII: lengths in bytes, text by text. A lone surrogate at the seam of two texts would
    // encode differently joined: bind value by value then.
    let bytes = 0;
    let text = 0;
    for (let index = 0; index < lengths.length; index++) {
      if (lengths[index] < 0) continue;
      lengths[index] = Buffer.byteLength(texts[text++], 'utf8');
      bytes += lengths[index];
    }
    if (bytes !== textBlob.length) return undefined;
  }
  const hashText = hashes.join('');
  // As many bytes as characters: ASCII, so that substr cuts at every 64th byte.
  const hashBlob = Buffer.from(hashText, 'utf8');
  if (hashBlob.length !== hashText.length) return undefined;
  const lengthsBlob = lengthBlob(lengths, lengths.length);
  const bindings: Array<OwnValue | Buffer> = [];
  for (let index = 0; index < 2 * packedColumns.length; index++) bindings.push(lengthsBlob);
  bindings.push(
    entries.length,
    shared.tenant,
    first.own.seq,
    shared.time,
    shared.actor.type,
    shared.actor.id,
    shared.actor.name,
    shared.requestId,
    shared.source,
  );
  for (let index = 0; index < OWN_COLUMNS.length; index++)
    bindings.push(varying[index] ? textBlob : firstValues[index]);
  bindings.push(hashBlob, hashBlob);
  return { sql: packedStatement({ varying, nullable }), bindings };
}
