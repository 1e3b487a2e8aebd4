import { API_GROUP } from '../../contract/resource.js';
import type { KindNames } from '../../resources/kind.js';
import type { KindSchemaSource } from '../openapi/kind-schemas.js';

/*
 * The OpenAPI v3 documents kubectl reads from the Kubernetes facade: `kubectl explain` renders the
 * kinds' schemas, and `kubectl apply`/`diff` look for the PATCH operation of a kind (tagged with
 * its group-version-kind) declaring `fieldValidation`, or fall back to OpenAPI v2, which Steward
 * does not serve. kubectl decodes the documents with kube-openapi's spec3 types, which know
 * OpenAPI 3.0 only: the kinds' JSON Schemas (draft 2020-12) are down-converted here.
 */

type Schema = Record<string, unknown>;

const VERSION = 'v1';
const GROUP_VERSION_PATH = `apis/${API_GROUP}/${VERSION}`;
/** Kubernetes names components by the reversed group: `dev.steward.v1.Device`. */
const PREFIX = `${API_GROUP.split('.').reverse().join('.')}.${VERSION}.`;
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const GROUP_WORDS = API_GROUP.split('.').map(capitalize).join('');
/** `StewardDevV1`, as in Kubernetes' operation ids (`listStewardDevV1Device`). */
const OPERATION_GROUP = `${GROUP_WORDS}${capitalize(VERSION)}`;
/** `stewardDev_v1`, Kubernetes' tag of a group version. */
const TAG = `${GROUP_WORDS.charAt(0).toLowerCase()}${GROUP_WORDS.slice(1)}_${VERSION}`;
const ENVELOPE_REF = 'common.json#/$defs/envelope';

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
// JSON Schema 2020-12 → OpenAPI 3.0 schemas

/** The Schema Object keywords of OpenAPI 3.0 kept as they are; every keyword not here nor converted is dropped. */
const OPENAPI_30_KEYWORDS = new Set(
  [
    'title description type format nullable enum default example readOnly writeOnly deprecated required',
    'multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern',
    'maxItems minItems uniqueItems maxProperties minProperties',
  ]
    .join(' ')
    .split(' '),
);

/** One schema file: its `#/$defs/X` become the components `<prefix>X`. */
interface SchemaFile {
  schema: Schema;
  prefix: string;
}

/** The fields of status every kind shares (src/contract/resource.ts ResourceStatus), merged into each kind's own. */
const STATUS_FIELDS: Schema = {
  observedGeneration: {
    description:
      'The metadata.generation the reconciler last acted on: status is current when they are equal.',
    type: 'integer',
    minimum: 0,
  },
  observedChangeset: {
    description:
      'The changeset of the apply that set observedGeneration (`steward journal --changeset` lists it).',
    type: 'string',
  },
  conditions: {
    description: 'The conditions of the resource; every kind reports `Ready`.',
    type: 'array',
    items: { $ref: 'common.json#/$defs/condition' },
  },
};

/** A `$def` resolved: where it lives and what it is. */
interface Definition {
  file: SchemaFile;
  name: string;
  schema: Schema;
}

/**
 * Converts the kinds' schemas. A `$ref` to a kind's own `$defs` or to a scalar of common.json is
 * inlined: kubectl explain then shows each field with one description, as for Kubernetes' own
 * nested objects. The objects of common.json (objectReference, labelSelector, condition, …) become
 * components shared by every kind, which kubectl explain follows through `allOf`.
 */
class SchemaConverter {
  private readonly files = new Map<string, SchemaFile>();
  private readonly common: SchemaFile;
  private readonly reached = new Map<string, Schema>();
  private readonly pending: Definition[] = [];
  /** The `$defs` being inlined, outermost first: one met again is recursive and becomes a component. */
  private readonly inlining: string[] = [];

  constructor(kinds: readonly KindNames[], source: KindSchemaSource) {
    this.common = { schema: source.commonSchema(VERSION) as Schema, prefix: `${PREFIX}common.` };
    this.files.set('common.json', this.common);
    for (const kind of kinds)
      this.files.set(`${kind.singular}.json`, {
        schema: source.schemaFor(kind.kind, VERSION) as Schema,
        prefix: `${PREFIX}${kind.kind}.`,
      });
  }

  /**
   * A kind's manifest: its schema with the envelope's properties merged in (a kind's property with
   * a `$ref` replaces the envelope's; one without refines it), metadata as Kubernetes' ObjectMeta and
   * status as the kind's `$defs/status` plus the fields every kind's status has.
   */
  kindSchema(kind: KindNames): Schema {
    const file = this.files.get(`${kind.singular}.json`) as SchemaFile;
    const { $ref, properties, required, ...rest } = file.schema;
    if ($ref !== ENVELOPE_REF)
      throw new Error(
        `schema of ${kind.kind}: expected "$ref": "${ENVELOPE_REF}", found ${JSON.stringify($ref)}`,
      );
    const envelope = this.defOf(this.common, 'envelope') as Schema;
    const merged: Record<string, Schema> = { ...(envelope.properties as Record<string, Schema>) };
    for (const [name, property] of Object.entries((properties ?? {}) as Record<string, Schema>))
      merged[name] = property.$ref !== undefined ? property : { ...merged[name], ...property };

    const commonStatus = this.defOf(this.common, 'status') ?? {};
    const ownStatus = this.defOf(file, 'status') ?? commonStatus;
    const converted: Schema = {};
    for (const [name, property] of Object.entries(merged)) {
      if (name === 'apiVersion')
        converted[name] = {
          description: `${String(property.description)} Always \`${API_GROUP}/${VERSION}\`.`,
          type: 'string',
        };
      else if (name === 'kind')
        converted[name] = {
          description: `${String(property.description)} Here: \`${kind.kind}\`.`,
          type: 'string',
        };
      else if (name === 'metadata')
        converted[name] = described(
          ref(`${META}ObjectMeta`),
          'Standard object metadata: name, labels, annotations and the fields the server sets.',
        );
      else if (name === 'status')
        converted[name] = this.convert(
          {
            ...ownStatus,
            description: commonStatus.description,
            properties: { ...STATUS_FIELDS, ...(ownStatus.properties as Schema | undefined) },
          },
          file,
        );
      else converted[name] = this.convert(property, file);
    }
    return {
      ...this.convert(rest, file),
      type: 'object',
      required: [
        ...new Set([...(envelope.required as string[]), ...((required as string[] | undefined) ?? [])]),
      ],
      properties: converted,
      'x-kubernetes-group-version-kind': [gvk(kind.kind)],
    };
  }

  /** The components of the common objects reached so far, and of those they reach in turn. */
  definitions(): Record<string, Schema> {
    for (let next = this.pending.shift(); next !== undefined; next = this.pending.shift())
      this.reached.set(next.name, this.convert(next.schema, next.file));
    return Object.fromEntries(this.reached);
  }

  private defOf(file: SchemaFile, name: string): Schema | undefined {
    return ((file.schema.$defs ?? {}) as Record<string, Schema | undefined>)[name];
  }

  /** A 2020-12 schema of `file` as an OpenAPI 3.0 schema. Pure apart from queueing the components it reaches. */
  private convert(value: unknown, file: SchemaFile): Schema {
    if (typeof value === 'boolean') return value ? {} : { not: {} };
    const schema = value as Schema;
    const out: Schema = {};
    for (const [key, child] of Object.entries(schema)) {
      if (key === 'const') out.enum = [child];
      else if (key === 'examples') {
        if (Array.isArray(child) && child.length > 0) out.example = child[0];
      } else if (key === 'type') Object.assign(out, nullableType(child));
      else if (key === 'properties')
        out.properties = Object.fromEntries(
          Object.entries(child as Schema).map(([name, property]) => [name, this.convert(property, file)]),
        );
      else if (key === 'items' || key === 'not') out[key] = this.convert(child, file);
      else if (key === 'additionalProperties')
        out[key] = typeof child === 'boolean' ? child : this.convert(child, file);
      else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
        // Branches that only held dropped keywords (if/then, x-…) are left out, and so is an empty list.
        const branches = (child as unknown[])
          .map((branch) => this.convert(branch, file))
          .filter((branch) => Object.keys(branch).length > 0);
        if (branches.length > 0) out[key] = branches;
      } else if (OPENAPI_30_KEYWORDS.has(key)) out[key] = child;
    }
    exclusiveBound(
      out,
      schema,
      'minimum',
      'exclusiveMinimum',
      (inclusive, exclusive) => inclusive > exclusive,
    );
    exclusiveBound(
      out,
      schema,
      'maximum',
      'exclusiveMaximum',
      (inclusive, exclusive) => inclusive < exclusive,
    );
    if (out.type === undefined && Array.isArray(out.enum)) Object.assign(out, enumType(out.enum));
    return typeof schema.$ref === 'string' ? this.withRef(schema.$ref, out, file) : out;
  }

  /** A `$ref` and the keywords beside it (already converted), which refine the target. */
  private withRef(target: string, siblings: Schema, from: SchemaFile): Schema {
    const definition = this.resolve(target, from);
    const { allOf, ...rest } = siblings;
    const extraAllOf = (allOf as Schema[] | undefined) ?? [];
    if (definition.file === this.common && definition.name === 'objectMeta')
      return { allOf: [ref(`${META}ObjectMeta`), ...extraAllOf], ...rest };
    const component = `${definition.file.prefix}${definition.name}`;
    const inline =
      (definition.file !== this.common || !isObject(definition.schema)) && !this.inlining.includes(component);
    if (inline) {
      this.inlining.push(component);
      const inlined = this.convert(definition.schema, definition.file);
      this.inlining.pop();
      const allOfs = [...((inlined.allOf as Schema[] | undefined) ?? []), ...extraAllOf];
      return { ...inlined, ...rest, ...(allOfs.length > 0 ? { allOf: allOfs } : {}) };
    }
    if (!this.reached.has(component)) {
      this.reached.set(component, {});
      this.pending.push({ ...definition, name: component });
    }
    // OpenAPI 3.0 ignores a $ref's siblings: Kubernetes wraps the $ref in allOf to keep them.
    if (Object.keys(siblings).length === 0) return ref(component);
    return { allOf: [ref(component), ...extraAllOf], ...rest };
  }

  private resolve(target: string, from: SchemaFile): Definition {
    const hash = target.indexOf('#');
    const fileName = hash < 0 ? target : target.slice(0, hash);
    const file = fileName === '' ? from : this.files.get(fileName.slice(fileName.lastIndexOf('/') + 1));
    const name = /^#\/\$defs\/([^/]+)$/.exec(hash < 0 ? '' : target.slice(hash))?.[1];
    const schema = file === undefined || name === undefined ? undefined : this.defOf(file, name);
    if (schema === undefined)
      throw new Error(
        `cannot map $ref "${target}" into the OpenAPI document (one $def of a schema file is expected)`,
      );
    return { file: file as SchemaFile, name: name as string, schema };
  }
}

/** An object schema (a component when common), as opposed to a scalar or an array (always inlined). */
function isObject(schema: Schema): boolean {
  return schema.properties !== undefined || schema.type === 'object';
}

/** `type: [T, 'null']` → `type: T, nullable: true`; a union of several types has no 3.0 `type`. */
function nullableType(type: unknown): Schema {
  if (!Array.isArray(type)) return { type };
  const types = type.filter((name) => name !== 'null');
  return {
    ...(types.length === 1 ? { type: types[0] } : {}),
    ...(types.length < type.length ? { nullable: true } : {}),
  };
}

/** The `type` of an `enum` given without one, when its values share a type: kubectl explain shows it. */
function enumType(values: readonly unknown[]): Schema {
  const types = new Set(
    values.map((value) => (Number.isInteger(value) ? 'integer' : value === null ? 'null' : typeof value)),
  );
  const [type] = types;
  return types.size === 1 && ['string', 'boolean', 'integer', 'number'].includes(String(type))
    ? { type }
    : {};
}

/** 2020-12's numeric `exclusiveMinimum: n` → 3.0's `minimum: n, exclusiveMinimum: true`, unless an inclusive bound beside it is stricter. */
function exclusiveBound(
  out: Schema,
  schema: Schema,
  inclusiveKey: string,
  exclusiveKey: string,
  stricter: (inclusive: number, exclusive: number) => boolean,
): void {
  const exclusive = schema[exclusiveKey];
  if (typeof exclusive !== 'number') return;
  const inclusive = schema[inclusiveKey];
  if (typeof inclusive === 'number' && stricter(inclusive, exclusive)) delete out[exclusiveKey];
  else {
    out[inclusiveKey] = exclusive;
    out[exclusiveKey] = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes' shared shapes (apimachinery meta/v1), as Steward's facade serves them

const STRING: Schema = { type: 'string' };

function text(description: string): Schema {
  return { description, type: 'string' };
}
function integer(description: string, format: 'int32' | 'int64'): Schema {
  return { description, type: 'integer', format };
}
function time(description: string): Schema {
  return { description, type: 'string', format: 'date-time' };
}
function arrayOf(items: Schema, description: string): Schema {
  return { description, type: 'array', items };
}
function objectOf(description: string, properties: Record<string, Schema>, extensions: Schema = {}): Schema {
  return { description, type: 'object', properties, ...extensions };
}
function coreKind(kind: string): Schema {
  return { 'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind }] };
}

const API_VERSION_FIELD = text('The versioned schema of this representation of an object.');
const KIND_FIELD = text('The kind of object this representation is, in PascalCase.');

const META_COMPONENTS: Record<string, Schema> = {
  [`${META}ObjectMeta`]: objectOf(
    'Metadata of a Steward resource. Every kind is cluster-scoped: there is no namespace, names are unique per tenant (chosen by the credential) and kind.',
    {
      name: text(
        "Name of the resource, unique per tenant and kind: a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters).",
      ),
      labels: {
        description:
          'Identifying key/value pairs used by selectors (device groups, rollouts, `-l`, prune). Keys: an optional DNS-subdomain prefix and `/`, then at most 63 letters, digits, `-`, `_` or `.`; values: at most 63 of the same.',
        type: 'object',
        additionalProperties: STRING,
      },
      annotations: {
        description:
          'Free-form, non-identifying metadata for tools and people. Keys follow the label key rule; values are any string.',
        type: 'object',
        additionalProperties: STRING,
      },
      uid: text('Unique id the server assigns when the resource is created. Read-only.'),
      generation: integer(
        'Sequence number of the desired state: the server increments it each time spec (or behaviour-affecting metadata) changes. Read-only.',
        'int64',
      ),
      resourceVersion: text(
        'Opaque value that changes on every write of the resource. Sent back unmodified on an update, it makes the write conditional: a stale value is answered with 409 Conflict. Read-only.',
      ),
      creationTimestamp: time('When the resource was created (RFC 3339, UTC). Read-only.'),
      deletionTimestamp: time(
        'When deletion was requested, set while finalizers still run (RFC 3339, UTC); the resource disappears once the last finalizer is removed. Read-only.',
      ),
      finalizers: arrayOf(
        STRING,
        'Clean-up steps that must finish before the resource is removed. Managed by the reconcilers.',
      ),
      managedFields: arrayOf(
        ref(`${META}ManagedFieldsEntry`),
        'Which field manager set which fields, as server-side apply records them. Maintained by the server; clients do not write it.',
      ),
    },
  ),
  [`${META}ListMeta`]: objectOf('Metadata of a list.', {
    resourceVersion: text(
      'The state of the server the list was read at; a watch started from it sees every later change.',
    ),
    continue: text(
      'Set when the list was cut by `limit`: send it back as the `continue` query parameter to read the next page.',
    ),
    remainingItemCount: integer(
      'How many items follow this page, when the server knows; an estimate, absent otherwise.',
      'int64',
    ),
  }),
  [`${META}ManagedFieldsEntry`]: objectOf("One field manager's fields of a resource.", {
    manager: text('The name of the field manager (the `fieldManager` of its writes).'),
    operation: text('How the manager wrote the fields: Apply or Update.'),
    apiVersion: text('The API version the fields were written with.'),
    time: time('When the manager last changed one of its fields.'),
    fieldsType: text('The format of fieldsV1: always FieldsV1.'),
    fieldsV1: { description: 'The fields, as a tree of `f:<name>` keys.', type: 'object' },
    subresource: text('The subresource written (empty: the resource itself).'),
  }),
  [`${META}Status`]: objectOf(
    'The outcome of a call that returns no object: every error, and some deletions.',
    {
      apiVersion: API_VERSION_FIELD,
      kind: KIND_FIELD,
      metadata: described(ref(`${META}ListMeta`), 'Standard list metadata.'),
      status: text('Success or Failure.'),
      message: text('A human-readable description of the outcome.'),
      reason: text('A machine-readable reason (NotFound, Conflict, Invalid, …), empty when there is none.'),
      details: described(ref(`${META}StatusDetails`), 'More about the reason, depending on it.'),
      code: integer('The HTTP status code.', 'int32'),
    },
    coreKind('Status'),
  ),
  [`${META}StatusDetails`]: objectOf('The resource a Status is about and the causes of an error.', {
    name: text('The name of the resource.'),
    group: text('The API group of the resource.'),
    kind: text('The kind of the resource.'),
    uid: text('The uid of the resource.'),
    causes: arrayOf(
      ref(`${META}StatusCause`),
      'Every problem found, for an Invalid request each with its field.',
    ),
    retryAfterSeconds: integer('When the request may be retried, in seconds.', 'int32'),
  }),
  [`${META}StatusCause`]: objectOf('One problem of a request.', {
    reason: text('A machine-readable description of the problem.'),
    message: text('A human-readable description of the problem.'),
    field: text('The field at fault, as a path such as `spec.identity.caRef`.'),
  }),
  [`${META}Patch`]: {
    description:
      "The body of a PATCH: a JSON patch, a JSON merge patch or a server-side apply configuration, as the request's content type says.",
    type: 'object',
  },
  [`${META}Preconditions`]: objectOf(
    'Conditions a deletion requires; the server answers 409 Conflict when one does not hold.',
    {
      uid: text('The uid the resource must have.'),
      resourceVersion: text('The resourceVersion the resource must have.'),
    },
  ),
  [`${META}DeleteOptions`]: objectOf(
    'Options of a DELETE.',
    {
      apiVersion: API_VERSION_FIELD,
      kind: KIND_FIELD,
      dryRun: arrayOf(STRING, 'When present, the deletion is checked but not persisted. Valid value: All.'),
      gracePeriodSeconds: integer(
        'Seconds before the object is deleted; Steward deletes without a grace period.',
        'int64',
      ),
      preconditions: described(ref(`${META}Preconditions`), 'Must hold for the deletion to proceed.'),
      propagationPolicy: text('Whether and how dependents are deleted: Orphan, Background or Foreground.'),
    },
    coreKind('DeleteOptions'),
  ),
  [`${META}WatchEvent`]: objectOf(
    'One event of a watch stream.',
    {
      type: text('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'),
      object: {
        description:
          'The resource as it is after the event (before it, for DELETED); a Status for ERROR; for BOOKMARK, only its kind and metadata.resourceVersion.',
        type: 'object',
      },
    },
    { required: ['type', 'object'], ...coreKind('WatchEvent') },
  ),
};

function listSchema(kind: KindNames): Schema {
  return {
    description: `A page of ${kind.kind} resources.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: API_VERSION_FIELD,
      items: {
        description: `The ${kind.kind} resources of the page.`,
        type: 'array',
        items: ref(PREFIX + kind.kind),
      },
      kind: KIND_FIELD,
      metadata: described(ref(`${META}ListMeta`), 'Standard list metadata.'),
    },
    'x-kubernetes-group-version-kind': [gvk(`${kind.kind}List`)],
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

function ref(component: string): Schema {
  return { $ref: `#/components/schemas/${component}` };
}

/** A `$ref` with a description beside it, which OpenAPI 3.0 keeps only through `allOf` (as Kubernetes writes it). */
function described(target: Schema, description: string): Schema {
  return { allOf: [target], description };
}

function gvk(kind: string): Schema {
  return { group: API_GROUP, version: VERSION, kind };
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
