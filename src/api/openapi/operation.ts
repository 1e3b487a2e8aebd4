import type { KindNames } from '../../resources/kind.js';
import { JSON_TYPE, type JsonSchema } from './kind-schemas.js';

/** A query parameter of a route. */
export interface QueryParameter {
  name: string;
  description: string;
  schema?: JsonSchema;
}

/** The body of a request or an answer: a JSON Schema per media type (none: no body). */
export interface Body {
  description: string;
  content?: Record<string, JsonSchema>;
}

/**
 * What the OpenAPI document says of one route beyond what Nest's metadata holds (method, path,
 * permission, success status). Schemas are plain JSON Schema objects: `ref('Name')` for a shape of
 * an area's table, or any schema (a route's own request schema, even with its `$id` and `$defs`).
 */
export interface OperationDoc {
  tag: string;
  summary: string;
  description?: string;
  /** Descriptions of path parameters whose generic one (`name`: the resource's name) would mislead. */
  params?: Record<string, string>;
  query?: QueryParameter[];
  request?: Body;
  response: Body;
  /** Error statuses this route answers beyond those its shape implies (401/403, 404, 400/413/415/422). */
  errors?: number[];
}

/**
 * A route documented by another document of its own: the Kubernetes facade's resource routes are
 * described, in Kubernetes' terms, by `/openapi/v3/apis/steward.dev/v1`.
 */
export interface DocumentedElsewhere {
  elsewhere: string;
}

/** Routes under `/api/v1/{plural}` are documented once per kind. */
export type OperationEntry = OperationDoc | ((kind: KindNames) => OperationDoc) | DocumentedElsewhere;

type RouteClass = abstract new (...args: never[]) => unknown;

/** One row of the table, keyed as route-table.ts names handlers; a renamed method fails typecheck. */
export function route<T extends RouteClass>(
  routes: T,
  method: keyof InstanceType<T> & string,
  entry: OperationEntry,
): [string, OperationEntry] {
  return [`${routes.name}.${method}`, entry];
}

/** A JSON body. */
export const json = (schema: JsonSchema) => ({ [JSON_TYPE]: schema });

export const LIMIT: QueryParameter = {
  name: 'limit',
  description: 'Page size (default 500, at most 5000).',
  schema: { type: 'integer', minimum: 1, maximum: 5000 },
};
export const CONTINUE: QueryParameter = {
  name: 'continue',
  description: 'The `metadata.continue` token of the previous page.',
};
