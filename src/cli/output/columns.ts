import { conditionOf, type Resource, valueAt } from '../resource.js';
import { age } from './age.js';
import { NONE } from './table.js';

/** One column of `get`: a header and how to read its cell from a resource. */
export interface Column {
  header: string;
  cell(resource: Resource, now: Date): string | undefined;
  /** Only with `-o wide`. */
  wide?: boolean;
}

/** A cell from a dotted path, with a default for fields the server fills in when omitted. */
function path(header: string, dotted: string, fallback?: string, wide = false): Column {
  return { header, wide, cell: (resource) => text(valueAt(resource, dotted)) ?? fallback };
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value.map((item) => text(item) ?? '').join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Rollout WAVE: the current wave out of the strategy's waves, `2/3`. */
const rolloutWave: Column = {
  header: 'WAVE',
  cell: (resource) => {
    const current = valueAt(resource, 'status.currentWave');
    const waves = valueAt(resource, 'spec.strategy.waves');
    if (current === undefined || current === null) return undefined;
    return Array.isArray(waves) ? `${current}/${waves.length}` : String(current);
  },
};

/**
 * The kind-specific columns, between READY and AGE. One table, data only: a new kind adds a row
 * here (or none, and shows NAME READY AGE).
 */
export const KIND_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  Device: [
    path('PLATFORM', 'spec.platform'),
    path('IDENTIFIER', 'spec.permanentIdentifier'),
    path('USER', 'spec.user.email', undefined, true),
    path('ASSURANCE', 'status.assurance', undefined, true),
  ],
  CertificateAuthority: [
    path('TYPE', 'spec.type'),
    path('ALGORITHM', 'spec.keyAlgorithm', 'ECDSA-P256'),
    path('NOT AFTER', 'status.notAfter'),
    path('PARENT', 'spec.parentRef.name', undefined, true),
  ],
  Rollout: [
    path('ARTIFACT', 'spec.artifactRef.name'),
    rolloutWave,
    path('PAUSED', 'spec.paused', 'false', true),
  ],
  DeviceGroup: [path('DEVICES', 'status.count')],
  Artifact: [path('VERSION', 'spec.version'), path('DIGEST', 'spec.digest', undefined, true)],
  TrustPolicy: [path('ISSUER', 'spec.issuer', 'https://token.actions.githubusercontent.com')],
};

const NAME: Column = { header: 'NAME', cell: (resource) => resource.metadata.name };
/** An absent Ready condition means nobody has reconciled the resource yet: Unknown, as in Kubernetes. */
const READY: Column = {
  header: 'READY',
  cell: (resource) => conditionOf(resource, 'Ready')?.status ?? 'Unknown',
};
// The reason is in the default table: "False" alone does not tell an operator what to do.
const REASON: Column = {
  header: 'REASON',
  cell: (resource) => conditionOf(resource, 'Ready')?.reason,
};
const AGE: Column = { header: 'AGE', cell: (resource, now) => age(resource.metadata.createdAt, now) };

/** The columns of a kind: NAME, READY, REASON, the kind's own, AGE. Pure. */
export function columnsFor(kind: string, wide: boolean): Column[] {
  return [NAME, READY, REASON, ...(KIND_COLUMNS[kind] ?? []), AGE].filter((column) => wide || !column.wide);
}

/** Headers and cells of resources of one kind, ready for renderTable. Pure. */
export function resourceRows(
  kind: string,
  resources: readonly Resource[],
  wide: boolean,
  now: Date,
): { headers: string[]; rows: string[][] } {
  const columns = columnsFor(kind, wide);
  return {
    headers: columns.map((column) => column.header),
    rows: resources.map((resource) => columns.map((column) => column.cell(resource, now) ?? NONE)),
  };
}
