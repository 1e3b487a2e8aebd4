import type { Knex } from 'knex';
import type { ResourceKey, ResourceStatus, StoredResource } from '../resources/model.js';
import type { Requirement } from '../resources/selector.js';
import { chunk, type Database, type Executor, fromJsonColumn, toJsonColumn } from './database.js';
import type { ResourceRow } from './resource-entity.js';

const TABLE = 'resources';
const COLUMNS = [
  'tenant',
  'kind',
  'name',
  'uid',
  'api_version',
  'labels',
  'annotations',
  'spec',
  'status',
  'generation',
  'resource_version',
  'created_at',
  'updated_at',
  'deletion_timestamp',
  'finalizers',
  'changeset',
  'managed_fields',
] as const;
/** Columns an apply may change on an existing row (never tenant/kind/name/uid/created_at). */
const MUTABLE = COLUMNS.filter((column) => !['tenant', 'kind', 'name', 'uid', 'created_at'].includes(column));

function toRow(resource: StoredResource): Array<string | number | null> {
  return [
    resource.tenant,
    resource.kind,
    resource.name,
    resource.uid,
    resource.apiVersion,
    toJsonColumn(resource.labels),
    toJsonColumn(resource.annotations),
    toJsonColumn(resource.spec),
    toJsonColumn(resource.status),
    resource.generation,
    resource.resourceVersion,
    resource.createdAt,
    resource.updatedAt,
    resource.deletionTimestamp,
    toJsonColumn(resource.finalizers),
    resource.changeset ?? null,
    resource.managedFields && resource.managedFields.length > 0 ? toJsonColumn(resource.managedFields) : null,
  ];
}

export function fromRow(row: ResourceRow): StoredResource {
  return {
    tenant: row.tenant,
    kind: row.kind,
    name: row.name,
    uid: row.uid,
    apiVersion: row.api_version,
    labels: fromJsonColumn(row.labels),
    annotations: fromJsonColumn(row.annotations),
    spec: fromJsonColumn(row.spec),
    status: fromJsonColumn(row.status),
    generation: Number(row.generation),
    resourceVersion: Number(row.resource_version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletionTimestamp: row.deletion_timestamp ?? null,
    finalizers: fromJsonColumn(row.finalizers),
    changeset: row.changeset ?? null,
    ...(row.managed_fields ? { managedFields: fromJsonColumn(row.managed_fields) } : {}),
  };
}

export interface ListOptions {
  requirements?: Requirement[];
  limit?: number;
  /** Exclusive lower bound on name: lists are ordered by name, so paging is stable under writes. */
  after?: string;
}

/**
 * The generic resource table. Knows SQL, not HTTP; every bulk operation is one statement per
 * chunk, never one per row. Methods taking an Executor run inside the caller's transaction.
 */
export class ResourceStore {
  /**
   * Rows read by `get`, on SQLite only. SQLite mode is one process on one connection, and every
   * write of the resource table goes through this class, so a write clears the cache and bumps
   * `writeEpoch`; a read caches its row only if no write began while it ran. Rows are kept raw and
   * decoded per read, so callers never share objects. PostgreSQL mode (several processes) always
   * reads the database.
   */
  private readonly cache = new Map<string, ResourceRow | null>();
  private writeEpoch = 0;
  private static readonly CACHE_LIMIT = 50_000;

  constructor(private readonly db: Database) {}

  /** Called first by every write of the resource table. */
  private invalidate(): void {
    this.writeEpoch++;
    this.cache.clear();
  }

  async get(key: ResourceKey, executor: Executor = this.db.knex): Promise<StoredResource | null> {
    const cacheable = this.db.dialect === 'sqlite' && executor === this.db.knex;
    const cacheKey = `${key.tenant}/${key.kind}/${key.name}`;
    if (cacheable && this.cache.has(cacheKey)) {
      const cached = this.cache.get(cacheKey);
      return cached ? fromRow(cached) : null;
    }
    const epoch = this.writeEpoch;
    const row = await executor<ResourceRow>(TABLE)
      .where({ tenant: key.tenant, kind: key.kind, name: key.name })
      .first();
    if (cacheable && epoch === this.writeEpoch) {
      if (this.cache.size >= ResourceStore.CACHE_LIMIT) this.cache.clear();
      this.cache.set(cacheKey, row ?? null);
    }
    return row ? fromRow(row) : null;
  }

  /**
   * Loads the existing resources among `keys` (one query per kind and chunk), locking them on
   * PostgreSQL so that a plan made from them stays valid until the transaction ends.
   */
  async findMany(
    trx: Executor,
    tenant: string,
    keys: Array<{ kind: string; name: string }>,
  ): Promise<Map<string, StoredResource>> {
    const byKind = new Map<string, string[]>();
    for (const key of keys) {
      const names = byKind.get(key.kind) ?? [];
      names.push(key.name);
      byKind.set(key.kind, names);
    }
    const found = new Map<string, StoredResource>();
    for (const [kind, names] of byKind) {
      for (const part of chunk(names, 1, this.db.maxParameters - 2)) {
        const query = trx<ResourceRow>(TABLE).where({ tenant, kind }).whereIn('name', part);
        for (const row of await this.db.forUpdate(query)) found.set(`${row.kind}/${row.name}`, fromRow(row));
      }
    }
    return found;
  }

  /** One page of a kind, ordered by name; label requirements are evaluated in SQL. */
  async list(
    tenant: string,
    kind: string,
    options: ListOptions = {},
    executor: Executor = this.db.knex,
  ): Promise<StoredResource[]> {
    const query = executor<ResourceRow>(TABLE).where({ tenant, kind }).orderBy('name');
    if (options.after !== undefined) query.where('name', '>', options.after);
    this.applyRequirements(query, options.requirements ?? []);
    if (options.limit !== undefined) query.limit(options.limit);
    return (await query).map(fromRow);
  }

  async count(tenant: string, kind: string, requirements: Requirement[] = []): Promise<number> {
    const query = this.db.knex(TABLE).where({ tenant, kind }).count({ count: '*' });
    this.applyRequirements(query, requirements);
    const [row] = await query;
    // PostgreSQL returns count(*) as a string.
    return Number(row.count);
  }

  private applyRequirements(query: Knex.QueryBuilder, requirements: Requirement[]): void {
    for (const requirement of requirements) {
      const value = this.db.jsonText('labels');
      const key = this.db.jsonKey(requirement.key);
      switch (requirement.operator) {
        case 'Exists':
          query.whereRaw(`${value} IS NOT NULL`, [key]);
          break;
        case 'DoesNotExist':
          query.whereRaw(`${value} IS NULL`, [key]);
          break;
        case 'In':
          query.whereRaw(`${value} IN (${requirement.values.map(() => '?').join(', ')})`, [
            key,
            ...requirement.values,
          ]);
          break;
        case 'NotIn':
          // As in Kubernetes, `a!=b` and `a notin (b)` also select resources without label a.
          query.whereRaw(
            `(${value} IS NULL OR ${value} NOT IN (${requirement.values.map(() => '?').join(', ')}))`,
            [key, key, ...requirement.values],
          );
          break;
      }
    }
  }

  /** Inserts new resources in multi-row statements; a name taken meanwhile fails the transaction. */
  async insertMany(trx: Executor, resources: StoredResource[]): Promise<void> {
    await this.writeMany(trx, resources, '');
  }

  /**
   * Overwrites existing resources (matched by tenant/kind/name) in multi-row upserts. Callers have
   * loaded and locked these rows in the same transaction, so no concurrent write is lost.
   */
  async replaceMany(trx: Executor, resources: StoredResource[]): Promise<void> {
    const assignments = MUTABLE.map((column) => `${column} = excluded.${column}`).join(', ');
    await this.writeMany(trx, resources, ` ON CONFLICT (tenant, kind, name) DO UPDATE SET ${assignments}`);
  }

  private async writeMany(trx: Executor, resources: StoredResource[], suffix: string): Promise<void> {
    this.invalidate();
    const placeholders = `(${COLUMNS.map(() => '?').join(', ')})`;
    for (const part of chunk(resources, COLUMNS.length, this.db.maxParameters)) {
      const sql = `INSERT INTO ${TABLE} (${COLUMNS.join(', ')}) VALUES ${part.map(() => placeholders).join(', ')}${suffix}`;
      await trx.raw(sql, part.flatMap(toRow));
    }
  }

  /** Removes resources by uid (one statement per chunk). */
  async removeMany(trx: Executor, resources: StoredResource[]): Promise<void> {
    this.invalidate();
    for (const part of chunk(resources, 1, this.db.maxParameters)) {
      await trx(TABLE)
        .whereIn(
          'uid',
          part.map((resource) => resource.uid),
        )
        .delete();
    }
  }

  /**
   * Writes `next` over the row only if its resourceVersion is still `expected` (optimistic
   * concurrency). Returns false when someone else wrote first; the caller decides what that means.
   */
  async replaceIfVersion(
    next: StoredResource,
    expected: number,
    executor: Executor = this.db.knex,
  ): Promise<boolean> {
    this.invalidate();
    const row = toRow(next);
    const values = Object.fromEntries(COLUMNS.map((column, index) => [column, row[index]]));
    const changed = await executor(TABLE)
      .where({ uid: next.uid, resource_version: expected })
      .update(Object.fromEntries(MUTABLE.map((column) => [column, values[column]])));
    return changed === 1;
  }

  /** Deletes the row only if it is still at `expected`. */
  async removeIfVersion(
    resource: StoredResource,
    expected: number,
    executor: Executor = this.db.knex,
  ): Promise<boolean> {
    this.invalidate();
    const removed = await executor(TABLE).where({ uid: resource.uid, resource_version: expected }).delete();
    return removed === 1;
  }

  /** Status-only write used by reconcilers; see engine/status for the generation rule. */
  async writeStatus(
    uid: string,
    status: ResourceStatus,
    expected: number,
    updatedAt: string,
  ): Promise<boolean> {
    this.invalidate();
    const changed = await this.db
      .knex(TABLE)
      .where({ uid, resource_version: expected })
      .update({ status: toJsonColumn(status), resource_version: expected + 1, updated_at: updatedAt });
    return changed === 1;
  }

  /**
   * Many status-only writes in one statement per chunk (the engine's coalescer). Each row is
   * written only if its resourceVersion is still the expected one (a write computed from an older
   * read never lands); generation is untouched. Returns the uids written.
   */
  async writeStatusMany(
    trx: Executor,
    writes: ReadonlyArray<{ uid: string; status: ResourceStatus; expected: number; updatedAt: string }>,
  ): Promise<Set<string>> {
    this.invalidate();
    const written = new Set<string>();
    const postgres = this.db.dialect === 'postgresql';
    const row = postgres ? '(?, ?::integer, ?::jsonb, ?)' : '(?, ?, ?, ?)';
    for (const part of chunk([...writes], 4, this.db.maxParameters)) {
      const values = part.map(() => row).join(', ');
      const bindings = part.flatMap((write) => [
        write.uid,
        write.expected,
        toJsonColumn(write.status),
        write.updatedAt,
      ]);
      const sql = postgres
        ? `UPDATE ${TABLE} AS r SET status = v.status, resource_version = r.resource_version + 1, updated_at = v.updated_at
           FROM (VALUES ${values}) AS v(uid, expected, status, updated_at)
           WHERE r.uid = v.uid AND r.resource_version = v.expected RETURNING r.uid`
        : `WITH v(uid, expected, status, updated_at) AS (VALUES ${values})
           UPDATE ${TABLE} SET status = v.status, resource_version = ${TABLE}.resource_version + 1, updated_at = v.updated_at
           FROM v WHERE ${TABLE}.uid = v.uid AND ${TABLE}.resource_version = v.expected RETURNING ${TABLE}.uid`;
      const result = await trx.raw(sql, bindings);
      const rows: Array<{ uid: string }> = postgres ? result.rows : result;
      for (const { uid } of rows) written.add(uid);
    }
    return written;
  }

  /** Resources of one tenant and kind by name, without locks (the engine's batched reads). */
  async getMany(tenant: string, kind: string, names: readonly string[]): Promise<StoredResource[]> {
    const found: StoredResource[] = [];
    for (const part of chunk([...names], 1, this.db.maxParameters - 2)) {
      const rows = await this.db.knex<ResourceRow>(TABLE).where({ tenant, kind }).whereIn('name', part);
      for (const row of rows) found.push(fromRow(row));
    }
    return found;
  }

  /** Keys of one kind in the given tenants (engine watches: e.g. every group of a tenant). */
  async keysOf(kind: string, tenants: readonly string[]): Promise<ResourceKey[]> {
    if (tenants.length === 0) return [];
    const rows = await this.db
      .knex<ResourceRow>(TABLE)
      .select('tenant', 'kind', 'name')
      .where({ kind })
      .whereIn('tenant', [...tenants]);
    return rows.map((row) => ({ tenant: row.tenant, kind: row.kind, name: row.name }));
  }

  /** Every key, optionally of one kind, streamed in pages (resync, start-up). */
  async *keys(
    kind?: string,
    pageSize = 5000,
  ): AsyncGenerator<Array<ResourceKey & { generation: number; observedGeneration?: number }>> {
    let lastId = 0;
    for (;;) {
      const query = this.db
        .knex<ResourceRow>(TABLE)
        .select('id', 'tenant', 'kind', 'name', 'generation', 'status')
        .where('id', '>', lastId)
        .orderBy('id')
        .limit(pageSize);
      if (kind) query.where({ kind });
      const rows = await query;
      if (rows.length === 0) return;
      lastId = Number(rows[rows.length - 1].id);
      yield rows.map((row) => ({
        tenant: row.tenant,
        kind: row.kind,
        name: row.name,
        generation: Number(row.generation),
        observedGeneration: fromJsonColumn<ResourceStatus>(row.status).observedGeneration,
      }));
    }
  }
}
