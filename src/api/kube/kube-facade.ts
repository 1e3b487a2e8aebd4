import type { ApplyService } from '../../apply/apply-service.js';
import type { OperationContext } from '../../context.js';
import { BadRequestError, NotFoundError } from '../../errors.js';
import type { ReadRecorder } from '../../journal/read-journaling.js';
import type { KindNames } from '../../resources/kind.js';
import type { KindIndex } from '../../resources/kind-index.js';
import type { StoredResource } from '../../resources/model.js';
import { decodeContinue, encodeContinue, parseLimit } from '../../resources/resource-queries.js';
import { matches, parseSelector } from '../../resources/selector.js';
import type { ManifestValidator } from '../../schema/validator.js';
import type { ResourceStore } from '../../store/resource-store.js';
import { KUBE_GROUP_VERSION } from './kube-discovery.js';
import { type KubeObject, toKubeObject } from './kube-objects.js';
import { KubePatches } from './kube-patch.js';
import { kubeTable } from './kube-table.js';
import { KubeWrites, type ReadNamed } from './kube-write.js';

export type KubeQuery = Record<string, string | undefined>;

/** `fieldSelector`: only `metadata.name` (=, ==, !=), as for custom resources. Pure. */
export function parseFieldSelector(selector: string | undefined): { name?: string; notName?: string } {
  if (!selector) return {};
  const result: { name?: string; notName?: string } = {};
  for (const part of selector.split(',')) {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!match) throw new BadRequestError(`invalid field selector "${part}"`);
    const [, field, operator, value] = match;
    if (field !== 'metadata.name')
      throw new BadRequestError(
        `field label not supported: ${field} (only metadata.name is, as for Kubernetes custom resources)`,
      );
    if (operator === '!=') result.notName = value;
    else result.name = value;
  }
  return result;
}

/**
 * The Kubernetes-compatible facade over Steward's resources (issue #19): the same reads, and
 * writes through the same ApplyService as the native API — same validation, permissions,
 * journal entries (reason `via kubectl`) and transactions. What it adds is Kubernetes' request
 * shapes: objects instead of manifest streams, patches, server-side apply with field managers,
 * fieldValidation, dryRun=All, Tables and Status errors.
 */
export class KubeFacade {
  private readonly writes: KubeWrites;
  private readonly patches: KubePatches;

  constructor(
    private readonly store: ResourceStore,
    applyService: ApplyService,
    private readonly kinds: KindIndex,
    private readonly validator: ManifestValidator,
    private readonly listVersion: (tenant: string) => Promise<number>,
    /** Read journaling (docs/journal.md): reads through the facade are journaled like native ones. */
    readonly reads: ReadRecorder,
    private readonly clock: () => Date = () => new Date(),
  ) {
    const read: ReadNamed = (context, kind, name) => this.read(context, kind, name);
    this.writes = new KubeWrites(store, applyService, validator, read, clock);
    this.patches = new KubePatches(store, this.writes, read);
  }

  /** The kind of a facade URL's resource: its exact plural, as Kubernetes routes. */
  kindOf(plural: string): KindNames {
    const kind = this.kinds.resolve(plural);
    if (kind.plural !== plural)
      throw new NotFoundError(
        `the server could not find the requested resource "${plural}" (use ${kind.plural})`,
      );
    return kind;
  }

  private async read(context: OperationContext, kind: KindNames, name: string): Promise<StoredResource> {
    const resource = await this.store.get({ tenant: context.tenant, kind: kind.kind, name });
    if (!resource) throw new NotFoundError(`${kind.plural}.steward.dev "${name}" not found`);
    return resource;
  }

  async get(context: OperationContext, plural: string, name: string, table: boolean) {
    const kind = this.kindOf(plural);
    context.authorize(`${kind.plural}:read`);
    const resource = await this.read(context, kind, name);
    await this.reads.record(context, kind.kind, name);
    return table
      ? kubeTable(this.validator.printerColumns(kind.kind), [resource], this.clock())
      : toKubeObject(resource);
  }

  async list(context: OperationContext, plural: string, query: KubeQuery, table: boolean) {
    const kind = this.kindOf(plural);
    context.authorize(`${kind.plural}:read`);
    const fields = parseFieldSelector(query.fieldSelector);
    const requirements = parseSelector(query.labelSelector ?? '');
    // The head before the read: a watch from it sees every change the list may have missed.
    const resourceVersion = String(await this.listVersion(context.tenant));
    let rows: StoredResource[];
    let next: string | undefined;
    if (fields.name !== undefined) {
      const resource = await this.store.get({ tenant: context.tenant, kind: kind.kind, name: fields.name });
      rows = resource && this.selected(resource, requirements, fields) ? [resource] : [];
    } else {
      const limit = query.limit ? parseLimit(query.limit) : 5_000;
      const after = query.continue ? decodeContinue(query.continue) : undefined;
      const found = await this.store.list(context.tenant, kind.kind, {
        requirements,
        after,
        limit: limit + 1,
      });
      rows = found.slice(0, limit).filter((resource) => resource.name !== fields.notName);
      if (found.length > limit) next = encodeContinue(found[limit - 1].name);
    }
    await this.reads.record(context, kind.kind);
    const metadata = { resourceVersion, ...(next ? { continue: next } : {}) };
    if (table) return kubeTable(this.validator.printerColumns(kind.kind), rows, this.clock(), metadata);
    return {
      apiVersion: KUBE_GROUP_VERSION,
      kind: `${kind.kind}List`,
      metadata,
      items: rows.map(toKubeObject),
    };
  }

  selected(
    resource: StoredResource,
    requirements: ReturnType<typeof parseSelector>,
    fields: { name?: string; notName?: string },
  ): boolean {
    if (fields.name !== undefined && resource.name !== fields.name) return false;
    if (fields.notName !== undefined && resource.name === fields.notName) return false;
    return requirements.length === 0 || matches(requirements, resource.labels);
  }

  /** POST (KubeWrites.create). */
  async create(
    context: OperationContext,
    plural: string,
    body: unknown,
    query: KubeQuery,
    userAgent?: string,
  ) {
    return this.writes.create(context, this.kindOf(plural), body, query, userAgent);
  }

  /** PUT (KubeWrites.replace). */
  async replace(
    context: OperationContext,
    plural: string,
    name: string,
    body: unknown,
    query: KubeQuery,
    userAgent?: string,
  ) {
    return this.writes.replace(context, this.kindOf(plural), name, body, query, userAgent);
  }

  /** PATCH, server-side apply included (KubePatches.patch). */
  async patch(
    context: OperationContext,
    plural: string,
    name: string,
    body: unknown,
    contentType: string,
    query: KubeQuery,
    userAgent?: string,
  ) {
    return this.patches.patch(context, this.kindOf(plural), name, body, contentType, query, userAgent);
  }

  /** DELETE (KubeWrites.delete). */
  async delete(context: OperationContext, plural: string, name: string, body: unknown, query: KubeQuery) {
    return this.writes.delete(context, this.kindOf(plural), name, body, query);
  }
}

export type { KubeObject };
