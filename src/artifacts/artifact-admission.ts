/**
 * The Artifact's admission (src/apply/admission.ts): a published artifact's spec never changes
 * (only `spec.description`, for people, may), and no Artifact row is ever written unsigned: the
 * signature is made and stored inside the apply's transaction, before the resource row, so a
 * failure to sign rolls the whole apply back and a committed Artifact always has its signature.
 */
import type { Knex } from 'knex';
import type { Admission, AdmittedWrite } from '../apply/admission.js';
import type { OperationContext } from '../context.js';
import { type ArtifactMetadata, artifactSignaturePayload } from '../contract/artifact-signature.js';
import { canonicalJson } from '../contract/canonical.js';
import type { FieldProblem } from '../errors.js';
import type { StoredResource } from '../resources/model.js';
import type { ArtifactSignatureRow } from './artifact-tables.js';
import type { SigningKeys } from './signing-keys.js';

const TABLE = 'artifact_signatures';
const SBOM_TABLE = 'artifact_sboms';

/** The one spec field that may change once an Artifact is published. */
const MUTABLE_SPEC_FIELDS: ReadonlySet<string> = new Set(['description']);

/** The signed metadata of a stored Artifact (its name and spec). Pure. */
export function artifactMetadataOf(resource: Pick<StoredResource, 'name' | 'spec'>): ArtifactMetadata {
  const spec = resource.spec as Partial<ArtifactMetadata>;
  return {
    name: resource.name,
    version: spec.version as string,
    digest: spec.digest as string,
    size: spec.size as number,
    platforms: spec.platforms ?? [],
    url: spec.url,
  };
}

/**
 * The problems of a write that changes a published Artifact's spec: one per changed field (added,
 * removed or altered), `description` excepted. Empty for a creation. Pure.
 */
export function immutableSpecProblems(write: AdmittedWrite): FieldProblem[] {
  if (!write.previous) return [];
  const before = write.previous.spec as Record<string, unknown>;
  const after = write.next.spec as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return fields
    .filter((field) => !MUTABLE_SPEC_FIELDS.has(field))
    .filter((field) => canonicalJson(before[field] ?? null) !== canonicalJson(after[field] ?? null))
    .map((field) => ({
      document: write.index,
      pointer: `/spec/${field}`,
      message: `spec.${field} of published Artifact "${write.next.name}" cannot change (the spec of a published artifact is immutable and signed; only spec.description, labels and annotations may change): publish the new version as a new Artifact`,
    }));
}

/** The signature rows of some Artifacts by name (one query). */
export async function signatureRows(
  executor: Knex | Knex.Transaction,
  tenant: string,
  names: readonly string[],
): Promise<Map<string, ArtifactSignatureRow>> {
  if (names.length === 0) return new Map();
  const rows = (await executor<ArtifactSignatureRow>(TABLE)
    .where({ tenant })
    .whereIn('name', [...names])) as ArtifactSignatureRow[];
  return new Map(rows.map((row) => [row.name, row]));
}

/**
 * The Artifact admission. `beforeWrite` signs every created Artifact, and a configured one that
 * has no signature for its uid (stored before artifacts were signed: applying it again signs it
 * as it stands), and upserts the `artifact_signatures` row keyed by tenant and name, carrying the
 * uid the resource row will have. Everything on `trx`.
 */
export function createArtifactAdmission(
  signingKeys: SigningKeys,
  clock: () => Date = () => new Date(),
): Admission {
  return {
    kind: 'Artifact',
    check: immutableSpecProblems,
    async beforeWrite(trx: Knex.Transaction, context: OperationContext, writes: AdmittedWrite[]) {
      const existing = await signatureRows(
        trx,
        context.tenant,
        writes.filter((write) => write.outcome === 'configured').map((write) => write.next.name),
      );
      const unsigned = writes.filter(
        (write) => write.outcome === 'created' || existing.get(write.next.name)?.uid !== write.next.uid,
      );
      const signedAt = clock().toISOString();
      for (const write of unsigned) {
        const payload = artifactSignaturePayload(artifactMetadataOf(write.next));
        const made = await signingKeys.sign(trx, context.tenant, payload);
        const row: ArtifactSignatureRow = {
          tenant: context.tenant,
          name: write.next.name,
          uid: write.next.uid,
          key_id: made.keyId,
          algorithm: made.algorithm,
          signature: made.signature,
          payload,
          signed_at: signedAt,
        };
        await trx(TABLE).insert(row).onConflict(['tenant', 'name']).merge();
      }
    },
    /**
     * A deleted Artifact's signature and SBOM go with it, in the delete's transaction (rollouts
     * already started keep the signed artifact they fixed in their own state).
     */
    async beforeDelete(trx: Knex.Transaction, context: OperationContext, resources: StoredResource[]) {
      const pairs = resources.map((resource) => [resource.name, resource.uid]);
      for (let start = 0; start < pairs.length; start += 400)
        for (const table of [TABLE, SBOM_TABLE])
          await trx(table)
            .where('tenant', context.tenant)
            .whereIn(['name', 'uid'], pairs.slice(start, start + 400))
            .delete();
    },
  };
}
