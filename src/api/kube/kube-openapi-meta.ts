import type { KindNames } from '../../resources/kind.js';
import { described, gvk, META, PREFIX, ref, type Schema } from './kube-openapi-names.js';

// ---------------------------------------------------------------------------------------------
// Kubernetes' shared shapes (apimachinery meta/v1), as Steward's facade serves them

export const STRING: Schema = { type: 'string' };

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

export const META_COMPONENTS: Record<string, Schema> = {
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

export function listSchema(kind: KindNames): Schema {
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
