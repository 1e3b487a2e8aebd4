import { EntitySchema } from '@mikro-orm/core';
import type { ResourceKey, StoredResource } from '../resources/model.js';
import { chunk, type Database } from '../store/database.js';
import { type ReferenceField, referenceAt } from './controller.js';

/** One reference from a resource's spec to another resource of the same tenant. */
export interface ReferenceRow {
  id: number;
  tenant: string;
  from_kind: string;
  from_name: string;
  to_kind: string;
  to_name: string;
}

/**
 * The reference index: who points at whom, so that a change wakes exactly its referrers (no scan
 * of a kind). Both lookups are index range reads.
 */
export const ReferenceEntity = new EntitySchema<ReferenceRow>({
  name: 'ResourceReference',
  tableName: 'resource_refs',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    tenant: { type: 'string', length: 63 },
    from_kind: { type: 'string', fieldName: 'from_kind', length: 63 },
    from_name: { type: 'string', fieldName: 'from_name', length: 63 },
    to_kind: { type: 'string', fieldName: 'to_kind', length: 63 },
    to_name: { type: 'string', fieldName: 'to_name', length: 63 },
  },
  indexes: [
    { name: 'resource_refs_to', properties: ['tenant', 'to_kind', 'to_name', 'from_kind'] },
    { name: 'resource_refs_from', properties: ['tenant', 'from_kind', 'from_name'] },
  ],
});

const TABLE = 'resource_refs';

/** The references a resource's spec makes, by its controller's declaration. Pure. */
export function referencesOf(
  resource: StoredResource,
  fields: readonly ReferenceField[],
): Array<{ kind: string; name: string }> {
  const found = new Map<string, { kind: string; name: string }>();
  for (const field of fields) {
    const name = referenceAt(resource, field.path);
    if (name !== undefined) found.set(`${field.kind}/${name}`, { kind: field.kind, name });
  }
  return [...found.values()].sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
}

/**
 * Maintains `resource_refs` from the engine: a resource's references are rewritten when it is
 * reconciled (before its controller reads its dependencies, so a dependency that changes after
 * the rewrite wakes it, and one that changed before is seen by the read) and removed when it is
 * gone. A per-process memo of (uid, generation) skips rewrites of a spec already indexed: a spec is
 * immutable at a given generation.
 */
export class ReferenceIndex {
  private readonly indexed = new Map<string, string>();

  constructor(private readonly db: Database) {}

  /** Rewrites the references of `resource`; a no-op when this generation is already indexed. */
  async sync(resource: StoredResource, fields: readonly ReferenceField[]): Promise<void> {
    const memoKey = `${resource.tenant}/${resource.kind}/${resource.name}`;
    const version = `${resource.uid}@${resource.generation}`;
    if (this.indexed.get(memoKey) === version) return;
    const references = referencesOf(resource, fields);
    await this.db.transaction(async (trx) => {
      await trx(TABLE)
        .where({ tenant: resource.tenant, from_kind: resource.kind, from_name: resource.name })
        .delete();
      if (references.length > 0)
        await trx(TABLE).insert(
          references.map((reference) => ({
            tenant: resource.tenant,
            from_kind: resource.kind,
            from_name: resource.name,
            to_kind: reference.kind,
            to_name: reference.name,
          })),
        );
    });
    this.indexed.set(memoKey, version);
  }

  /** Removes the references of a resource that is gone; returns what it pointed at (to wake them). */
  async remove(key: ResourceKey): Promise<ResourceKey[]> {
    this.indexed.delete(`${key.tenant}/${key.kind}/${key.name}`);
    const where = { tenant: key.tenant, from_kind: key.kind, from_name: key.name };
    const rows = await this.db.knex<ReferenceRow>(TABLE).select('to_kind', 'to_name').where(where);
    if (rows.length > 0) await this.db.knex(TABLE).where(where).delete();
    return rows.map((row) => ({ tenant: key.tenant, kind: row.to_kind, name: row.to_name }));
  }

  /** Keys of `fromKind` that reference any of `targets` (grouped by tenant and kind, chunked). */
  async referrers(fromKind: string, targets: readonly ResourceKey[]): Promise<ResourceKey[]> {
    const groups = new Map<string, { tenant: string; kind: string; names: string[] }>();
    for (const target of targets) {
      const id = `${target.tenant}/${target.kind}`;
      const group = groups.get(id) ?? { tenant: target.tenant, kind: target.kind, names: [] };
      group.names.push(target.name);
      groups.set(id, group);
    }
    const found = new Map<string, ResourceKey>();
    for (const group of groups.values()) {
      for (const names of chunk([...new Set(group.names)], 1, this.db.maxParameters - 3)) {
        const rows = await this.db
          .knex<ReferenceRow>(TABLE)
          .distinct('from_name')
          .where({ tenant: group.tenant, to_kind: group.kind, from_kind: fromKind })
          .whereIn('to_name', names);
        for (const row of rows)
          found.set(`${group.tenant}/${row.from_name}`, {
            tenant: group.tenant,
            kind: fromKind,
            name: row.from_name,
          });
      }
    }
    return [...found.values()];
  }

  /** Names of existing `fromKind` resources of `tenant` that reference `toKind`/`toName`. */
  async existingReferrers(
    tenant: string,
    fromKind: string,
    toKind: string,
    toName: string,
  ): Promise<string[]> {
    const rows = await this.db
      .knex({ r: TABLE })
      .join({ x: 'resources' }, function () {
        this.on('x.tenant', 'r.tenant').andOn('x.kind', 'r.from_kind').andOn('x.name', 'r.from_name');
      })
      .distinct('r.from_name as name')
      .where({ 'r.tenant': tenant, 'r.to_kind': toKind, 'r.to_name': toName, 'r.from_kind': fromKind })
      .orderBy('r.from_name');
    return rows.map((row: { name: string }) => row.name);
  }
}
