import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, SchemaValidateFunction } from 'ajv';
import { PRINTER_COLUMNS, PRINTER_COLUMNS_META_SCHEMA } from './printer-columns.js';

/**
 * The non-standard keywords Steward's schemas use, registered so that ajv's strict mode accepts
 * them. `errorMessage` and `patternErrorMessage` are the ones VS Code's JSON/YAML language servers
 * already understand, so editors and the server show the same human message for a broken rule.
 */
export const MESSAGE_KEYWORDS = ['errorMessage', 'patternErrorMessage'] as const;

/**
 * `"x-nonDecreasing": "<field>"` on an array of objects: each item's numeric `<field>` must be at
 * least the previous item's (Rollout waves are cumulative percentages). Kept as a schema keyword,
 * not as code keyed by kind, so a kind stays "a schema, a reconciler and a registry line".
 * The `x-` prefix makes it a legal OpenAPI 3.1 extension; editors ignore it.
 */
export const NON_DECREASING = 'x-nonDecreasing';

const nonDecreasing: SchemaValidateFunction = (field: unknown, data: unknown, _parent, dataCxt) => {
  if (typeof field !== 'string' || !Array.isArray(data)) return true;
  const errors: Partial<ErrorObject>[] = [];
  let previous: number | undefined;
  data.forEach((item: unknown, index) => {
    if (typeof item !== 'object' || item === null) return;
    const value: unknown = (item as Record<string, unknown>)[field];
    if (typeof value !== 'number') return;
    if (previous !== undefined && value < previous) {
      errors.push({
        keyword: NON_DECREASING,
        // ajv fills in the array's own path only when instancePath is absent; point at the field.
        instancePath: `${dataCxt?.instancePath ?? ''}/${index}/${field}`,
        params: { field, previous },
        message: `must not be less than the previous item's ${field} (${previous})`,
      });
    }
    previous = previous === undefined ? value : Math.max(previous, value);
  });
  nonDecreasing.errors = errors;
  return errors.length === 0;
};

/** Registers Steward's keywords on an ajv instance (once per instance). */
export function addStewardKeywords(ajv: Ajv2020): void {
  for (const keyword of MESSAGE_KEYWORDS) ajv.addKeyword({ keyword, schemaType: 'string' });
  // An annotation for the CLI, validated against its meta-schema but never against documents.
  ajv.addKeyword({ keyword: PRINTER_COLUMNS, metaSchema: PRINTER_COLUMNS_META_SCHEMA });
  ajv.addKeyword({
    keyword: NON_DECREASING,
    type: 'array',
    schemaType: 'string',
    errors: true,
    validate: nonDecreasing,
  });
}
