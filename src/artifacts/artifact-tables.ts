/**
 * The artifact side's tables (issue #15): each tenant's update-signing keys (Ed25519, the private
 * half sealed under the master key like CA keys), the signature of every published Artifact
 * (written in the same transaction as the Artifact, before its row exists), and attached SBOMs.
 * Steward keeps metadata and SBOMs only, never an artifact's bytes.
 */
import { EntitySchema } from '@mikro-orm/core';

/** An update-signing key. One per tenant is current (`retired_at` null); retired keys stay listed. */
export interface SigningKeyRow {
  tenant: string;
  /** `sha256:` + hex of SHA-256 of the DER SubjectPublicKeyInfo, cut to 32 hex digits. */
  key_id: string;
  algorithm: string;
  /** PEM SubjectPublicKeyInfo. */
  public_key: string;
  /** PKCS#8 DER sealed by MasterKey.encrypt, bound to the tenant and key id. */
  sealed_private_key: string;
  created_at: string;
  /** Set when a rotation replaced it: it signs nothing after this, but verifies what it signed. */
  retired_at: string | null;
  /** Only the current key holds 1 (a unique index: two processes cannot both create one). */
  current: number | null;
}

export const SigningKeyEntity = new EntitySchema<SigningKeyRow>({
  name: 'SigningKey',
  tableName: 'signing_keys',
  uniques: [{ name: 'signing_keys_current_unique', properties: ['tenant', 'current'] }],
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    key_id: { type: 'string', fieldName: 'key_id', length: 64, primary: true },
    algorithm: { type: 'string', length: 16 },
    public_key: { type: 'text', fieldName: 'public_key' },
    sealed_private_key: { type: 'text', fieldName: 'sealed_private_key' },
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
    retired_at: { type: 'string', fieldName: 'retired_at', length: 30, nullable: true },
    current: { type: 'integer', nullable: true },
  },
});

/** The signature of a published Artifact over its canonical metadata (src/contract/artifact-signature.ts). */
export interface ArtifactSignatureRow {
  tenant: string;
  name: string;
  /** The Artifact's uid: a signature never outlives the artifact it was made for. */
  uid: string;
  key_id: string;
  algorithm: string;
  /** base64 of the Ed25519 signature. */
  signature: string;
  /** The exact bytes signed (canonical JSON text). */
  payload: string;
  signed_at: string;
}

export const ArtifactSignatureEntity = new EntitySchema<ArtifactSignatureRow>({
  name: 'ArtifactSignature',
  tableName: 'artifact_signatures',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    name: { type: 'string', length: 63, primary: true },
    uid: { type: 'string', length: 36 },
    key_id: { type: 'string', fieldName: 'key_id', length: 64 },
    algorithm: { type: 'string', length: 16 },
    signature: { type: 'string', length: 128 },
    payload: { type: 'text' },
    signed_at: { type: 'string', fieldName: 'signed_at', length: 30 },
  },
});

/** An SBOM attached to an Artifact (SPDX or CycloneDX JSON), kept as sent. */
export interface ArtifactSbomRow {
  tenant: string;
  name: string;
  uid: string;
  /** `spdx` | `cyclonedx` */
  format: string;
  content_type: string;
  document: string;
  size: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: string;
}

export const ArtifactSbomEntity = new EntitySchema<ArtifactSbomRow>({
  name: 'ArtifactSbom',
  tableName: 'artifact_sboms',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    name: { type: 'string', length: 63, primary: true },
    uid: { type: 'string', length: 36 },
    format: { type: 'string', length: 16 },
    content_type: { type: 'string', fieldName: 'content_type', length: 128 },
    document: { type: 'text' },
    size: { type: 'integer' },
    sha256: { type: 'string', length: 64 },
    uploaded_by: { type: 'string', fieldName: 'uploaded_by', length: 256 },
    uploaded_at: { type: 'string', fieldName: 'uploaded_at', length: 30 },
  },
});

export const ARTIFACT_ENTITIES = [SigningKeyEntity, ArtifactSignatureEntity, ArtifactSbomEntity];
