import { InvalidError } from '../../errors.js';
import type { ManagedFieldsEntry } from '../../resources/managed-fields.js';
import { fromFieldsV1, toFieldsV1 } from '../../resources/managed-fields-encoding.js';
import type { StoredResource } from '../../resources/model.js';
import { KUBE_GROUP_VERSION } from './kube-discovery.js';

/*
 * Field ownership decisions of the facade's writes, around src/resources/managed-fields.ts: what
 * a server-side apply keeps for other managers, and managedFields a request sets itself. Pure.
 */

export type Kept = { labels: Record<string, string>; annotations: Record<string, string>; spec?: unknown };

/**
 * Labels and annotations a server-side apply keeps although its configuration omits them: those
 * another field manager owns (kubectl's last-applied annotation, a `kubectl label`), as
 * Kubernetes keeps them. The spec is replaced whole, as Steward's apply does; metadata merges,
 * so that `kubectl apply --server-side` after `kubectl apply` or `kubectl label` does not conflict
 * over fields it never meant to touch. Pure.
 */
export function keptMetadata(live: StoredResource, config: Record<string, unknown>, manager: string): Kept {
  const meta = (config.metadata ?? {}) as {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  const owned = new Set<string>();
  for (const entry of live.managedFields ?? []) {
    if (entry.manager === manager && entry.operation === 'Apply') continue;
    for (const path of fromFieldsV1(entry.fieldsV1))
      if (path.length === 3 && path[0] === 'metadata') owned.add(`${path[1]}\u0000${path[2]}`);
  }
  const keep = (field: 'labels' | 'annotations') =>
    Object.fromEntries(
      Object.entries(live[field]).filter(
        ([key]) => meta[field]?.[key] === undefined && owned.has(`${field}\u0000${key}`),
      ),
    );
  // A configuration without a spec manages none of it (kubectl's `kubectl-last-applied` manager
  // applies only its annotation): the spec stays as it is.
  const spec = 'spec' in config ? undefined : live.spec;
  return {
    labels: keep('labels'),
    annotations: keep('annotations'),
    ...(spec === undefined ? {} : { spec }),
  };
}

export function withKeptMetadata(config: Record<string, unknown>, kept: Kept): Record<string, unknown> {
  const meta = (config.metadata ?? {}) as Record<string, unknown>;
  const merge = (field: 'labels' | 'annotations') => {
    const value = { ...kept[field], ...((meta[field] as Record<string, string> | undefined) ?? {}) };
    return Object.keys(value).length > 0 ? { [field]: value } : {};
  };
  return {
    ...config,
    metadata: { ...meta, ...merge('labels'), ...merge('annotations') },
    ...(kept.spec === undefined ? {} : { spec: kept.spec }),
  };
}

/** The applier's entry owns what its configuration set, not what was kept for others. Pure. */
export function withoutKept(
  entries: ManagedFieldsEntry[],
  manager: string,
  kept: Kept,
): ManagedFieldsEntry[] {
  const skip = new Set([
    ...Object.keys(kept.labels).map((key) => `labels\u0000${key}`),
    ...Object.keys(kept.annotations).map((key) => `annotations\u0000${key}`),
  ]);
  if (skip.size === 0 && kept.spec === undefined) return entries;
  return entries.flatMap((entry) => {
    if (entry.manager !== manager || entry.operation !== 'Apply') return [entry];
    const paths = fromFieldsV1(entry.fieldsV1).filter(
      (path) =>
        !(path.length === 3 && path[0] === 'metadata' && skip.has(`${path[1]}\u0000${path[2]}`)) &&
        !(kept.spec !== undefined && path[0] === 'spec'),
    );
    return paths.length > 0 ? [{ ...entry, fieldsV1: toFieldsV1(paths) }] : [];
  });
}

/**
 * managedFields a PUT or PATCH sets itself (kubectl moves its client-side apply's fields to its
 * server-side apply manager this way): used as sent, as Kubernetes does, once each entry checks.
 * Undefined when the request leaves them as they are. Pure.
 */
export function requested(value: unknown, live: StoredResource): ManagedFieldsEntry[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (JSON.stringify(value) === JSON.stringify(live.managedFields ?? [])) return undefined;
  if (!Array.isArray(value))
    throw new InvalidError('metadata.managedFields must be a list', {
      problems: [{ pointer: '/metadata/managedFields', message: 'must be a list' }],
    });
  return value.map((entry: unknown, index): ManagedFieldsEntry => {
    const pointer = `/metadata/managedFields/${index}`;
    const fields = (entry ?? {}) as Record<string, unknown>;
    const problem = (message: string) =>
      new InvalidError(`metadata.managedFields[${index}]: ${message}`, { problems: [{ pointer, message }] });
    if (typeof fields.manager !== 'string' || fields.manager.length > 128)
      throw problem('manager must be a string of at most 128 characters');
    if (fields.operation !== 'Apply' && fields.operation !== 'Update')
      throw problem('operation must be Apply or Update');
    if (fields.fieldsType !== undefined && fields.fieldsType !== 'FieldsV1')
      throw problem('fieldsType must be FieldsV1');
    try {
      fromFieldsV1(fields.fieldsV1 ?? {});
    } catch (error) {
      if (!(error instanceof InvalidError)) throw error;
      throw new InvalidError(`metadata.managedFields[${index}].fieldsV1: ${error.message}`, {
        problems: error.problems.map((found) => ({
          ...found,
          pointer: `${pointer}/fieldsV1${found.pointer}`,
        })),
      });
    }
    return {
      manager: fields.manager,
      operation: fields.operation,
      apiVersion: typeof fields.apiVersion === 'string' ? fields.apiVersion : KUBE_GROUP_VERSION,
      time: typeof fields.time === 'string' ? fields.time : live.updatedAt,
      fieldsType: 'FieldsV1',
      fieldsV1: (fields.fieldsV1 ?? {}) as Record<string, unknown>,
    };
  });
}

export function sameButTimes(a: ManagedFieldsEntry[], b: ManagedFieldsEntry[]): boolean {
  const untimed = (entries: ManagedFieldsEntry[]) =>
    JSON.stringify(entries.map(({ time: _time, ...rest }) => rest));
  return untimed(a) === untimed(b);
}
