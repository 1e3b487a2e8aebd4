import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ArtifactReason, decideArtifact } from '../../controllers/artifact.js';
import type { ArtifactSignatureObservation } from '../../src/artifacts/artifact-service.js';
import { artifactSignaturePayload } from '../../src/contract/artifact-signature.js';

const spec = {
  version: '2.4.1',
  digest: `sha256:${'a'.repeat(64)}`,
  size: 48213504,
  platforms: ['linux' as const],
  url: 'https://updates.example.com/agent-2.4.1.tar.gz',
};
const name = 'agent-2-4-1';
const payload = artifactSignaturePayload({ name, ...spec });
const key = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519');
const publicKeyPem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const signed = (text: string, signer = key.privateKey) =>
  sign(null, Buffer.from(text), signer).toString('base64');
const row = (overrides: Partial<NonNullable<ArtifactSignatureObservation['signature']>> = {}) => ({
  key_id: 'sha256:0123456789abcdef0123456789abcdef',
  algorithm: 'Ed25519',
  signature: signed(payload),
  payload,
  signed_at: '2026-12-06T10:00:00.000Z',
  ...overrides,
});

describe('an Artifact’s status, decided from its spec and the signature observed for its uid', () => {
  it.each<[string, Record<string, unknown>, ArtifactSignatureObservation, string, string]>([
    [
      'a signed artifact whose signature verifies is Ready',
      spec,
      { signature: row(), publicKeyPem },
      'True',
      ArtifactReason.Signed,
    ],
    [
      'an artifact without a signature (stored before signing) is Unsigned',
      spec,
      {},
      'False',
      ArtifactReason.Unsigned,
    ],
    [
      'incomplete metadata comes first, signed or not',
      { ...spec, digest: 'md5:x' },
      { signature: row(), publicKeyPem },
      'False',
      ArtifactReason.MetadataIncomplete,
    ],
    [
      'a signature by another key does not verify',
      spec,
      { signature: row({ signature: signed(payload, otherKey.privateKey) }), publicKeyPem },
      'False',
      ArtifactReason.SignatureInvalid,
    ],
    [
      'a spec changed in the database no longer matches the signed payload',
      { ...spec, size: 1 },
      { signature: row(), publicKeyPem },
      'False',
      ArtifactReason.SignatureInvalid,
    ],
    [
      'a signature whose key is unknown cannot be checked',
      spec,
      { signature: row(), publicKeyPem: undefined },
      'False',
      ArtifactReason.SignatureInvalid,
    ],
    [
      'a signature that is not base64 of 64 bytes does not verify',
      spec,
      { signature: row({ signature: 'not a signature' }), publicKeyPem },
      'False',
      ArtifactReason.SignatureInvalid,
    ],
  ])('%s', (_label, artifactSpec, observed, status, reason) => {
    const decided = decideArtifact({ name, spec: artifactSpec }, observed);
    expect(decided.conditions[0]).toMatchObject({ type: 'Ready', status, reason });
  });

  it('reports the signature’s key and time in status, and what to do when there is none', () => {
    expect(decideArtifact({ name, spec }, { signature: row(), publicKeyPem }).status).toEqual({
      signature: { keyId: row().key_id, algorithm: 'Ed25519', signedAt: row().signed_at },
    });
    const unsigned = decideArtifact({ name, spec }, {});
    expect(unsigned.status).toBeUndefined();
    expect(unsigned.conditions[0].message).toContain('publish it again');
  });
});
