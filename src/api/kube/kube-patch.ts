import type { OperationContext } from '../../context.js';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  UnsupportedMediaTypeError,
} from '../../errors.js';
import type { KindNames } from '../../resources/kind.js';
import { serverSideApply } from '../../resources/managed-fields.js';
import { conflictMessage } from '../../resources/managed-fields-conflicts.js';
import type { ResourceStore } from '../../store/resource-store.js';
import { mergePatch } from './json-merge-patch.js';
import { jsonPatch } from './json-patch.js';
import { KUBE_GROUP_VERSION } from './kube-discovery.js';
import type { KubeQuery } from './kube-facade.js';
import { fromKubeObject, toKubeObject } from './kube-objects.js';
import {
  type Kept,
  keptMetadata,
  requested,
  sameButTimes,
  withKeptMetadata,
  withoutKept,
} from './kube-ownership.js';
import {
  defaultManager,
  type KubeWrites,
  parseApplied,
  type ReadNamed,
  type WriteAnswer,
} from './kube-write.js';

/** Precondition conflicts a read-modify-write (PATCH, apply) retries before answering 409. */
const RETRIES = 5;

/**
 * PATCH of the Kubernetes facade, for a kind the facade has resolved from its URL: a patch is a
 * read-modify-write of the live object, retried on a stale resourceVersion the facade itself set,
 * and ends in the same write as every verb (KubeWrites).
 */
export class KubePatches {
  constructor(
    private readonly store: ResourceStore,
    private readonly writes: KubeWrites,
    private readonly read: ReadNamed,
  ) {}

  /**
   * PATCH: JSON merge patch, JSON patch, or server-side apply (`application/apply-patch+yaml`).
   * Strategic merge patch is refused as Kubernetes refuses it for custom resources (415).
   */
  async patch(
    context: OperationContext,
    kind: KindNames,
    name: string,
    body: unknown,
    contentType: string,
    query: KubeQuery,
    userAgent?: string,
  ): Promise<WriteAnswer> {
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
        return await this.writes.write(context, kind, incoming.manifest, query, {
          manage: this.writes.updater(manager, requested(incoming.managedFields, live)),
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
        now: this.writes.now(),
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
        return await this.writes.write(context, kind, manifest, query, {
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

/** `.spec.identity` → `/spec/identity`. Pure. */
function pointerOf(field: string): string {
  return field
    .split('.')
    .filter(Boolean)
    .map((segment) => `/${segment.replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}
