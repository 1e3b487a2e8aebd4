import { printable } from './printable.js';

/** Missing values in tables, as kubectl shows them. */
export const NONE = '<none>';

/**
 * Aligned columns separated by three spaces, headers first, the last column unpadded (so no
 * trailing blanks). Pure.
 */
export function renderTable(headers: readonly string[], cellRows: readonly (readonly string[])[]): string {
  // Values come from the server: escaped, so none can forge a row or a column (printable.ts).
  const rows = cellRows.map((row) => row.map((cell) => printable(cell)));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].map((text) => `${text}\n`).join('');
}
