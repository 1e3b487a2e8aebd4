/**
 * The journal entry's hashed form, defined once. An entry's hash is SHA-256 over the canonical
 * JSON (see canonical.ts) of every field but `hash`; that text is built in several places for
 * speed (the writer per append, the verifier per row, SQLite per page) and all of them are
 * generated from JOURNAL_ENTRY_FIELDS below, so a field cannot be added, renamed or encoded
 * differently in one place only. Dependency-free: the CLI imports it too.
 */

/** An entry's fields as hashed, but `changes`, which is hashed as its canonical JSON text. */
export interface JournalEntryFields {
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
  prevHash: string;
}

/**
 * How a field is written into the canonical text:
 * - `string` / `nullableString`: JSON-quoted (JSON.stringify; SQLite's json_quote escapes the same);
 * - `integer` / `nullableInteger`: decimal digits (the values are safe integers);
 * - `canonicalJson`: a text that already is canonical JSON, copied as is (the changes column).
 * A null is written `null`.
 */
export type EntryFieldType = 'string' | 'nullableString' | 'integer' | 'nullableInteger' | 'canonicalJson';

export interface EntryField {
  /** The member's name, or the object's and the member's for a nested one (actor). */
  readonly path: readonly [string] | readonly [string, string];
  readonly type: EntryFieldType;
  /**
   * Few distinct values within one append (every entry of an apply has the same operation): the
   * writer quotes each value once per append rather than once per entry.
   */
  readonly repeats?: boolean;
}

/**
 * Every hashed field, in canonical order (keys sorted, as canonicalJson sorts them). The order is
 * checked when this module loads. Changing this table changes every hash: existing journals
 * would no longer verify.
 */
export const JOURNAL_ENTRY_FIELDS: readonly EntryField[] = [
  { path: ['actor', 'id'], type: 'string' },
  { path: ['actor', 'name'], type: 'string' },
  { path: ['actor', 'type'], type: 'string' },
  { path: ['changes'], type: 'canonicalJson' },
  { path: ['changeset'], type: 'nullableString', repeats: true },
  { path: ['generation'], type: 'nullableInteger' },
  { path: ['kind'], type: 'nullableString', repeats: true },
  { path: ['name'], type: 'nullableString' },
  { path: ['operation'], type: 'string', repeats: true },
  { path: ['prevHash'], type: 'string' },
  { path: ['reason'], type: 'nullableString' },
  { path: ['requestId'], type: 'string' },
  { path: ['result'], type: 'string', repeats: true },
  { path: ['seq'], type: 'integer' },
  { path: ['source'], type: 'nullableString' },
  { path: ['tenant'], type: 'string' },
  { path: ['time'], type: 'string' },
];

function comparePaths(a: readonly string[], b: readonly string[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++)
    if (a[index] !== b[index]) return a[index] < b[index] ? -1 : 1;
  return a.length - b.length;
}

for (let index = 1; index < JOURNAL_ENTRY_FIELDS.length; index++)
  if (comparePaths(JOURNAL_ENTRY_FIELDS[index - 1].path, JOURNAL_ENTRY_FIELDS[index].path) >= 0)
    throw new Error(`JOURNAL_ENTRY_FIELDS is not in canonical order at ${JOURNAL_ENTRY_FIELDS[index].path}`);

/**
 * The canonical text as a template: literal JSON (braces, names, commas) around each field's
 * value, `[literal, field, literal, field, …, literal]`. Every encoder below is this template with
 * the fields filled in its own way.
 */
export function entryTemplate(): ReadonlyArray<string | EntryField> {
  return TEMPLATE;
}

function buildTemplate(): Array<string | EntryField> {
  const pieces: Array<string | EntryField> = [];
  let literal = '{';
  let group: string | undefined;
  for (const field of JOURNAL_ENTRY_FIELDS) {
    const [top, member] = field.path;
    if (group !== undefined && top !== group) {
      literal += '}';
      group = undefined;
    }
    const separator = pieces.length === 0 && literal === '{' ? '' : ',';
    if (member === undefined) literal += `${separator}${JSON.stringify(top)}:`;
    else if (group === top) literal += `,${JSON.stringify(member)}:`;
    else {
      literal += `${separator}${JSON.stringify(top)}:{${JSON.stringify(member)}:`;
      group = top;
    }
    pieces.push(literal, field);
    literal = '';
  }
  pieces.push(`${literal}${group === undefined ? '' : '}'}}`);
  return pieces;
}

const TEMPLATE: ReadonlyArray<string | EntryField> = buildTemplate();

/** A field's value as written into the canonical text (see EntryFieldType). Pure. */
export function encodeEntryValue(type: EntryFieldType, value: unknown): string {
  if (value === null) return 'null';
  switch (type) {
    case 'string':
    case 'nullableString':
      return JSON.stringify(value);
    case 'integer':
    case 'nullableInteger':
      return String(value);
    case 'canonicalJson':
      return value as string;
  }
}

/** The canonical text of one entry, given its changes already as canonical JSON. */
export type EntryTextEncoder<Entry> = (entry: Entry, changesJson: string) => string;

/** Distinct values a repeating field quotes once per encoder; past that, quoted each time. */
const QUOTED_BOUND = 256;

/** A quoting function for a repeating field that remembers what it quoted (bounded). */
function rememberingQuote(type: EntryFieldType): (value: unknown) => string {
  const quoted = new Map<unknown, string>();
  return (value) => {
    let text = quoted.get(value);
    if (text === undefined) {
      text = encodeEntryValue(type, value);
      if (quoted.size < QUOTED_BOUND) quoted.set(value, text);
    }
    return text;
  };
}

/** The JavaScript expression of a per-entry field's encoded value (`e` the entry, `c` the changes). */
function valueExpression(field: EntryField, nextQuote: () => string): string {
  const access = `e${field.path.map((name) => `[${JSON.stringify(name)}]`).join('')}`;
  if (field.type === 'canonicalJson') return 'c';
  if (field.repeats) return `${nextQuote()}(${access})`;
  switch (field.type) {
    case 'string':
      return `JSON.stringify(${access})`;
    case 'nullableString':
      return `(${access} === null ? 'null' : JSON.stringify(${access}))`;
    case 'integer':
      return access;
    case 'nullableInteger':
      return `(${access} === null ? 'null' : ${access})`;
  }
}

/** The compiled concatenation for one set of fixed fields, given its literals and quotes. */
type EncoderFactory = (
  literals: string[],
  quotes: Array<(value: unknown) => string>,
) => EntryTextEncoder<object>;

/** Compiled once per set of fixed fields (one for appends, one for single entries). */
const factories = new Map<string, EncoderFactory>();

/**
 * An encoder of canonical entry texts for entries that all share `fixed`'s fields (the tenant,
 * time and actor of one append; nothing, for entries read one at a time). The fixed fields and the
 * literal JSON around them are encoded once here, and the per-entry fields are one string
 * concatenation compiled from the field table (once per set of fixed fields, not per call): the
 * writer encodes every entry of every apply with it, and a loop over the table per entry cost a
 * fifth more than the hand-written expression it replaces. Only the table's names and types enter
 * the compiled source; values (the fixed fields, the literals between) are passed in as data,
 * never spliced into code. `changes` is never fixed. Pure (a repeating field's quotes are cached
 * per encoder, bounded).
 */
export function compileEntryText<Fixed extends Exclude<keyof JournalEntryFields, 'changes'>>(
  fixed: Pick<JournalEntryFields, Fixed>,
): EntryTextEncoder<Omit<JournalEntryFields, Fixed>> {
  const fixedValues = fixed as Partial<Record<string, unknown>>;
  const isFixed = (field: EntryField) => Object.hasOwn(fixedValues, field.path[0]);
  const literals: string[] = [];
  const quotes: Array<(value: unknown) => string> = [];
  let literal = '';
  for (const piece of entryTemplate()) {
    if (typeof piece === 'string') literal += piece;
    else if (isFixed(piece)) {
      const [top, member] = piece.path;
      const value =
        member === undefined ? fixedValues[top] : (fixedValues[top] as Record<string, unknown>)[member];
      literal += encodeEntryValue(piece.type, value);
    } else {
      literals.push(literal);
      literal = '';
      if (piece.repeats) quotes.push(rememberingQuote(piece.type));
    }
  }
  literals.push(literal);
  let shape = '';
  for (const field of JOURNAL_ENTRY_FIELDS) shape += isFixed(field) ? '1' : '0';
  let factory = factories.get(shape);
  if (factory === undefined) {
    factory = compileFactory(isFixed);
    factories.set(shape, factory);
  }
  return factory(literals, quotes);
}

/** Compiles `(e, c) => literals[0] + value + literals[1] + … ` for the fields not fixed. */
function compileFactory(isFixed: (field: EntryField) => boolean): EncoderFactory {
  let body = 'literals[0]';
  let literalCount = 1;
  let quoteCount = 0;
  for (const field of JOURNAL_ENTRY_FIELDS) {
    if (isFixed(field)) continue;
    const value = valueExpression(field, () => `quotes[${quoteCount++}]`);
    body += ` + ${value} + literals[${literalCount++}]`;
  }
  return new Function('literals', 'quotes', `return (e, c) => ${body};`) as EncoderFactory;
}

/** The canonical text of a whole entry, its changes given as canonical JSON. Pure. */
export const canonicalEntryText: EntryTextEncoder<JournalEntryFields> = compileEntryText({});
