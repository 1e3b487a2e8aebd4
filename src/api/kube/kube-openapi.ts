import type { KindNames } from '../../resources/kind.js';
import type { KindSchemaSource } from '../openapi/kind-schemas.js';
import { listSchema, META_COMPONENTS, STRING } from './kube-openapi-meta.js';
import {
  GROUP_VERSION_PATH,
  gvk,
  META,
  OPERATION_GROUP,
  PREFIX,
  ref,
  type Schema,
  TAG,
  VERSION,
} from './kube-openapi-names.js';
import { SchemaConverter } from './kube-openapi-schemas.js';

/*
 * The OpenAPI v3 documents kubectl reads from the Kubernetes facade: `kubectl explain` renders the
 * kinds' schemas, and `kubectl apply`/`diff` look for the PATCH operation of a kind (tagged with
 * its group-version-kind) declaring `fieldValidation`, or fall back to OpenAPI v2, which Steward
 * does not serve. kubectl decodes the documents with kube-openapi's spec3 types, which know
 * OpenAPI 3.0 only: the kinds' JSON Schemas (draft 2020-12) are down-converted here.
 */

/** The body of `GET /openapi/v3`: where the group's document is, its hash making the URL cacheable. */
export interface KubeOpenApiIndex {
  paths: Record<string, { serverRelativeURL: string }>;
}

/**
 * `GET /openapi/v3`: names the steward.dev/v1 document. kubectl caches a document by its URL, so
 * the hash (sha256 hex of the group document's JSON) must change whenever the document does. Pure.
 */
export function kubeOpenApiIndex(groupDocumentHash: string): KubeOpenApiIndex {
  return {
    paths: {
      [GROUP_VERSION_PATH]: {
        serverRelativeURL: `/openapi/v3/${GROUP_VERSION_PATH}?hash=${groupDocumentHash}`,
      },
    },
  };
}

/**
 * `GET /openapi/v3/apis/steward.dev/v1`: an OpenAPI 3.0.0 document with Kubernetes' component names
 * (`dev.steward.v1.Device`, `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`) and the
 * `x-kubernetes-*` extensions kubectl looks for. A kind's own `$defs` and common.json's scalars are
 * inlined; common.json's objects become components (`dev.steward.v1.common.objectReference`). Pure and
 * deterministic (sorted), so its hash is stable; built once at start.
 *
 * @throws Error naming the `$ref` when a kind's schema points elsewhere than a kind file or common.json
 *   `$def`, or naming the kind when its schema is not built on common.json's envelope.
 */
export function kubeGroupDocument(kinds: readonly KindNames[], source: KindSchemaSource): Schema {
  const served = kinds
    .filter((kind) => kind.versions.includes(VERSION))
    .sort((a, b) => a.kind.localeCompare(b.kind, 'en'));
  const converter = new SchemaConverter(served, source);
  const components: Schema = { ...META_COMPONENTS };
  const paths: Schema = {};
  for (const kind of served) {
    components[PREFIX + kind.kind] = converter.kindSchema(kind);
    components[`${PREFIX}${kind.kind}List`] = listSchema(kind);
    if (kind.plural) Object.assign(paths, kindPaths(kind));
  }
  Object.assign(components, converter.definitions());
  return {
    openapi: '3.0.0',
    info: { title: 'Steward', version: VERSION },
    paths,
    components: {
      schemas: sortedKeys(components),
      securitySchemes: {
        BearerToken: { type: 'apiKey', in: 'header', name: 'authorization', description: 'Bearer token' },
      },
    },
    security: [{ BearerToken: [] }],
  };
}

// ---------------------------------------------------------------------------------------------
// Paths

function query(name: string, type: string, description: string): Schema {
  return { name, in: 'query', description, schema: { type } };
}

const LIST_PARAMETERS = [
  query(
    'labelSelector',
    'string',
    'A selector restricting the list to the objects whose labels match. Default: all.',
  ),
  query(
    'fieldSelector',
    'string',
    'A selector restricting the list to the objects whose fields match. Default: all.',
  ),
  query(
    'limit',
    'integer',
    'The most items to return; when more exist, the metadata.continue of the list names the next page.',
  ),
  query('continue', 'string', 'The metadata.continue of the previous page, to read the next one.'),
  query(
    'watch',
    'boolean',
    'Instead of the list, a stream of the changes (WatchEvent) from resourceVersion on.',
  ),
  query('resourceVersion', 'string', 'With watch: the resource version the changes are sent after.'),
  query(
    'allowWatchBookmarks',
    'boolean',
    'With watch: the server may send BOOKMARK events carrying a resource version.',
  ),
  query('timeoutSeconds', 'integer', 'How long the list or the watch may last, in seconds.'),
];
const DRY_RUN = query(
  'dryRun',
  'string',
  'When present, the request is checked and answered but nothing is persisted. Valid value: All.',
);
const FIELD_MANAGER = query(
  'fieldManager',
  'string',
  'The name of the actor making the change (at most 128 printable characters); server-side apply records it as the owner of the fields it sets.',
);
// kubectl apply and diff refuse a server whose POST and PATCH do not declare this parameter.
const FIELD_VALIDATION = query(
  'fieldValidation',
  'string',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn (the default), Strict.',
);
const FORCE = query(
  'force',
  'boolean',
  'Server-side apply: take the fields other managers own instead of answering 409 Conflict. Unset for other patches.',
);

const ERRORS: Array<[number, string]> = [
  [401, 'Unauthorized: no credential, or one unknown, expired or revoked.'],
  [403, 'Forbidden: the credential lacks the permission.'],
  [404, 'NotFound: no such resource in the tenant.'],
  [409, 'Conflict: a stale resourceVersion, a name already taken, or fields another manager owns.'],
  [422, 'Invalid: the object breaks its schema; details.causes lists every problem.'],
];

// Strategic merge patch is left out on purpose: kubectl would compute one, and Steward (like any
// custom resource) cannot apply it. kubectl then sends JSON merge patches.
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];

function kindPaths(kind: KindNames): Schema {
  const collection = `/${GROUP_VERSION_PATH}/${kind.plural}`;
  const item = ref(PREFIX + kind.kind);
  const status = ref(`${META}Status`);
  const operation = (verb: string, action: string, summary: string, parameters: Schema[], rest: Schema) => ({
    tags: [TAG],
    summary,
    operationId: `${verb}${OPERATION_GROUP}${kind.kind}`,
    parameters,
    ...rest,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk(kind.kind),
  });
  const body = (schema: Schema, types: string[], required = true) => ({
    requestBody: { required, content: Object.fromEntries(types.map((type) => [type, { schema }])) },
  });
  const responses = (success: Record<number, [string, Schema]>, watch = false) => ({
    responses: {
      ...Object.fromEntries(
        Object.entries(success).map(([code, [description, schema]]) => [
          code,
          { description, content: content(schema, watch) },
        ]),
      ),
      ...Object.fromEntries(
        ERRORS.map(([code, description]) => [code, { description, content: content(status, false) }]),
      ),
    },
  });
  const writes = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
  return {
    [collection]: {
      get: operation('list', 'list', `List or watch ${kind.kind} resources`, LIST_PARAMETERS, {
        ...responses({ 200: ['OK', ref(`${PREFIX}${kind.kind}List`)] }, true),
      }),
      post: operation('create', 'post', `Create a ${kind.kind}`, writes, {
        ...body(item, ['application/json', 'application/yaml']),
        ...responses({ 200: ['OK', item], 201: ['Created', item] }),
      }),
    },
    [`${collection}/{name}`]: {
      parameters: [
        {
          name: 'name',
          in: 'path',
          required: true,
          description: `Name of the ${kind.kind}.`,
          schema: STRING,
        },
      ],
      get: operation('read', 'get', `Read a ${kind.kind}`, [], { ...responses({ 200: ['OK', item] }) }),
      put: operation('replace', 'put', `Replace a ${kind.kind}`, writes, {
        ...body(item, ['application/json', 'application/yaml']),
        ...responses({ 200: ['OK', item], 201: ['Created', item] }),
      }),
      patch: operation('patch', 'patch', `Partially update a ${kind.kind}`, [...writes, FORCE], {
        ...body(ref(`${META}Patch`), PATCH_TYPES),
        ...responses({ 200: ['OK', item], 201: ['Created', item] }),
      }),
      delete: operation('delete', 'delete', `Delete a ${kind.kind}`, [DRY_RUN], {
        ...body(ref(`${META}DeleteOptions`), ['application/json'], false),
        ...responses({
          200: [
            'OK: the resource, while finalizers still run, or a Status once it is gone.',
            { oneOf: [item, status] },
          ],
        }),
      }),
    },
  };
}

function content(schema: Schema, watch: boolean): Schema {
  return {
    'application/json': { schema },
    ...(watch ? { 'application/json;stream=watch': { schema } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
