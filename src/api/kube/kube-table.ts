import type { PrinterColumn } from '../../contract/discovery.js';
import type { StoredResource } from '../../resources/model.js';
import { toKubeObject } from './kube-objects.js';

/** A value at a printer column's dotted path (`.status.installed.version`). Pure. */
function valueAt(object: unknown, jsonPath: string): unknown {
  let value = object;
  for (const field of jsonPath.slice(1).split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[field];
  }
  return value;
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value.map((item) => text(item) ?? '').join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Kubernetes' short human durations (apimachinery's `duration.HumanDuration`, what the AGE column
 * of `kubectl get` shows): 45s, 3m20s, 12m, 5h30m, 20h, 2d5h, 30d, 2y10d, 9y. More than a second in
 * the future (clock skew) is `<invalid>`. Pure.
 */
export function humanAge(since: string, now: Date): string {
  const seconds = Math.trunc((now.getTime() - Date.parse(since)) / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const two = (major: number, unit: string, minor: number, minorUnit: string) =>
    minor === 0 ? `${major}${unit}` : `${major}${unit}${minor}${minorUnit}`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return two(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return two(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return two(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) return two(Math.floor(days / 365), 'y', days % 365, 'd');
  return `${Math.floor(days / 365)}y`;
}

interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
  cell(resource: StoredResource, now: Date): unknown;
}

function ready(resource: StoredResource) {
  return resource.status.conditions?.find((condition) => condition.type === 'Ready');
}

/**
 * The columns `steward get` prints (src/cli/output/columns.ts): NAME, READY, REASON, the kind's
 * `x-steward-columns`, AGE; priority 1 only with `-o wide`, as in Kubernetes. Pure.
 */
function columnsOf(kindColumns: readonly PrinterColumn[]): TableColumn[] {
  return [
    {
      name: 'Name',
      type: 'string',
      format: 'name',
      description: 'metadata.name',
      priority: 0,
      cell: (resource) => resource.name,
    },
    {
      name: 'Ready',
      type: 'string',
      format: '',
      description: 'The Ready condition (Unknown before the first reconcile)',
      priority: 0,
      cell: (resource) => ready(resource)?.status ?? 'Unknown',
    },
    {
      name: 'Reason',
      type: 'string',
      format: '',
      description: "The Ready condition's reason",
      priority: 0,
      cell: (resource) => ready(resource)?.reason ?? '<none>',
    },
    ...kindColumns.map(
      (column): TableColumn => ({
        name: column.name,
        type: 'string',
        format: '',
        description: column.description ?? column.jsonPath,
        priority: column.priority ?? 0,
        cell: (resource) => {
          const object = toKubeObject(resource);
          const value = valueAt(object, column.jsonPath);
          if (column.outOf === undefined || value === undefined || value === null)
            return text(value) ?? column.default ?? '<none>';
          const total = valueAt(object, column.outOf);
          const count = Array.isArray(total) ? total.length : typeof total === 'number' ? total : undefined;
          return count === undefined ? String(value) : `${value}/${count}`;
        },
      }),
    ),
    {
      name: 'Age',
      type: 'string',
      format: '',
      description: 'metadata.creationTimestamp',
      priority: 0,
      cell: (resource, now) => humanAge(resource.createdAt, now),
    },
  ];
}

/**
 * `as=Table`: what `kubectl get` prints, the same columns as `steward get`, each row with the
 * object's metadata (PartialObjectMetadata, Kubernetes' default `includeObject`). Pure.
 */
export function kubeTable(
  kindColumns: readonly PrinterColumn[],
  resources: readonly StoredResource[],
  now: Date,
  listMeta: { resourceVersion?: string; continue?: string } = {},
) {
  const columns = columnsOf(kindColumns);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columns.map(({ cell: _cell, ...definition }) => definition),
    rows: resources.map((resource) => ({
      cells: columns.map((column) => column.cell(resource, now)),
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: toKubeObject(resource).metadata,
      },
    })),
  };
}

/** Whether an Accept header asks for a Table (`application/json;as=Table;v=v1;g=meta.k8s.io`). Pure. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /;\s*as=Table/.test(accept);
}
