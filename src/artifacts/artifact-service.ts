/**
 * An Artifact's subresources (issue #15): its signature as the server made it, and its SBOM
 * (attached, downloaded in its own content type). Confined to the caller's tenant: another
 * tenant's artifact is as unknown as a missing one. A signature or an SBOM left by an earlier
 * Artifact of the same name (deleted, then created again) belongs to that one, not this: both are
 * read only when their uid is the artifact's.
 */

import { createHash } from 'node:crypto';
import type { OperationContext } from '../context.js';
import type { ArtifactSignatureView } from '../contract/artifact-signature.js';
import {
  BadRequestError,
  InvalidError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { StoredResource } from '../resources/model.js';
import type { Database, Executor } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { ArtifactSbomRow, ArtifactSignatureRow } from './artifact-tables.js';
import {
  checkSbom,
  formatOfMediaType,
  SBOM_CONTENT_TYPES,
  SBOM_MAX_BYTES,
  SBOM_UPLOAD_TYPES,
  type SbomFormat,
} from './sbom.js';
import type { SigningKeys } from './signing-keys.js';

const KIND = 'Artifact';
const SIGNATURES = 'artifact_signatures';
const SBOMS = 'artifact_sboms';
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What the Artifact's reconciler observes: the signature made for this uid and its key. */
export interface ArtifactSignatureObservation {
  signature?: Pick<ArtifactSignatureRow, 'key_id' | 'algorithm' | 'signature' | 'payload' | 'signed_at'>;
  /** The public key of the signature's key id; undefined when that key is unknown. */
  publicKeyPem?: string;
}

/** An SBOM as stored, metadata only (the answer of an upload). */
export interface ArtifactSbomView {
  apiVersion: 'steward.dev/v1';
  kind: 'ArtifactSbom';
  name: string;
  uid: string;
  format: SbomFormat;
  contentType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  uploadedAt: string;
}

export interface ArtifactServiceDeps {
  db: Database;
  store: Pick<ResourceStore, 'get'>;
  journal: JournalWriter;
  signingKeys: SigningKeys;
  clock: () => Date;
}

export class ArtifactService {
  constructor(private readonly deps: ArtifactServiceDeps) {}

  /** The signature of an Artifact of the caller's tenant. Needs `artifacts:read`. */
  async signature(context: OperationContext, name: string): Promise<ArtifactSignatureView> {
    context.authorize('artifacts:read');
    const artifact = await this.artifact(context.tenant, name);
    const row = await this.signatureRow(this.deps.db.knex, artifact);
    if (!row)
      throw new NotFoundError(
        `Artifact "${name}" has no signature (it was stored before artifacts were signed): publish it again to have it signed`,
      );
    const publicKeyPem = await this.deps.signingKeys.publicKey(this.deps.db.knex, context.tenant, row.key_id);
    if (!publicKeyPem)
      throw new NotFoundError(`the signing key ${row.key_id} of Artifact "${name}"'s signature is unknown`);
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'ArtifactSignature',
      name,
      uid: row.uid,
      keyId: row.key_id,
      algorithm: row.algorithm,
      signature: row.signature,
      payload: row.payload,
      signedAt: row.signed_at,
      publicKeyPem,
    };
  }

  /** For the reconciler: the signature made for this Artifact's uid, and its key's public half. */
  async observeSignature(
    artifact: Pick<StoredResource, 'tenant' | 'name' | 'uid'>,
  ): Promise<ArtifactSignatureObservation> {
    const row = await this.signatureRow(this.deps.db.knex, artifact);
    if (!row) return {};
    return {
      signature: row,
      publicKeyPem: await this.deps.signingKeys.publicKey(this.deps.db.knex, artifact.tenant, row.key_id),
    };
  }

  /**
   * Attaches (or replaces) the SBOM of an Artifact: checked for its format's shape and the size
   * cap before anything is stored; journaled (`attach`) with its format, size and SHA-256, never
   * the document. Needs `artifacts:write`.
   * @throws UnsupportedMediaTypeError for a media type that is not an SBOM's;
   *   PayloadTooLargeError past SBOM_MAX_BYTES; BadRequestError for text that is not JSON;
   *   InvalidError for JSON that is not its format's document.
   */
  async attachSbom(
    context: OperationContext,
    name: string,
    upload: { mediaType: string; text: string },
  ): Promise<ArtifactSbomView> {
    context.authorize('artifacts:write');
    const artifact = await this.artifact(context.tenant, name);
    if (!(SBOM_UPLOAD_TYPES as readonly string[]).includes(upload.mediaType))
      throw new UnsupportedMediaTypeError(
        `an SBOM is sent as ${SBOM_UPLOAD_TYPES.join(', ')} (the format detected from its fields), not ${upload.mediaType || 'without a content type'}`,
      );
    const size = Buffer.byteLength(upload.text, 'utf8');
    if (size > SBOM_MAX_BYTES)
      throw new PayloadTooLargeError(
        `the SBOM is ${size} bytes; at most ${SBOM_MAX_BYTES} bytes (5 MiB) are kept: attach a smaller document (e.g. without file-level entries)`,
      );
    const checked = checkSbom(upload.text, formatOfMediaType(upload.mediaType));
    if (!checked.ok) {
      if (checked.status === 'malformed') throw new BadRequestError(checked.message);
      throw new InvalidError(checked.message, { problems: checked.problems });
    }
    const row: ArtifactSbomRow = {
      tenant: context.tenant,
      name,
      uid: artifact.uid,
      format: checked.format,
      content_type: SBOM_CONTENT_TYPES[checked.format],
      document: upload.text,
      size,
      sha256: createHash('sha256').update(upload.text, 'utf8').digest('hex'),
      uploaded_by: context.actor.name,
      uploaded_at: this.deps.clock().toISOString(),
    };
    await this.deps.db.transaction(async (trx) => {
      // Still the same artifact (not deleted and re-created meanwhile) when the SBOM is stored.
      const current = await this.deps.store.get({ tenant: context.tenant, kind: KIND, name }, trx);
      if (!current || current.uid !== artifact.uid) throw new NotFoundError(`Artifact "${name}" not found`);
      await trx(SBOMS).insert(row).onConflict(['tenant', 'name']).merge();
      await this.deps.journal.append(trx, context, [
        {
          operation: 'attach',
          kind: KIND,
          name,
          generation: artifact.generation,
          result: 'attached',
          reason: `${checked.format === 'spdx' ? 'SPDX' : 'CycloneDX'} SBOM of ${size} bytes attached`,
          changes: [{ pointer: '/sbom', new: { format: row.format, size, sha256: row.sha256 } }],
        },
      ]);
    });
    return sbomView(row);
  }

  /** The SBOM of an Artifact of the caller's tenant, with its content type. Needs `artifacts:read`. */
  async sbom(context: OperationContext, name: string): Promise<ArtifactSbomView & { document: string }> {
    context.authorize('artifacts:read');
    const artifact = await this.artifact(context.tenant, name);
    const row = (await this.deps.db
      .knex<ArtifactSbomRow>(SBOMS)
      .where({ tenant: context.tenant, name, uid: artifact.uid })
      .first()) as ArtifactSbomRow | undefined;
    if (!row)
      throw new NotFoundError(
        `Artifact "${name}" has no SBOM: attach one with PUT /api/v1/artifacts/${name}/sbom (steward artifact sbom ${name} -f FILE)`,
      );
    return { ...sbomView(row), document: row.document };
  }

  private async artifact(tenant: string, name: string): Promise<StoredResource> {
    const found = NAME.test(name) ? await this.deps.store.get({ tenant, kind: KIND, name }) : null;
    // The name is echoed only when it has the shape of one: a path segment is not repeated at length.
    if (!found)
      throw new NotFoundError(NAME.test(name) ? `Artifact "${name}" not found` : 'Artifact not found');
    return found;
  }

  private async signatureRow(
    executor: Executor,
    artifact: Pick<StoredResource, 'tenant' | 'name' | 'uid'>,
  ): Promise<ArtifactSignatureRow | undefined> {
    return (await executor<ArtifactSignatureRow>(SIGNATURES)
      .where({ tenant: artifact.tenant, name: artifact.name, uid: artifact.uid })
      .first()) as ArtifactSignatureRow | undefined;
  }
}

function sbomView(row: ArtifactSbomRow): ArtifactSbomView {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'ArtifactSbom',
    name: row.name,
    uid: row.uid,
    format: row.format as SbomFormat,
    contentType: row.content_type,
    size: Number(row.size),
    sha256: row.sha256,
    uploadedBy: row.uploaded_by,
    uploadedAt: row.uploaded_at,
  };
}
