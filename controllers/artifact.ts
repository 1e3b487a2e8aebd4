/**
 * Artifact: metadata only, signed by the tenant's update-signing key when it is published (the
 * apply's admission, src/artifacts/artifact-admission.ts, signs it inside the transaction that
 * stores it). Ready when its spec is complete and a signature made for its uid verifies with its
 * key over the payload its spec gives now. An Artifact stored before artifacts were signed has no
 * signature: Unsigned, until it is published again.
 */
import { verify } from 'node:crypto';
import type { ArtifactSignatureObservation } from '../src/artifacts/artifact-service.js';
import { artifactSignaturePayload } from '../src/contract/artifact-signature.js';
import type { Controller, ReconcileResult } from '../src/engine/controller.js';
import { ready } from '../src/engine/controller.js';
import type { ArtifactSpec, ArtifactStatus } from '../src/kinds/generated/v1/artifact.js';
import type { StoredResource } from '../src/resources/model.js';

export const ArtifactReason = {
  MetadataIncomplete: 'MetadataIncomplete',
  /** The signature made for this artifact verifies over its current spec. */
  Signed: 'Signed',
  /** No signature for this artifact (stored before artifacts were signed). */
  Unsigned: 'Unsigned',
  /** A signature exists but does not verify, or covers another spec: the database was altered. */
  SignatureInvalid: 'SignatureInvalid',
} as const;

/**
 * Which required metadata is missing or malformed (empty: complete). The schema checks the same on
 * apply; this guards rows stored before a schema change. Pure.
 */
export function missingMetadata(spec: Partial<ArtifactSpec>): string[] {
  const missing: string[] = [];
  if (typeof spec.version !== 'string' || spec.version === '') missing.push('version');
  if (typeof spec.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(spec.digest)) missing.push('digest');
  if (typeof spec.size !== 'number' || spec.size < 0) missing.push('size');
  if (!Array.isArray(spec.platforms) || spec.platforms.length === 0) missing.push('platforms');
  return missing;
}

/** True when `signature` (base64) is `publicKeyPem`'s Ed25519 signature of `payload`; false on any malformed input. Pure. */
export function ed25519Verifies(publicKeyPem: string, payload: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(payload, 'utf8'), publicKeyPem, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** What is wrong with the observed signature of the artifact named `name` (undefined: it holds). Pure. */
function signatureProblem(
  name: string,
  spec: Partial<ArtifactSpec>,
  observed: ArtifactSignatureObservation,
): string | undefined {
  const signature = observed.signature as NonNullable<ArtifactSignatureObservation['signature']>;
  const expected = artifactSignaturePayload({
    name,
    version: spec.version as string,
    digest: spec.digest as string,
    size: spec.size as number,
    platforms: spec.platforms ?? [],
    url: spec.url,
  });
  if (signature.payload !== expected)
    return 'the signed payload is not the one its spec gives: the artifact or its signature was altered in the database';
  if (!observed.publicKeyPem) return `its signing key ${signature.key_id} is unknown`;
  if (!ed25519Verifies(observed.publicKeyPem, signature.payload, signature.signature))
    return `its signature does not verify with key ${signature.key_id}`;
  return undefined;
}

/**
 * The Artifact's status: complete metadata first, then its signature. Pure (verification is a
 * function of its inputs).
 */
export function decideArtifact(
  artifact: Pick<StoredResource<Partial<ArtifactSpec>>, 'name' | 'spec'>,
  observed: ArtifactSignatureObservation,
): ReconcileResult<ArtifactStatus> {
  const { spec } = artifact;
  const missing = missingMetadata(spec);
  if (missing.length > 0)
    return {
      conditions: [
        ready('False', ArtifactReason.MetadataIncomplete, `missing or invalid: ${missing.join(', ')}`),
      ],
    };
  if (!observed.signature)
    return {
      conditions: [
        ready(
          'False',
          ArtifactReason.Unsigned,
          'the artifact has no signature (it was stored before artifacts were signed): publish it again — apply it with a changed annotation, or delete and re-create it — to have it signed',
        ),
      ],
    };
  const status: ArtifactStatus = {
    signature: {
      keyId: observed.signature.key_id,
      algorithm: observed.signature.algorithm,
      signedAt: observed.signature.signed_at,
    },
  };
  const problem = signatureProblem(artifact.name, spec, observed);
  if (problem) return { status, conditions: [ready('False', ArtifactReason.SignatureInvalid, problem)] };
  return {
    status,
    conditions: [
      ready(
        'True',
        ArtifactReason.Signed,
        `version ${String(spec.version)} is signed by key ${observed.signature.key_id}`,
      ),
    ],
  };
}

/** What the controller reads: the signature made for an artifact's uid (ArtifactService). */
export interface ArtifactSignatures {
  observeSignature(
    artifact: Pick<StoredResource, 'tenant' | 'name' | 'uid'>,
  ): Promise<ArtifactSignatureObservation>;
}

export function createArtifactController(
  signatures: ArtifactSignatures,
): Controller<ArtifactSpec, ArtifactStatus, ArtifactSignatureObservation> {
  return {
    kind: 'Artifact',
    // A rollout starts once its Artifact is Ready: not behind thousands of devices' keys.
    priority: 'high',
    observe: (artifact) => signatures.observeSignature(artifact),
    plan: (artifact, observed) => decideArtifact(artifact, observed),
  };
}
