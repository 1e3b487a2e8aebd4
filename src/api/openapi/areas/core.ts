import { ApplyRoutes } from '../../routes/apply.routes.js';
import { DiscoveryRoutes } from '../../routes/discovery.routes.js';
import { HealthRoutes } from '../../routes/health.routes.js';
import { MetricsRoutes } from '../../routes/metrics.routes.js';
import { OpenApiRoutes } from '../../routes/openapi.routes.js';
import { ResourceRoutes } from '../../routes/resource.routes.js';
import { JSON_TYPE, type JsonSchema, kindComponent, listComponent, ref } from '../kind-schemas.js';
import {
  type Body,
  CONTINUE,
  json,
  LIMIT,
  type OperationEntry,
  type QueryParameter,
  route,
} from '../operation.js';
import { API_VERSION, described, INTEGER, object, STRING } from '../schema-builders.js';

/*
 * The OpenAPI shapes and operations of health, discovery, this document, apply and delete, the
 * per-kind resource routes and metrics. Per-kind rows are functions of the kind: the document
 * repeats them under each kind's own path, with its schema.
 */

const continueMetadata = object({
  continue: described(
    STRING,
    'Opaque token: pass it as `continue` for the next page; absent on the last page.',
  ),
  remainingItemCount: INTEGER,
});

const fieldProblem = object(
  {
    document: described(INTEGER, 'Index of the document in the request (0-based), when it carried several.'),
    pointer: described(STRING, "JSON pointer to the offending field ('' for the whole document)."),
    message: STRING,
    source: described(STRING, 'Where the document came from, when known.'),
    line: described(INTEGER, '1-based line, when the input was YAML.'),
    column: described(INTEGER, '1-based column, when the input was YAML.'),
  },
  ['pointer', 'message'],
  'One problem with one field of one document; every problem of a request is reported at once.',
);

const status = object(
  {
    apiVersion: API_VERSION,
    kind: { const: 'Status' },
    code: described(INTEGER, 'The HTTP status code.'),
    reason: described(STRING, 'Machine-readable reason in PascalCase (`Invalid`, `NotFound`, `Forbidden`…).'),
    message: described(STRING, 'For people; a missing permission is named here.'),
    details: {
      type: 'object',
      properties: {
        causes: { type: 'array', items: ref('FieldProblem') },
        retryAfterSeconds: INTEGER,
      },
    },
  },
  ['apiVersion', 'kind', 'code', 'reason', 'message'],
  'The one error shape of every route (after Kubernetes’ Status).',
);

const itemRef = object({ index: INTEGER, kind: STRING, name: STRING }, ['index', 'kind', 'name']);

const applyResult = object(
  {
    apiVersion: API_VERSION,
    kind: { const: 'ApplyResult' },
    dryRun: { type: 'boolean' },
    changeset: described(STRING, 'Shared by every journal entry of this apply.'),
    items: {
      type: 'array',
      items: {
        ...itemRef,
        required: ['index', 'kind', 'name', 'result', 'generation', 'resourceVersion'],
        properties: {
          ...(itemRef.properties as object),
          result: { enum: ['created', 'configured', 'unchanged'] },
          generation: INTEGER,
          resourceVersion: STRING,
        },
      },
    },
    applyset: described(STRING, 'The apply set named by the request.'),
    deletions: {
      type: 'array',
      description:
        'Resources this apply deleted (or, with dryRun, would delete): pruned members of its apply set, and tombstones.',
      items: object(
        {
          index: described(INTEGER, "A tombstone's document; absent for a pruned member."),
          kind: STRING,
          name: STRING,
          result: { enum: ['pruned', 'deleted', 'deleting'] },
        },
        ['kind', 'name', 'result'],
      ),
    },
  },
  ['apiVersion', 'kind', 'dryRun', 'items'],
  'What an apply did (or, with dryRun, would do) to each document, in request order.',
);

const deleteResult = object(
  {
    apiVersion: API_VERSION,
    kind: { const: 'DeleteResult' },
    dryRun: { type: 'boolean' },
    items: {
      type: 'array',
      items: {
        ...itemRef,
        required: ['index', 'kind', 'name', 'result'],
        properties: {
          ...(itemRef.properties as object),
          result: described(
            { enum: ['deleted', 'deleting', 'notFound'] },
            '`deleting`: finalizers still run; the resource stays visible with metadata.deletionTimestamp.',
          ),
        },
      },
    },
  },
  ['apiVersion', 'kind', 'dryRun', 'items'],
);

const YAML_STREAM = { type: 'string', description: 'One or more YAML documents separated by `---`.' };

/** `dryRun` on every write (apply, delete, apply sets). */
export const DRY_RUN: QueryParameter = {
  name: 'dryRun',
  description: '`true` (or `All`): validate and plan, change nothing and journal nothing.',
  schema: { enum: ['true', 'All', '1', 'false'] },
};
const MANIFESTS: Body = {
  description:
    'Manifests: one, an array, or a `List` as JSON; or a multi-document YAML stream (`Content-Type: application/yaml`).',
  content: {
    [JSON_TYPE]: ref('ManifestBatch'),
    'application/yaml': YAML_STREAM,
  },
};

export const CORE_SHAPES: Record<string, JsonSchema> = {
  Status: status,
  FieldProblem: fieldProblem,
  ListMetadata: continueMetadata,
  ApplyResult: applyResult,
  DeleteResult: deleteResult,
  APIResourceList: object(
    {
      apiVersion: API_VERSION,
      kind: { const: 'APIResourceList' },
      resources: {
        type: 'array',
        items: object(
          {
            kind: STRING,
            plural: STRING,
            singular: STRING,
            shortNames: { type: 'array', items: STRING },
            versions: { type: 'array', items: STRING },
          },
          ['kind', 'plural', 'singular', 'shortNames', 'versions'],
        ),
      },
    },
    ['apiVersion', 'kind', 'resources'],
    'The kinds served and their names.',
  ),
  Health: object({ status: { const: 'ok' } }, ['status']),
  Readiness: object({ status: { const: 'ready' }, database: STRING }, ['status', 'database']),
};

export const CORE_OPERATIONS: Array<[string, OperationEntry]> = [
  route(HealthRoutes, 'healthz', {
    tag: 'Health',
    summary: 'Liveness',
    response: { description: 'The process serves requests.', content: json(ref('Health')) },
  }),
  route(HealthRoutes, 'readyz', {
    tag: 'Health',
    summary: 'Readiness',
    description: 'Ready when the database answers.',
    response: { description: 'Ready.', content: json(ref('Readiness')) },
    errors: [500],
  }),
  route(OpenApiRoutes, 'openapi', {
    tag: 'Discovery',
    summary: 'This OpenAPI document',
    description: 'Public: it describes the schemas and routes every Steward serves, nothing of any tenant.',
    response: { description: 'OpenAPI 3.1.', content: json({ type: 'object' }) },
  }),
  route(DiscoveryRoutes, 'discovery', {
    tag: 'Discovery',
    summary: 'The kinds served',
    response: { description: 'Kinds and their names.', content: json(ref('APIResourceList')) },
  }),
  route(ApplyRoutes, 'apply', {
    tag: 'Apply',
    summary: 'Apply manifests',
    description:
      'Atomic: every document is validated (all problems reported at once, with document index, JSON pointer and, for YAML, line and column), then all are written in one transaction, or none. Needs `<plural>:write` for each kind in the batch. With `applyset`, the submitted resources become members of that apply set (a resource of another set is refused, 409, unless `forceAdopt`); with `prune`, its members no longer submitted are deleted in the same transaction, within the deletion budget (409 `DeletionBudgetExceeded` or `EmptySubmission` naming them otherwise). A document annotated `steward.dev/lifecycle: absent` deletes that resource (a tombstone). See docs/gitops.md.',
    query: [
      DRY_RUN,
      { name: 'applyset', description: 'The apply set (a DNS label) the submission belongs to.' },
      {
        name: 'prune',
        description: 'Delete the members of the apply set no longer submitted.',
        schema: { type: 'boolean' },
      },
      {
        name: 'maxDeletions',
        description: 'Most resources the apply may delete (default 10).',
        schema: { type: 'integer', minimum: 0 },
      },
      {
        name: 'maxDeletionPercent',
        description: "Most of the set's members, in percent, the apply may delete (default 30).",
        schema: { type: 'integer', minimum: 0, maximum: 100 },
      },
      {
        name: 'allowEmpty',
        description: 'Prune even when nothing is submitted.',
        schema: { type: 'boolean' },
      },
      {
        name: 'forceAdopt',
        description: 'Take resources another apply set owns.',
        schema: { type: 'boolean' },
      },
    ],
    request: MANIFESTS,
    response: { description: 'What happened to each document.', content: json(ref('ApplyResult')) },
    errors: [409],
  }),
  route(ApplyRoutes, 'delete', {
    tag: 'Apply',
    summary: 'Delete the resources named by manifests',
    description:
      'Only `kind` and `metadata.name` of each document are read. Needs `<plural>:write` for each kind.',
    query: [DRY_RUN],
    request: MANIFESTS,
    response: { description: 'What happened to each document.', content: json(ref('DeleteResult')) },
    errors: [409],
  }),
  route(ResourceRoutes, 'list', (kind) => ({
    tag: kind.kind,
    summary: `List ${kind.kind} resources`,
    query: [
      {
        name: 'labelSelector',
        description:
          'e.g. `team=infra,env in (prod,staging),!retired`. At most 4,096 characters, 64 requirements and 64 values per set (400 naming the limit).',
      },
      LIMIT,
      CONTINUE,
    ],
    response: {
      description: 'A page, by name.',
      content: json(ref(listComponent(kind.kind, kind.versions[0]))),
    },
  })),
  route(ResourceRoutes, 'get', (kind) => ({
    tag: kind.kind,
    summary: `Read a ${kind.kind}`,
    response: {
      description: 'The resource.',
      content: json(ref(kindComponent(kind.kind, kind.versions[0]))),
    },
  })),
  route(ResourceRoutes, 'remove', (kind) => ({
    tag: kind.kind,
    summary: `Delete a ${kind.kind}`,
    description:
      'With finalizers, the resource stays visible with `metadata.deletionTimestamp` until they ran.',
    query: [
      DRY_RUN,
      {
        name: 'resourceVersion',
        description: 'Delete only if the resource is still at this version (else 409).',
      },
    ],
    response: { description: 'Deleted, or being deleted.', content: json(ref('DeleteResult')) },
    errors: [409],
  })),
  route(MetricsRoutes, 'render', {
    tag: 'Metrics',
    summary: 'Prometheus metrics',
    description: 'Counts across tenants: `metrics:read` exists only in the system tenant.',
    response: {
      description: 'Prometheus text format 0.0.4.',
      content: { 'text/plain': { type: 'string' } },
    },
  }),
];
