/**
 * What an Artifact's signature covers, shared to the byte by the server (which signs when the
 * Artifact is published), devices (which verify before installing) and `steward artifact verify`:
 * the canonical JSON (canonical.ts) of the artifact's name and the metadata a device acts on.
 * The signature is Ed25519 over these UTF-8 bytes (RFC 8032, "pure" Ed25519), so that
 * `openssl pkeyutl -verify -rawin -pubin -inkey key.pem -in payload -sigfile sig` checks it too.
 * Dependency-free, like all of src/contract. Pure.
 */
import { canonicalJson } from './canonical.js';

export const ARTIFACT_SIGNATURE_ALGORITHM = 'Ed25519';

/** The signed metadata of an Artifact (`url` left out when the artifact has none). */
export interface ArtifactMetadata {
  name: string;
  version: string;
  digest: string;
  size: number;
  platforms: readonly string[];
  url?: string;
}

/** The exact text an artifact's signature is made over. */
export function artifactSignaturePayload(metadata: ArtifactMetadata): string {
  return canonicalJson({
    name: metadata.name,
    version: metadata.version,
    digest: metadata.digest,
    size: metadata.size,
    platforms: [...metadata.platforms],
    url: metadata.url === undefined || metadata.url === '' ? undefined : metadata.url,
  });
}

/** `GET /api/v1/artifacts/{name}/signature`: what a verifier needs, the public key included. */
export interface ArtifactSignatureView {
  apiVersion: 'steward.dev/v1';
  kind: 'ArtifactSignature';
  name: string;
  /** The uid of the Artifact it was made for. */
  uid: string;
  keyId: string;
  algorithm: string;
  /** base64 of the Ed25519 signature over `payload`. */
  signature: string;
  payload: string;
  signedAt: string;
  publicKeyPem: string;
}

/** One key of `GET /api/v1/signing-keys`: public material and validity only. */
export interface SigningKeyView {
  keyId: string;
  algorithm: string;
  publicKeyPem: string;
  createdAt: string;
  /** When a rotation replaced it; null while it is current. */
  retiredAt: string | null;
  current: boolean;
}

/**
 * A signing key's id from the SHA-256 (hex) of its DER SubjectPublicKeyInfo: `sha256:` and its
 * first 32 hex digits. The server names keys so; verifiers check a served key against its id.
 */
export function signingKeyId(spkiSha256Hex: string): string {
  return `sha256:${spkiSha256Hex.slice(0, 32)}`;
}
