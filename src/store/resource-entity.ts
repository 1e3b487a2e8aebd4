import { EntitySchema } from '@mikro-orm/core';

/** One row of the generic resource table; JSON columns hold text (see toJsonColumn). */
export interface ResourceRow {
  id: number;
  tenant: string;
  kind: string;
  name: string;
  uid: string;
  api_version: string;
  labels: unknown;
  annotations: unknown;
  spec: unknown;
  status: unknown;
  generation: number;
  resource_version: number;
  created_at: string;
  updated_at: string;
  deletion_timestamp: string | null;
  finalizers: unknown;
  changeset: string | null;
  managed_fields: unknown;
}

export const ResourceEntity = new EntitySchema<ResourceRow>({
  name: 'Resource',
  tableName: 'resources',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    tenant: { type: 'string', length: 63 },
    kind: { type: 'string', length: 63 },
    name: { type: 'string', length: 63 },
    uid: { type: 'string', length: 36, unique: true },
    api_version: { type: 'string', fieldName: 'api_version', length: 63 },
    labels: { type: 'json' },
    annotations: { type: 'json' },
    spec: { type: 'json' },
    status: { type: 'json' },
    generation: { type: 'integer' },
    resource_version: { type: 'integer', fieldName: 'resource_version' },
    // ISO-8601 UTC text: sorts and compares the same on both dialects.
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
    updated_at: { type: 'string', fieldName: 'updated_at', length: 30 },
    deletion_timestamp: { type: 'string', fieldName: 'deletion_timestamp', length: 30, nullable: true },
    finalizers: { type: 'json' },
    // The changeset of the apply that set `generation` (null on rows older than causal status).
    changeset: { type: 'string', length: 36, nullable: true },
    // Kubernetes managedFields (the facade's field managers), JSON text; null when none.
    managed_fields: { type: 'json', fieldName: 'managed_fields', nullable: true },
  },
  // Lists page by name within tenant+kind, so the unique index is also the listing index.
  uniques: [{ name: 'resources_tenant_kind_name_unique', properties: ['tenant', 'kind', 'name'] }],
});
