import type { FieldChange } from '../resources/diff.js';

/** Field names whose values never enter the journal, wherever they appear in a change. */
const SECRET_FIELD = /(password|passwd|secret|token|privatekey|private_key|plaintext|apikey|api_key|credential)/i;
/** `scheme://user:password@host`: the user-info of a URL is a credential whatever the field is called. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

export const REDACTED = '[REDACTED]';

/** True when a JSON-pointer segment or member name looks like it holds a secret. Pure. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

/** A JSON value with secret-looking members replaced, at any depth. Pure. */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('@') ? value.replace(URL_USERINFO, `$1${REDACTED}@`) : value;
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

/**
 * Replaces the values of secret-looking fields in a change summary: a change whose pointer names
 * a secret field is redacted whole; any other change has its values walked, because a created
 * resource is one change at pointer '' holding the whole object. Pure.
 */
export function redactChanges(changes: FieldChange[]): FieldChange[] {
  return changes.map((change) => {
    const secret = change.pointer.split('/').some(isSecretField);
    const redacted: FieldChange = { pointer: change.pointer };
    if ('old' in change) redacted.old = secret ? REDACTED : redactValue(change.old);
    if ('new' in change) redacted.new = secret ? REDACTED : redactValue(change.new);
    return redacted;
  });
}
