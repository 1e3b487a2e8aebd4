import type { PrinterColumn } from '../contract/discovery.js';
import type { SchemaDocument } from './schema-files.js';

/**
 * `"x-steward-columns"` at the top of a kind's schema: the columns `steward get` shows between
 * READY/REASON and AGE, as Kubernetes' `additionalPrinterColumns` (served by discovery, so the
 * CLI has no per-kind table). The `x-` prefix makes it a legal OpenAPI 3.1 extension.
 */
export const PRINTER_COLUMNS = 'x-steward-columns';

/** The path grammar: `.field.field…` (a JSONPath subset: what `get` needs, evaluable anywhere). */
const PATH = '^(\\.[A-Za-z_][A-Za-z0-9_]*)+$';

/** Checked by ajv when the schema is added, so a malformed column fails the start, naming the schema. */
export const PRINTER_COLUMNS_META_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'jsonPath'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', pattern: '^[A-Z][A-Z0-9 ]*$' },
      jsonPath: { type: 'string', pattern: PATH },
      outOf: { type: 'string', pattern: PATH },
      priority: { enum: [0, 1] },
      default: { type: 'string' },
      description: { type: 'string' },
    },
  },
} as const;

/** The columns a (validated) kind schema declares, none when it declares none. Pure. */
export function printerColumnsOf(schema: SchemaDocument): PrinterColumn[] {
  const declared = schema[PRINTER_COLUMNS] as readonly PrinterColumn[] | undefined;
  return (declared ?? []).map((column) => ({ ...column }));
}
