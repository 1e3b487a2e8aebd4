import type { KindNames } from '../../../resources/kind.js';
import { KubeDiscoveryRoutes, KubeResourceRoutes } from '../../routes/kube.routes.js';
import { JSON_TYPE, type JsonSchema, kindComponent, listComponent, ref } from '../kind-schemas.js';
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
const WRITE_QUERY = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const KUBE_STATUS = 'Kubernetes `Status` (apiVersion v1), with the same message as the native API.';

function object(kind: KindNames): JsonSchema {
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
  route(KubeResourceRoutes, 'list', (kind) => ({
    tag: TAG,
    summary: `List or watch ${kind.plural} (Kubernetes)`,
    description:
      'A `List` whose resourceVersion is the journal position; `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` answers the columns of `steward get`; `watch=true` streams watch events.',
    query: [
      { name: 'labelSelector', description: 'Kubernetes label selector.' },
      { name: 'fieldSelector', description: '`metadata.name=NAME` (or `!=`).' },
      { name: 'limit', description: 'Page size.', schema: { type: 'integer', minimum: 1, maximum: 5000 } },
      { name: 'continue', description: 'The previous page’s metadata.continue.' },
      {
        name: 'watch',
        description: '`true`: newline-delimited watch events.',
        schema: { enum: ['true', '1', 'false'] },
      },
      { name: 'resourceVersion', description: 'Watch from this list resourceVersion (410 when pruned).' },
      { name: 'allowWatchBookmarks', description: '`true`: BOOKMARK events.' },
      { name: 'timeoutSeconds', description: 'End the watch after this long.' },
    ],
    response: {
      description: 'The list (or a Table, or a watch stream).',
      content: json({
        type: 'object',
        description: `A ${listComponent(kind.kind, 'v1')} in Kubernetes' shape.`,
      }),
    },
  })),
  route(KubeResourceRoutes, 'get', (kind) => ({
    tag: TAG,
    summary: `Read a ${kind.singular} (Kubernetes)`,
    response: { description: 'The object.', content: json(object(kind)) },
    errors: [404],
  })),
  route(KubeResourceRoutes, 'create', (kind) => ({
    tag: TAG,
    summary: `Create a ${kind.singular} (Kubernetes)`,
    query: WRITE_QUERY,
    request: { description: 'The object.', content: { [JSON_TYPE]: object(kind) } },
    response: { description: 'Created.', content: json(object(kind)) },
    errors: [409, 422],
  })),
  route(KubeResourceRoutes, 'replace', (kind) => ({
    tag: TAG,
    summary: `Replace a ${kind.singular} (Kubernetes)`,
    description: 'metadata.resourceVersion is required and must match (409 otherwise).',
    query: WRITE_QUERY,
    request: { description: 'The object.', content: { [JSON_TYPE]: object(kind) } },
    response: { description: 'Replaced.', content: json(object(kind)) },
    errors: [404, 409, 422],
  })),
  route(KubeResourceRoutes, 'patch', (kind) => ({
    tag: TAG,
    summary: `Patch or server-side apply a ${kind.singular} (Kubernetes)`,
    description:
      'JSON merge patch, JSON patch, or server-side apply (`application/apply-patch+yaml`, fieldManager required, `force` takes conflicting fields). Strategic merge patch is 415, as for custom resources.',
    query: [
      ...WRITE_QUERY,
      { name: 'force', description: 'Server-side apply: take fields other managers own.' },
    ],
    request: {
      description: 'The patch.',
      content: {
        'application/merge-patch+json': { type: 'object' },
        'application/json-patch+json': { type: 'array', items: { type: 'object' } },
        'application/apply-patch+yaml': { type: 'string' },
      },
    },
    response: { description: 'The object after the patch.', content: json(object(kind)) },
    errors: [404, 409, 415, 422],
  })),
  route(KubeResourceRoutes, 'remove', (kind) => ({
    tag: TAG,
    summary: `Delete a ${kind.singular} (Kubernetes)`,
    description: `The object (with deletionTimestamp while finalizers run) or a Success Status. Errors: ${KUBE_STATUS}`,
    query: [DRY_RUN],
    request: {
      description: 'DeleteOptions (optional: preconditions, dryRun).',
      content: { [JSON_TYPE]: ANY },
    },
    response: { description: 'Deleted or deleting.', content: json(ANY) },
    errors: [404, 409],
  })),
];
