import type { PrinterColumn } from '../../contract/discovery.js';
import { conditionOf, type Resource, valueAt } from '../resource.js';
import { age } from './age.js';
import { NONE } from './table.js';

/** One column of `get`: a header and how to read its cell from a resource. */
export interface Column {
  header: string;
  cell(resource: Resource, now: Date): string | undefined;
  /** Only with `-o wide`. */
  wide?: boolean;
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value.map((item) => text(item) ?? '').join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `.spec.platform` → the value there (the printer columns' JSONPath subset). */
function at(resource: Resource, jsonPath: string): unknown {
  return valueAt(resource, jsonPath.slice(1));
}

/**
 * A column as a kind's schema declares it (`x-steward-columns`, served by discovery). With
 * `outOf`, the cell is `value/N`, N the length of the array (or the number) at that path. Pure.
 */
export function printerColumn(column: PrinterColumn): Column {
  return {
    header: column.name,
    wide: column.priority === 1,
    cell: (resource) => {
      const value = at(resource, column.jsonPath);
      if (column.outOf === undefined || value === undefined || value === null)
        return text(value) ?? column.default;
      const total = at(resource, column.outOf);
      const count = Array.isArray(total) ? total.length : typeof total === 'number' ? total : undefined;
      return count === undefined ? String(value) : `${value}/${count}`;
    },
  };
}

const NAME: Column = { header: 'NAME', cell: (resource) => resource.metadata.name };
/** An absent Ready condition means nobody has reconciled the resource yet: Unknown, as in Kubernetes. */
const READY: Column = {
  header: 'READY',
  cell: (resource) => conditionOf(resource, 'Ready')?.status ?? 'Unknown',
};
// The reason is in the default table: "False" alone does not tell an operator what to do.
const REASON: Column = {
  header: 'REASON',
  cell: (resource) => conditionOf(resource, 'Ready')?.reason,
};
const AGE: Column = { header: 'AGE', cell: (resource, now) => age(resource.metadata.createdAt, now) };

/** The columns of a kind: NAME, READY, REASON, the kind's own (from discovery), AGE. Pure. */
export function columnsFor(kindColumns: readonly PrinterColumn[], wide: boolean): Column[] {
  return [NAME, READY, REASON, ...kindColumns.map(printerColumn), AGE].filter(
    (column) => wide || !column.wide,
  );
}

/** Headers and cells of resources of one kind, ready for renderTable. Pure. */
export function resourceRows(
  kindColumns: readonly PrinterColumn[],
  resources: readonly Resource[],
  wide: boolean,
  now: Date,
): { headers: string[]; rows: string[][] } {
  const columns = columnsFor(kindColumns, wide);
  return {
    headers: columns.map((column) => column.header),
    rows: resources.map((resource) => columns.map((column) => column.cell(resource, now) ?? NONE)),
  };
}
