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
