import type { FieldChange } from '../resources/diff.js';

/** Field names whose values never enter the journal, wherever they appear in a change. */
const SECRET_FIELD =
  /(password|passwd|secret|token|privatekey|private_key|plaintext|apikey|api_key|credential)/i;
/** `scheme://user:password@host`: the user-info of a URL is a credential whatever the field is called. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

export const REDACTED = '[REDACTED]';
const REDACTED_JSON = JSON.stringify(REDACTED);

/**
 * Member names seen so far: their JSON-quoted form followed by `:`, or null for a secret-looking
 * name. Documents of one kind repeat the same few names thousands of times in an apply; the bound
 * keeps a flood of distinct names (annotations, labels) from growing it without end.
 */
const memberNames = new Map<string, string | null>();
const MEMBER_NAMES_BOUND = 10_000;

function memberPrefix(name: string): string | null {
  let prefix = memberNames.get(name);
  if (prefix === undefined) {
    prefix = SECRET_FIELD.test(name) ? null : `${JSON.stringify(name)}:`;
    if (memberNames.size >= MEMBER_NAMES_BOUND) memberNames.clear();
    memberNames.set(name, prefix);
  }
  return prefix;
}

/** True when a JSON-pointer segment or member name looks like it holds a secret. Pure. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

function redactString(value: string): string {
  return value.includes('@') ? value.replace(URL_USERINFO, `$1${REDACTED}@`) : value;
}

/** A JSON value with secret-looking members replaced, at any depth. Pure. */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') {
    const redacted: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      redacted[key] = isSecretField(key) ? REDACTED : redactValue(member);
    }
    return redacted;
  }
  return value;
}

function isPointerSecret(pointer: string): boolean {
  return pointer.split('/').some(isSecretField);
}

/**
 * Replaces the values of secret-looking fields in a change summary: a change whose pointer names
 * a secret field is redacted whole; any other change has its values walked, because a created
 * resource is one change at pointer '' holding the whole object. Pure.
 */
export function redactChanges(changes: FieldChange[]): FieldChange[] {
  return changes.map((change) => {
    const secret = isPointerSecret(change.pointer);
    const redacted: FieldChange = { pointer: change.pointer };
    if ('old' in change) redacted.old = secret ? REDACTED : redactValue(change.old);
    if ('new' in change) redacted.new = secret ? REDACTED : redactValue(change.new);
    return redacted;
  });
}

/**
 * Appends canonicalJson(redactValue(value)) to `out` in one walk, without building the redacted
 * copy. Pieces are joined once at the end: a string built by `+` is a rope that every later reader
 * (the hash, the INSERT) would flatten again.
 */
function writeRedacted(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    out.push(JSON.stringify(redactString(value)));
    return;
  }
  if (value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out.push(',');
      const item = value[index];
      if (item === undefined) out.push('null');
      else writeRedacted(item, out);
    }
    out.push(']');
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // Insertion sort: objects have few members, often already in order (then it only compares).
  for (let index = 1; index < keys.length; index++) {
    const key = keys[index];
    let at = index - 1;
    if (keys[at] <= key) continue;
    while (at >= 0 && keys[at] > key) {
      keys[at + 1] = keys[at];
      at--;
    }
    keys[at + 1] = key;
  }
  // Pieces are pushed as they are (constants and cached names), not joined into new strings.
  let separator = '{';
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    const prefix = memberPrefix(key);
    out.push(separator);
    if (prefix === null) {
      out.push(JSON.stringify(key), ':', REDACTED_JSON);
    } else {
      out.push(prefix);
      writeRedacted(member, out);
    }
    separator = ',';
  }
  out.push(separator === '{' ? '{}' : '}');
}

/**
 * The canonical JSON of the redacted change summary, i.e. exactly
 * `canonicalJson(redactChanges(changes))` (a test holds the two together), built in one walk over
 * the values: this is what the journal stores and hashes for every entry, so it is on the path of
 * every apply. Pure.
 */
export function redactedChangesJson(changes: readonly FieldChange[]): string {
  const out: string[] = ['['];
  for (let index = 0; index < changes.length; index++) {
    const change = changes[index];
    const secret = isPointerSecret(change.pointer);
    // Members in canonical order: new, old, pointer. An absent or undefined value is left out.
    out.push(index > 0 ? ',{' : '{');
    if ('new' in change && (secret || change.new !== undefined)) {
      out.push('"new":');
      if (secret) out.push(REDACTED_JSON);
      else writeRedacted(change.new, out);
      out.push(',');
    }
    if ('old' in change && (secret || change.old !== undefined)) {
      out.push('"old":');
      if (secret) out.push(REDACTED_JSON);
      else writeRedacted(change.old, out);
      out.push(',');
    }
    out.push(`"pointer":${JSON.stringify(change.pointer)}}`);
  }
  out.push(']');
  return out.join('');
}
