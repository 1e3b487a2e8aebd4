/**
 * Checks an artifact's signature in the browser, as a device does: the signed payload must be the
 * one the spec gives (the shared contract's canonical JSON), and the Ed25519 signature must verify
 * with the key's public half (WebCrypto). Independent of the server's own verdict.
 */
import { artifactSignaturePayload } from '../../../../src/contract/artifact-signature';
import type { Artifact, ArtifactSignature } from './types';

export type Verification = { ok: true } | { ok: false; problem: string };

function pemBody(pem: string): ArrayBuffer {
  const base64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)).buffer;
}

export async function verifySignature(
  artifact: Artifact,
  signature: ArtifactSignature,
): Promise<Verification> {
  const expected = artifactSignaturePayload({ name: artifact.metadata.name, ...artifact.spec });
  if (signature.payload !== expected)
    return { ok: false, problem: 'the signed payload is not the one the spec gives' };
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('spki', pemBody(signature.publicKeyPem), { name: 'Ed25519' }, false, [
      'verify',
    ]);
  } catch {
    return { ok: false, problem: 'this browser cannot check Ed25519 signatures' };
  }
  const bytes = Uint8Array.from(atob(signature.signature), (char) => char.charCodeAt(0));
  const verified = await crypto.subtle.verify(
    'Ed25519',
    key,
    bytes,
    new TextEncoder().encode(signature.payload),
  );
  return verified ? { ok: true } : { ok: false, problem: 'the signature does not verify with its key' };
}
