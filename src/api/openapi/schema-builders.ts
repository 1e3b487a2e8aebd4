import { type JsonSchema, ref } from './kind-schemas.js';

/*
 * Builders of the JSON Schemas of the API's own bodies (everything that is not a manifest).
 * Answers are described without `additionalProperties: false`: a field added to an answer is not a
 * breaking change, and clients must ignore what they do not know. Request bodies are described as
 * the services accept them (they reject unknown fields themselves).
 */

export const API_VERSION: JsonSchema = { const: 'steward.dev/v1', description: 'Always `steward.dev/v1`.' };
export const TIME: JsonSchema = { type: 'string', format: 'date-time' };
export const STRING: JsonSchema = { type: 'string' };
export const INTEGER: JsonSchema = { type: 'integer' };

/** An object with `required` listing the given names. */
export function object(
  properties: Record<string, JsonSchema>,
  required: string[] = [],
  description?: string,
): JsonSchema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    ...(required.length > 0 ? { required } : {}),
    properties,
  };
}

export function described(schema: JsonSchema, description: string): JsonSchema {
  return { ...schema, description };
}

/** `{apiVersion, kind: <kind>, items, metadata: {continue}}`, the shape of every list. */
export function listOf(kind: string, item: JsonSchema, description: string): JsonSchema {
  return object(
    {
      apiVersion: API_VERSION,
      kind: { const: kind },
      items: { type: 'array', items: item },
      metadata: ref('ListMetadata'),
    },
    ['apiVersion', 'kind', 'items'],
    description,
  );
}
