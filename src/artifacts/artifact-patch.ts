/**
 * PATCH /api/v1/artifacts/{name}: what may change on a published Artifact — labels, annotations
 * and the description — as a JSON merge patch (RFC 7396: null removes), applied through the same
 * apply path as a manifest (validation, admission, journal), guarded by the resourceVersion read,
 * so a concurrent change is a conflict rather than lost. The spec's signed fields cannot be
 * patched: the body's schema has no place for them.
 */
import type { ApplyService } from '../apply/apply-service.js';
import type { OperationContext } from '../context.js';
import { NotFoundError } from '../errors.js';
import { toManifest } from '../resources/model.js';
import { bodySchema } from '../schema/request-body.js';
import type { ResourceStore } from '../store/resource-store.js';

export interface ArtifactPatch {
  metadata?: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> };
  spec?: { description?: string | null };
}

const NULLABLE_MAP = {
  type: 'object',
  additionalProperties: { type: ['string', 'null'] },
  maxProperties: 64,
};

export const ARTIFACT_PATCH_BODY = bodySchema<ArtifactPatch>({
  type: 'object',
  description:
    'A JSON merge patch of what may change on a published Artifact: labels, annotations, the description (null removes). Anything else is refused: the rest of the spec is signed and immutable.',
  additionalProperties: false,
  properties: {
    metadata: {
      type: 'object',
      additionalProperties: false,
      properties: { labels: NULLABLE_MAP, annotations: NULLABLE_MAP },
    },
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: { description: { type: ['string', 'null'], maxLength: 4096 } },
    },
  },
});

/** RFC 7396 on a flat map of strings. Pure. */
function merge(base: Record<string, string> | undefined, patch: Record<string, string | null> | undefined) {
  const next: Record<string, string> = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

export async function patchArtifact(
  deps: { apply: ApplyService; store: ResourceStore },
  context: OperationContext,
  name: string,
  patch: ArtifactPatch,
) {
  // Read without artifacts:read: the route needs artifacts:write, and answers what it wrote.
  const read = async () => {
    const stored = await deps.store.get({ tenant: context.tenant, kind: 'Artifact', name });
    if (!stored) throw new NotFoundError(`Artifact "${name}" not found`);
    return toManifest(stored);
  };
  const current = await read();
  const spec: Record<string, unknown> = { ...(current.spec as Record<string, unknown>) };
  if (patch.spec && 'description' in patch.spec) {
    if (patch.spec.description === null || patch.spec.description === undefined) delete spec.description;
    else spec.description = patch.spec.description;
  }
  const manifest = {
    apiVersion: current.apiVersion,
    kind: 'Artifact',
    metadata: {
      name,
      labels: merge(current.metadata.labels, patch.metadata?.labels),
      annotations: merge(current.metadata.annotations, patch.metadata?.annotations),
      resourceVersion: current.metadata.resourceVersion,
    },
    spec,
  };
  await deps.apply.apply(context, [{ index: 0, value: manifest }]);
  return read();
}
