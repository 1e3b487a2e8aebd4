import type { PrinterColumn } from '../../../../src/contract/discovery';

function at(object: unknown, path: string): unknown {
  let value = object;
  for (const field of path.split('.').filter(Boolean)) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[field];
  }
  return value;
}

/**
 * A printer column's cell, as `steward get` prints it: the value at its dotted path, `value/N`
 * for `outOf`, the column's default when absent. Pure.
 */
export function columnValue(resource: unknown, column: PrinterColumn): string {
  const value = at(resource, column.jsonPath);
  if (value === undefined || value === null) return column.default ?? '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (!column.outOf) return text;
  const of = at(resource, column.outOf);
  return `${text}/${Array.isArray(of) ? of.length : String(of ?? '?')}`;
}
