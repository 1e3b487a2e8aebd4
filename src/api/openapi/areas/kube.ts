import type { KindNames } from '../../../resources/kind.js';
import { KubeDiscoveryRoutes, KubeResourceRoutes } from '../../routes/kube.routes.js';
import { type JsonSchema, kindComponent, ref } from '../kind-schemas.js';
import { json, type OperationEntry, type QueryParameter, route } from '../operation.js';

/*
 * The Kubernetes facade (docs/kubectl.md) in Steward's own API reference: the routes kubectl and
 * Kubernetes client libraries call. Their bodies are Kubernetes' shapes; the facade's own OpenAPI
 * v3 document (`/openapi/v3/apis/steward.dev/v1`, what `kubectl explain` reads) describes them in
 * Kubernetes' terms.
 */

const TAG = 'Kubernetes facade';
const ANY: JsonSchema = {
  type: 'object',
  description: 'A Kubernetes object (see the facade’s own OpenAPI v3).',
};

const DRY_RUN: QueryParameter = {
  name: 'dryRun',
  description: '`All`: validate and plan, change nothing, journal nothing.',
  schema: { enum: ['All'] },
};
const FIELD_MANAGER: QueryParameter = {
  name: 'fieldManager',
  description: 'The field manager recorded in managedFields (required for server-side apply).',
};
const FIELD_VALIDATION: QueryParameter = {
  name: 'fieldValidation',
  description:
    'Unknown fields: `Strict` refuses them (422), `Warn` (the default) drops them with a `Warning` header, `Ignore` drops them.',
  schema: { enum: ['Strict', 'Warn', 'Ignore'] },
};
const _WRITE_QUERY = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const _KUBE_STATUS = 'Kubernetes `Status` (apiVersion v1), with the same message as the native API.';

function _object(kind: KindNames): JsonSchema {
  return {
    description: `A ${kind.kind} as a Kubernetes object (metadata.creationTimestamp, managedFields…).`,
    allOf: [ref(kindComponent(kind.kind, 'v1'))],
  };
}

const discovery = (summary: string, description: string): OperationEntry => ({
  tag: TAG,
  summary,
  description,
  response: { description: 'Kubernetes discovery.', content: json(ANY) },
});

export const KUBE_OPERATIONS: Array<[string, OperationEntry]> = [
  route(KubeDiscoveryRoutes, 'version', discovery('Kubernetes version', '`kubectl version` reads it.')),
  route(KubeDiscoveryRoutes, 'core', discovery('Core API versions', 'None: no core kinds are served.')),
  route(KubeDiscoveryRoutes, 'groups', discovery('API groups', 'The one group, `steward.dev`.')),
  route(KubeDiscoveryRoutes, 'group', discovery('The steward.dev group', 'Its one version, v1.')),
  route(
    KubeDiscoveryRoutes,
    'resources',
    discovery(
      'The kinds as Kubernetes resources',
      'APIResourceList: plurals, short names, verbs; cluster-scoped.',
    ),
  ),
  route(
    KubeDiscoveryRoutes,
    'openapiIndex',
    discovery('OpenAPI v3 index', 'Names the group document by hash.'),
  ),
  route(
    KubeDiscoveryRoutes,
    'openapiGroup',
    discovery(
      'OpenAPI v3 of steward.dev/v1',
      'OpenAPI 3.0 with x-kubernetes-group-version-kind: `kubectl explain`.',
    ),
  ),
  // The resource routes are Kubernetes' own shapes, documented by the facade's OpenAPI v3 (what
  // kubectl explain reads); listed here they would also be 42 more operations for the API
  // reference page, past the ~125 at which its Swagger UI stops rendering (docs/kubectl.md).
  ...(['list', 'get', 'create', 'replace', 'patch', 'remove'] as const).map((method) =>
    route(KubeResourceRoutes, method, { elsewhere: '/openapi/v3/apis/steward.dev/v1' }),
  ),
];
