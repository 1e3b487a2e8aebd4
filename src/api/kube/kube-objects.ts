import { randomBytes } from 'node:crypto';
import { BadRequestError } from '../../errors.js';
import type { KindNames } from '../../resources/kind.js';
import type { ManagedFieldsEntry, StoredResource } from '../../resources/model.js';
import { KUBE_GROUP_VERSION } from './kube-discovery.js';

/** Kubernetes' `ObjectMeta` as the facade serves it (no namespace: every kind is cluster-scoped). */
export interface KubeObjectMeta {
  name: string;
  uid: string;
  generation: number;
  resourceVersion: string;
  creationTimestamp: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  spec: unknown;
  status: unknown;
}

/**
 * A stored resource as Kubernetes clients read it: Steward's `createdAt` is `creationTimestamp`;
 * `updatedAt` and `changeset` have no Kubernetes field and are only in the native view. Pure.
 */
export function toKubeObject(resource: StoredResource): KubeObject {
  const metadata: KubeObjectMeta = {
    name: resource.name,
    uid: resource.uid,
    generation: resource.generation,
    resourceVersion: String(resource.resourceVersion),
    creationTimestamp: resource.createdAt,
  };
  if (Object.keys(resource.labels).length > 0) metadata.labels = resource.labels;
  if (Object.keys(resource.annotations).length > 0) metadata.annotations = resource.annotations;
  if (resource.deletionTimestamp) metadata.deletionTimestamp = resource.deletionTimestamp;
  if (resource.finalizers.length > 0) metadata.finalizers = resource.finalizers;
  if (resource.managedFields && resource.managedFields.length > 0)
    metadata.managedFields = resource.managedFields;
  return {
    apiVersion: KUBE_GROUP_VERSION,
    kind: resource.kind,
    metadata,
    spec: resource.spec,
    status: resource.status,
  };
}

/**
 * Metadata Kubernetes sets itself: read from a request only as Kubernetes does (resourceVersion
 * as an update's precondition), otherwise ignored. Finalizers are the controllers' in Steward.
 */
const SERVER_SET = new Set([
  'uid',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'finalizers',
  'managedFields',
  'selfLink',
  // Every kind is cluster-scoped: Kubernetes clears a namespace sent for one.
  'namespace',
  // Steward's own server-set names, in case a native `get -o yaml` is sent here.
  'createdAt',
  'updatedAt',
  'changeset',
]);

/** Lower-case letters and digits, as Kubernetes' generateName suffix. */
function suffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

export interface IncomingObject {
  /** The manifest for Steward's apply: server-set metadata removed, resourceVersion kept if asked. */
  manifest: Record<string, unknown>;
  name: string;
  resourceVersion?: string;
  managedFields?: unknown;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/**
 * A Kubernetes object sent to the facade, checked against its URL as the API server does (group
 * version, kind, name), turned into the manifest Steward's apply takes. Unknown fields are left
 * for the schema (fieldValidation decides). Pure but for generateName's random suffix.
 *
 * @throws BadRequestError naming the mismatch.
 */
export function fromKubeObject(
  body: unknown,
  kind: KindNames,
  options: { urlName?: string; keepResourceVersion: boolean },
): IncomingObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestError(
      `the body must be a ${kind.kind} object, not ${Array.isArray(body) ? 'an array' : describe(body)}`,
    );
  const object = body as Record<string, unknown>;
  if (object.apiVersion !== KUBE_GROUP_VERSION)
    throw new BadRequestError(
      `the API version in the data (${describe(object.apiVersion)}) does not match the expected API version (${KUBE_GROUP_VERSION})`,
    );
  if (object.kind !== kind.kind)
    throw new BadRequestError(
      `the kind in the data (${describe(object.kind)}) does not match the expected kind (${kind.kind})`,
    );
  const rawMetadata = object.metadata ?? {};
  if (typeof rawMetadata !== 'object' || rawMetadata === null || Array.isArray(rawMetadata))
    throw new BadRequestError('metadata must be an object');
  const metadata: Record<string, unknown> = {};
  let resourceVersion: string | undefined;
  for (const [key, value] of Object.entries(rawMetadata)) {
    if (key === 'resourceVersion') {
      if (value !== undefined && value !== null && value !== '') resourceVersion = String(value);
      continue;
    }
    if (key === 'generateName' || SERVER_SET.has(key)) continue;
    metadata[key] = value;
  }
  const generateName = (rawMetadata as { generateName?: unknown }).generateName;
  if (
    (metadata.name === undefined || metadata.name === '') &&
    typeof generateName === 'string' &&
    !options.urlName
  )
    metadata.name = `${generateName}${suffix()}`;
  if (options.urlName !== undefined && metadata.name !== undefined && metadata.name !== options.urlName)
    throw new BadRequestError(
      `the name of the object (${describe(metadata.name)}) does not match the name on the URL (${options.urlName})`,
    );
  if (options.urlName !== undefined && metadata.name === undefined) metadata.name = options.urlName;
  if (options.keepResourceVersion && resourceVersion !== undefined)
    metadata.resourceVersion = resourceVersion;
  const { status: _status, ...rest } = object;
  return {
    // Status is the controllers' (Kubernetes' status subresource): ignored on the main resource.
    manifest: { ...rest, metadata },
    name: typeof metadata.name === 'string' ? metadata.name : '',
    resourceVersion,
    managedFields: (rawMetadata as { managedFields?: unknown }).managedFields,
  };
}
