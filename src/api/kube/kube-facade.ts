import { parse as parseYaml } from 'yaml';
import type { ApplyOptions, ApplyService } from '../../apply/apply-service.js';
import type { OperationContext } from '../../context.js';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  InvalidError,
  NotFoundError,
  UnsupportedMediaTypeError,
} from '../../errors.js';
import type { ReadRecorder } from '../../journal/read-journaling.js';
import type { KindNames } from '../../resources/kind.js';
import type { KindIndex } from '../../resources/kind-index.js';
import { type ManagedFieldsEntry, recordUpdate, serverSideApply } from '../../resources/managed-fields.js';
import { conflictMessage } from '../../resources/managed-fields-conflicts.js';
import type { StoredResource } from '../../resources/model.js';
import { decodeContinue, encodeContinue, parseLimit } from '../../resources/resource-queries.js';
import { matches, parseSelector } from '../../resources/selector.js';
import type { ManifestValidator } from '../../schema/validator.js';
import type { ResourceStore } from '../../store/resource-store.js';
import { applyFieldValidation, parseDryRun, parseFieldValidation } from './field-validation.js';
import { mergePatch } from './json-merge-patch.js';
import { jsonPatch } from './json-patch.js';
import { KUBE_GROUP_VERSION } from './kube-discovery.js';
import { fromKubeObject, type KubeObject, toKubeObject } from './kube-objects.js';
import {
  type Kept,
  keptMetadata,
  requested,
  sameButTimes,
  withKeptMetadata,
  withoutKept,
} from './kube-ownership.js';
import { kubeTable } from './kube-table.js';

/** The journal entries of a facade write say where it came from, beside the actor. */
export const VIA_KUBECTL = 'via kubectl';

/** Precondition conflicts a read-modify-write (PATCH, apply) retries before answering 409. */
const RETRIES = 5;

export type KubeQuery = Record<string, string | undefined>;

export interface WriteAnswer {
  status: number;
  body: unknown;
  warnings: string[];
}

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

/** Kubernetes' default field manager: the User-Agent's program name (`kubectl`, `node-fetch`…). Pure. */
export function defaultManager(userAgent: string | undefined): string {
  return (userAgent ?? 'unknown').split('/')[0].slice(0, 128) || 'unknown';
}

/**
 * The Kubernetes-compatible facade over Steward's resources (issue #19): the same reads, and
 * writes through the same ApplyService as the native API — same validation, permissions,
 * journal entries (reason `via kubectl`) and transactions. What it adds is Kubernetes' request
 * shapes: objects instead of manifest streams, patches, server-side apply with field managers,
 * fieldValidation, dryRun=All, Tables and Status errors.
 */
export class KubeFacade {
  constructor(
    private readonly store: ResourceStore,
    private readonly applyService: ApplyService,
    private readonly kinds: KindIndex,
    private readonly validator: ManifestValidator,
    private readonly listVersion: (tenant: string) => Promise<number>,
    /** Read journaling (docs/journal.md): reads through the facade are journaled like native ones. */
    readonly reads: ReadRecorder,
    private readonly clock: () => Date = () => new Date(),
  ) {}

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

  /** POST: creates; an existing name is 409 AlreadyExists. */
  async create(
    context: OperationContext,
    plural: string,
    body: unknown,
    query: KubeQuery,
    userAgent?: string,
  ) {
    const kind = this.kindOf(plural);
    const incoming = fromKubeObject(typeof body === 'string' ? parseApplied(body) : body, kind, {
      keepResourceVersion: false,
    });
    if (incoming.resourceVersion !== undefined)
      throw new InvalidError('resourceVersion should not be set on objects to be created', {
        problems: [{ pointer: '/metadata/resourceVersion', message: 'must not be set on create' }],
      });
    const manager = query.fieldManager ?? defaultManager(userAgent);
    return this.write(context, kind, incoming.manifest, query, {
      create: true,
      manage: (_index, previous, next) =>
        recordUpdate({
          entries: [],
          manager,
          apiVersion: KUBE_GROUP_VERSION,
          before: previous,
          after: next,
          now: this.now(),
        }),
    });
  }

  /** PUT: replaces the object; Kubernetes requires resourceVersion for custom resources. */
  async replace(
    context: OperationContext,
    plural: string,
    name: string,
    body: unknown,
    query: KubeQuery,
    userAgent?: string,
  ) {
    const kind = this.kindOf(plural);
    context.authorize(`${kind.plural}:write`);
    // Existence first: another tenant's name is "not found" whatever the body.
    const live = await this.read(context, kind, name);
    const incoming = fromKubeObject(typeof body === 'string' ? parseApplied(body) : body, kind, {
      urlName: name,
      keepResourceVersion: true,
    });
    if (incoming.resourceVersion === undefined)
      throw new InvalidError(
        `${kind.plural}.steward.dev "${name}" is invalid: metadata.resourceVersion must be specified for an update`,
        {
          problems: [{ pointer: '/metadata/resourceVersion', message: 'must be specified for an update' }],
        },
      );
    return this.write(context, kind, incoming.manifest, query, {
      manage: this.updater(
        query.fieldManager ?? defaultManager(userAgent),
        requested(incoming.managedFields, live),
      ),
    });
  }

  /** An Update's managers: the request's own managedFields when it changes them, else recorded. */
  private updater(manager: string, given?: ManagedFieldsEntry[]): ApplyOptions['manage'] {
    if (given) return () => given;
    return (_index, previous, next) =>
      recordUpdate({
        entries: previous?.managedFields ?? [],
        manager,
        apiVersion: KUBE_GROUP_VERSION,
        before: previous,
        after: next,
        now: this.now(),
      });
  }

  /**
   * PATCH: JSON merge patch, JSON patch, or server-side apply (`application/apply-patch+yaml`).
   * Strategic merge patch is refused as Kubernetes refuses it for custom resources (415).
   */
  async patch(
    context: OperationContext,
    plural: string,
    name: string,
    body: unknown,
    contentType: string,
    query: KubeQuery,
    userAgent?: string,
  ): Promise<WriteAnswer> {
    const kind = this.kindOf(plural);
    context.authorize(`${kind.plural}:write`);
    const type = contentType.split(';')[0].trim().toLowerCase();
    // Existence first (a server-side apply may create): another tenant's name is "not found".
    if (type !== 'application/apply-patch+yaml' && type !== 'application/apply-patch+json')
      await this.read(context, kind, name);
    if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+json')
      return this.serverSideApply(context, kind, name, body, query);
    if (type === 'application/strategic-merge-patch+json')
      throw new UnsupportedMediaTypeError(
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (strategic merge patch is not supported for Steward kinds, as for Kubernetes custom resources)',
      );
    if (type !== 'application/merge-patch+json' && type !== 'application/json-patch+json')
      throw new UnsupportedMediaTypeError(
        `the body of the request was in an unknown format (${type}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    if (query.force !== undefined)
      throw new BadRequestError(
        'force may only be given with server-side apply (application/apply-patch+yaml)',
      );
    const manager = query.fieldManager ?? defaultManager(userAgent);
    for (let attempt = 1; ; attempt++) {
      const live = await this.read(context, kind, name);
      const current = toKubeObject(live);
      const patched =
        type === 'application/merge-patch+json' ? mergePatch(current, body) : jsonPatch(current, body);
      const incoming = fromKubeObject(patched, kind, { urlName: name, keepResourceVersion: true });
      // A resourceVersion the patch itself sets is the caller's precondition; otherwise ours.
      const ownPrecondition = incoming.resourceVersion === current.metadata.resourceVersion;
      incoming.manifest.metadata = {
        ...(incoming.manifest.metadata as object),
        resourceVersion: incoming.resourceVersion ?? current.metadata.resourceVersion,
      };
      try {
        return await this.write(context, kind, incoming.manifest, query, {
          manage: this.updater(manager, requested(incoming.managedFields, live)),
        });
      } catch (error) {
        if (!(ownPrecondition && attempt < RETRIES && isStale(error))) throw error;
      }
    }
  }

  private async serverSideApply(
    context: OperationContext,
    kind: KindNames,
    name: string,
    body: unknown,
    query: KubeQuery,
  ): Promise<WriteAnswer> {
    const manager = query.fieldManager;
    if (!manager)
      throw new BadRequestError(
        'PATCH requests with apply content type (server-side apply) must specify fieldManager',
      );
    const force = parseForce(query.force);
    const applied = typeof body === 'string' ? parseApplied(body) : body;
    const incoming = fromKubeObject(applied, kind, { urlName: name, keepResourceVersion: true });
    for (let attempt = 1; ; attempt++) {
      const live = await this.store.get({ tenant: context.tenant, kind: kind.kind, name });
      if (live?.deletionTimestamp)
        throw new ConflictError(
          `${kind.plural}.steward.dev "${name}" is being deleted (since ${live.deletionTimestamp}); apply it again once it is gone`,
        );
      const kept: Kept = live
        ? keptMetadata(live, incoming.manifest, manager)
        : { labels: {}, annotations: {} };
      const merged = withKeptMetadata(incoming.manifest, kept);
      const ownership = serverSideApply({
        entries: live?.managedFields ?? [],
        manager,
        apiVersion: KUBE_GROUP_VERSION,
        live: live ? toKubeObject(live) : undefined,
        applied: merged as { metadata?: object; spec?: unknown },
        force,
        now: this.now(),
      });
      ownership.entries = withoutKept(ownership.entries, manager, kept);
      // As Kubernetes does, an apply that changes nothing but its managers' times is no write.
      const entries = sameButTimes(ownership.entries, live?.managedFields ?? [])
        ? undefined
        : ownership.entries;
      if (ownership.conflicts.length > 0) {
        const { message, causes } = conflictMessage(ownership.conflicts);
        throw new ConflictError(message, {
          problems: causes.map((cause) => ({ pointer: pointerOf(cause.field), message: cause.message })),
        });
      }
      const manifest = {
        ...merged,
        metadata: {
          ...(merged.metadata as object),
          ...(live ? { resourceVersion: incoming.resourceVersion ?? String(live.resourceVersion) } : {}),
        },
      };
      try {
        return await this.write(context, kind, manifest, query, {
          create: live === null,
          manage: () => entries,
        });
      } catch (error) {
        const ownPrecondition = incoming.resourceVersion === undefined;
        if (
          !(ownPrecondition && attempt < RETRIES && (isStale(error) || error instanceof AlreadyExistsError))
        )
          throw error;
      }
    }
  }

  async delete(context: OperationContext, plural: string, name: string, body: unknown, query: KubeQuery) {
    const kind = this.kindOf(plural);
    context.authorize(`${kind.plural}:write`);
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body)))
      throw new BadRequestError('the body of a DELETE must be DeleteOptions (an object), or none');
    const dryRun = parseDryRun(query.dryRun ?? dryRunOf(body));
    const preconditions = (body as { preconditions?: { resourceVersion?: unknown; uid?: unknown } } | null)
      ?.preconditions;
    const live = await this.read(context, kind, name);
    if (preconditions?.uid !== undefined && preconditions.uid !== live.uid)
      throw new ConflictError(
        `Precondition failed: UID in precondition: ${String(preconditions.uid)}, UID in object meta: ${live.uid}`,
      );
    const outcome = await this.applyService.deleteOne(context, kind.kind, name, {
      dryRun,
      reason: VIA_KUBECTL,
      resourceVersion:
        preconditions?.resourceVersion === undefined ? undefined : String(preconditions.resourceVersion),
    });
    if (outcome === 'deleting') {
      const marked = dryRun
        ? { ...live, deletionTimestamp: this.now() }
        : await this.store.get({ tenant: context.tenant, kind: kind.kind, name });
      return { status: 200, body: toKubeObject(marked ?? live) };
    }
    return {
      status: 200,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, group: 'steward.dev', kind: kind.plural, uid: live.uid },
      },
    };
  }

  /** The write every verb ends in: fieldValidation, then Steward's apply of one manifest. */
  private async write(
    context: OperationContext,
    kind: KindNames,
    manifest: Record<string, unknown>,
    query: KubeQuery,
    options: { create?: boolean; manage: ApplyOptions['manage'] },
  ): Promise<WriteAnswer> {
    const dryRun = parseDryRun(query.dryRun);
    const validation = parseFieldValidation(query.fieldValidation);
    const name = String((manifest.metadata as { name?: unknown } | undefined)?.name ?? '');
    let checked: ReturnType<typeof applyFieldValidation>;
    let result: Awaited<ReturnType<ApplyService['applyWithObjects']>>;
    try {
      // Strict (kubectl's default) is what the apply's own validation does: unknown fields are
      // problems there too, so the manifest is validated once, not twice.
      checked =
        validation === 'Strict'
          ? { manifest, warnings: [] }
          : applyFieldValidation(manifest, validation, (value) => this.validator.validate(value).problems);
      result = await this.applyService.applyWithObjects(context, [{ index: 0, value: checked.manifest }], {
        dryRun,
        reason: VIA_KUBECTL,
        manage: options.manage,
        create: options.create,
      });
    } catch (error) {
      // Kubernetes names the object in a 422 (`Device.steward.dev "x" is invalid: …`); a POST's
      // URL does not carry the name, so it travels in the details.
      if (error instanceof InvalidError)
        throw new InvalidError(error.message, {
          problems: error.problems,
          details: { ...error.details, name, kind: kind.kind },
        });
      throw error;
    }
    const [object] = result.objects;
    const created = result.items[0]?.result === 'created';
    return { status: created ? 201 : 200, body: toKubeObject(object), warnings: checked.warnings };
  }

  private now(): string {
    return this.clock().toISOString();
  }
}

function isStale(error: unknown): boolean {
  return (
    error instanceof ConflictError &&
    !(error instanceof AlreadyExistsError) &&
    error.problems.some((problem) => problem.pointer === '/metadata/resourceVersion')
  );
}

function parseForce(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true' || value === '') return true;
  throw new BadRequestError(`force must be true or false, got "${value}"`);
}

function dryRunOf(body: unknown): string | undefined {
  const value = (body as { dryRun?: unknown } | null)?.dryRun;
  return Array.isArray(value) ? value.map(String).join(',') || undefined : undefined;
}

/** A YAML body (an apply patch, or a POST/PUT in YAML): one document (JSON is YAML). */
function parseApplied(text: string): unknown {
  try {
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new BadRequestError(`the apply patch is not valid YAML: ${(error as Error).message}`);
  }
}

/** `.spec.identity` → `/spec/identity`. Pure. */
function pointerOf(field: string): string {
  return field
    .split('.')
    .filter(Boolean)
    .map((segment) => `/${segment.replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}

export type { KubeObject };
