import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, SchemaValidateFunction } from 'ajv';
import { parseDuration } from '../contract/duration.js';
import { cidrProblem } from './cidr.js';
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

/**
 * `"x-durationRange": {"minimum": "1h", "maximum": "876000h"}` on a duration string: bounds its
 * length (durations are text, so JSON Schema's own minimum cannot). A text that is not a duration
 * is left to the `pattern` beside it.
 */
export const DURATION_RANGE = 'x-durationRange';

const durationRange: SchemaValidateFunction = (range: unknown, data: unknown) => {
  const { minimum, maximum } = (range ?? {}) as { minimum?: string; maximum?: string };
  const ms = typeof data === 'string' ? parseDuration(data) : undefined;
  if (ms === undefined) return true;
  const fail = (message: string) => {
    durationRange.errors = [{ keyword: DURATION_RANGE, params: { minimum, maximum }, message }];
    return false;
  };
  if (minimum !== undefined && ms < (parseDuration(minimum) ?? 0))
    return fail(`must be at least ${minimum}, got ${data}`);
  if (maximum !== undefined && ms > (parseDuration(maximum) ?? Number.POSITIVE_INFINITY))
    return fail(`must be at most ${maximum}, got ${data}`);
  return true;
};

/**
 * `"x-durationAtMost": {"field": "leafValidity", "limit": "validity"}` on an object: its duration
 * `field`, when given, must not be longer than its duration `limit`. Placed after the allOf
 * branches that fill in defaults, so an omitted limit is compared as its default. A CA cannot
 * promise leaves longer than itself.
 */
export const DURATION_AT_MOST = 'x-durationAtMost';

const durationAtMost: SchemaValidateFunction = (rule: unknown, data: unknown, _parent, dataCxt) => {
  const { field, limit } = (rule ?? {}) as { field: string; limit: string };
  if (typeof data !== 'object' || data === null) return true;
  const object = data as Record<string, unknown>;
  const value = typeof object[field] === 'string' ? parseDuration(object[field] as string) : undefined;
  const limitText = typeof object[limit] === 'string' ? (object[limit] as string) : undefined;
  const limitMs = limitText === undefined ? undefined : parseDuration(limitText);
  if (value === undefined || limitMs === undefined || value <= limitMs) return true;
  durationAtMost.errors = [
    {
      keyword: DURATION_AT_MOST,
      instancePath: `${dataCxt?.instancePath ?? ''}/${field}`,
      params: { field, limit },
      message: `must not be longer than ${limit} (${limitText}), got ${object[field]}`,
    },
  ];
  return false;
};

/** `"x-cidr": true` on a string: a CIDR range whose host bits are clear (name constraints). */
export const CIDR = 'x-cidr';

const cidr: SchemaValidateFunction = (_enabled: unknown, data: unknown) => {
  const problem = typeof data === 'string' ? cidrProblem(data) : undefined;
  if (problem === undefined) return true;
  cidr.errors = [{ keyword: CIDR, params: {}, message: problem }];
  return false;
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
  ajv.addKeyword({
    keyword: DURATION_RANGE,
    schemaType: 'object',
    errors: true,
    validate: durationRange,
  });
  ajv.addKeyword({ keyword: CIDR, type: 'string', schemaType: 'boolean', errors: true, validate: cidr });
  ajv.addKeyword({
    keyword: DURATION_AT_MOST,
    schemaType: 'object',
    errors: true,
    validate: durationAtMost,
  });
}
