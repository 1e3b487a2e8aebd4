/**
 * Canonical JSON: object keys sorted (by UTF-16 code units, as Array.prototype.sort), no
 * whitespace, members whose value is undefined left out, undefined array items written as null.
 * Two values are equal as documents exactly when their canonical forms are equal, and the journal
 * hashes this form, so the server and the CLI must agree on it to the byte: both import this file
 * (dependency-free, like all of src/contract). Pure.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  }
  return `{${members.join(',')}}`;
}
