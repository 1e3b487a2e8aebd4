/**
 * Real Ed25519 update-signing keys and assignments signed with them, as the server would sign
 * them (src/contract/artifact-signature.ts), for the device agent's suites.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { artifactSignaturePayload } from '../../src/contract/artifact-signature.js';
import type { SignedAssignment } from '../../src/device-agent/assignment-check.js';

export interface TestSigningKey {
  keyId: string;
  publicKeyPem: string;
  privateKey: KeyObject;
}

export function signingKey(keyId: string): TestSigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { keyId, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

export type TestAssignment = SignedAssignment & { rollout: string; attempt: number };

/** An assignment of agent@2.4.1 for linux/arm64 signed by `key`; `overrides` apply after signing. */
export function signedAssignment(
  key: TestSigningKey,
  overrides: Partial<TestAssignment> = {},
): TestAssignment {
  const metadata = {
    name: 'agent',
    version: '2.4.1',
    digest: `sha256:${'ab'.repeat(32)}`,
    size: 1_048_576,
    platforms: ['linux', 'linux-arm64'],
    url: 'https://downloads.example.com/agent-2.4.1.tar.gz',
  };
  const signature = sign(null, Buffer.from(artifactSignaturePayload(metadata)), key.privateKey);
  return {
    rollout: 'agent-2-4-1-prod',
    artifact: metadata.name,
    version: metadata.version,
    url: metadata.url,
    digest: metadata.digest,
    size: BigInt(metadata.size),
    signature: signature.toString('base64'),
    keyId: key.keyId,
    platforms: metadata.platforms,
    attempt: 1,
    ...overrides,
  };
}
