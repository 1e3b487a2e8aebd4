/**
 * The TPM 2.0 key derivation functions (TPM 2.0 Part 1 §11.4.10): KDFa (SP 800-108 counter mode
 * with HMAC) and KDFe (SP 800-56A concatenation KDF). Labels are hashed with their terminating
 * zero byte, as the TPM does ("STORAGE\0", "INTEGRITY\0", "IDENTITY\0").
 */
import { createHash, createHmac } from 'node:crypto';
import { u32be } from './tpm-bytes.js';

export type TpmHash = 'sha256' | 'sha384';

function labelBytes(label: string): Buffer {
  return Buffer.from(`${label}\0`, 'latin1');
}

/**
 * KDFa(hash, key, label, contextU, contextV, bits): HMAC(key, counter ‖ label‖0 ‖ contextU ‖
 * contextV ‖ bits) for counter = 1, 2, …, truncated to `bits`. Pure.
 */
export function kdfa(
  hash: TpmHash,
  key: Uint8Array,
  label: string,
  contextU: Uint8Array,
  contextV: Uint8Array,
  bits: number,
): Buffer {
  const bytes = Math.ceil(bits / 8);
  const blocks: Buffer[] = [];
  for (let counter = 1, produced = 0; produced < bytes; counter++) {
    const block = createHmac(hash, key)
      .update(u32be(counter))
      .update(labelBytes(label))
      .update(contextU)
      .update(contextV)
      .update(u32be(bits))
      .digest();
    blocks.push(block);
    produced += block.length;
  }
  return Buffer.concat(blocks).subarray(0, bytes);
}

/**
 * KDFe(hash, Z, label, partyUInfo, partyVInfo, bits): Hash(counter ‖ Z ‖ label‖0 ‖ partyUInfo ‖
 * partyVInfo) for counter = 1, 2, …, truncated to `bits`. Pure.
 */
export function kdfe(
  hash: TpmHash,
  sharedSecretX: Uint8Array,
  label: string,
  partyUInfo: Uint8Array,
  partyVInfo: Uint8Array,
  bits: number,
): Buffer {
  const bytes = Math.ceil(bits / 8);
  const blocks: Buffer[] = [];
  for (let counter = 1, produced = 0; produced < bytes; counter++) {
    const block = createHash(hash)
      .update(u32be(counter))
      .update(sharedSecretX)
      .update(labelBytes(label))
      .update(partyUInfo)
      .update(partyVInfo)
      .digest();
    blocks.push(block);
    produced += block.length;
  }
  return Buffer.concat(blocks).subarray(0, bytes);
}
