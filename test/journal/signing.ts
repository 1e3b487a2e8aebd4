/** A journal signing key for tests that build exports by hand (as the server signs heads). */
import { generateKeyPairSync, sign } from 'node:crypto';
import { canonicalJson } from '../../src/contract/canonical.js';
import { publicKeyId, type SignedHead, signedHeadPayload } from '../../src/contract/journal-head.js';
import { sha256Hex } from '../../src/journal/chain.js';

export interface TestSigner {
  publicKey: string;
  keyId: string;
  sign(head: { tenant: string; seq: number; hash: string; time?: string }): SignedHead;
}

export function testSigner(): TestSigner {
  const pair = generateKeyPairSync('ed25519');
  const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyId = publicKeyId(publicKey, sha256Hex);
  return {
    publicKey,
    keyId,
    sign({ tenant, seq, hash, time = '2024-06-01T00:00:00.000Z' }) {
      const payload = signedHeadPayload({ tenant, seq, hash, time }, canonicalJson);
      const signature = sign(null, Buffer.from(payload), pair.privateKey).toString('base64url');
      return { kind: 'JournalSignedHead', tenant, seq, hash, time, keyId, signature, publicKey };
    },
  };
}
