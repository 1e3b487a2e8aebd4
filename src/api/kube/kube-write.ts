import { parse as parseYaml } from 'yaml';
import type { ApplyOptions, ApplyService } from '../../apply/apply-service.js';
import type { OperationContext } from '../../context.js';
import { BadRequestError, ConflictError, InvalidError } from '../../errors.js';
import type { KindNames } from '../../resources/kind.js';
import { type ManagedFieldsEntry, recordUpdate } from '../../resources/managed-fields.js';
import type { StoredResource } from '../../resources/model.js';
import type { ManifestValidator } from '../../schema/validator.js';
import type { ResourceStore } from '../../store/resource-store.js';
import { applyFieldValidation, parseDryRun, parseFieldValidation } from './field-validation.js';
import { KUBE_GROUP_VERSION } from './kube-discovery.js';
import type { KubeQuery } from './kube-facade.js';
import { fromKubeObject, toKubeObject } from './kube-objects.js';
import { requested } from './kube-ownership.js';

/** The journal entries of a facade write say where it came from, beside the actor. */
export const VIA_KUBECTL = 'via kubectl';

export interface WriteAnswer {
  status: number;
  body: unknown;
  warnings: string[];
}

/** Kubernetes' default field manager: the User-Agent's program name (`kubectl`, `node-fetch`…). Pure. */
export function defaultManager(userAgent: string | undefined): string {
  return (userAgent ?? 'unknown').split('/')[0].slice(0, 128) || 'unknown';
}

/** Reads the object a facade URL names; Kubernetes' NotFound when there is none. */
export type ReadNamed = (context: OperationContext, kind: KindNames, name: string) => Promise<StoredResource>;

/**
 * POST, PUT and DELETE of the Kubernetes facade (PATCH is KubePatches'), for a kind the facade has
 * resolved from its URL, and the write every verb ends in: through the same ApplyService as the
 * native API, so the same validation, permissions, journal entries (reason `via kubectl`) and
 * transactions.
 */
export class KubeWrites {
  constructor(
    private readonly store: ResourceStore,
    private readonly applyService: ApplyService,
    private readonly validator: ManifestValidator,
    private readonly read: ReadNamed,
    private readonly clock: () => Date,
  ) {}

  /** POST: creates; an existing name is 409 AlreadyExists. */
  async create(
    context: OperationContext,
    kind: KindNames,
    body: unknown,
    query: KubeQuery,
    userAgent?: string,
  ): Promise<WriteAnswer> {
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
    kind: KindNames,
    name: string,
    body: unknown,
    query: KubeQuery,
    userAgent?: string,
  ): Promise<WriteAnswer> {
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
  updater(manager: string, given?: ManagedFieldsEntry[]): ApplyOptions['manage'] {
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

  async delete(context: OperationContext, kind: KindNames, name: string, body: unknown, query: KubeQuery) {
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
  async write(
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

  now(): string {
    return this.clock().toISOString();
  }
}

function dryRunOf(body: unknown): string | undefined {
  const value = (body as { dryRun?: unknown } | null)?.dryRun;
  return Array.isArray(value) ? value.map(String).join(',') || undefined : undefined;
}

/** A YAML body (an apply patch, or a POST/PUT in YAML): one document (JSON is YAML). */
export function parseApplied(text: string): unknown {
  try {
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new BadRequestError(`the apply patch is not valid YAML: ${(error as Error).message}`);
  }
}
