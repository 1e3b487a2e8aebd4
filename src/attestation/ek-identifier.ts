/**
 * The device identifier of a TPM: `urn:ek:sha256:` + standard base64 (with padding) of SHA-256
 * over the DER SubjectPublicKeyInfo of the endorsement key.
 *
 * The SPKI hashed is the one Node (OpenSSL) re-encodes from the key, not the bytes as they happen
 * to sit in a certificate: RSA keys as `rsaEncryption` with NULL parameters, EC keys as
 * `id-ecPublicKey` with the named curve and the uncompressed point. It equals
 * `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum` for any EK
 * certificate, so the identifier can be computed on the device or from the certificate alike.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { MalformedInput } from './result.js';

export const EK_IDENTIFIER_PREFIX = 'urn:ek:sha256:';

/** The canonical DER SubjectPublicKeyInfo of a public key. Pure. */
export function spkiDer(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

/** `urn:ek:sha256:<base64 of SHA-256(SPKI DER)>`. Pure. */
export function ekIdentifier(ekPublicKey: KeyObject): string {
  return EK_IDENTIFIER_PREFIX + createHash('sha256').update(spkiDer(ekPublicKey)).digest('base64');
}

/**
 * Parses a DER SubjectPublicKeyInfo of an endorsement key: RSA (2048 bits or more), P-256 or P-384.
 * Pure. @throws MalformedInput
 */
export function parseEkPublicKey(der: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch {
    throw new MalformedInput('the EK public key is not a DER SubjectPublicKeyInfo');
  }
  assertEkKeyType(key);
  return key;
}

/** Refuses EK keys that MakeCredential cannot protect a secret with. Pure. @throws MalformedInput */
export function assertEkKeyType(key: KeyObject): void {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) return;
  if (key.asymmetricKeyType === 'ec' && ['prime256v1', 'secp384r1'].includes(details.namedCurve ?? ''))
    return;
  throw new MalformedInput(
    `the EK is a ${key.asymmetricKeyType} key (${details.namedCurve ?? details.modulusLength ?? '?'}); expected RSA 2048+, P-256 or P-384`,
  );
}
