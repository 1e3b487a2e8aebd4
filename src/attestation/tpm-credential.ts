/**
 * TPM2_MakeCredential done by the verifier (TPM 2.0 Part 1 §24, credential protection): wraps a
 * secret so that only the TPM holding the EK's private key, and only for the key named `akName`
 * loaded in that TPM, can recover it with TPM2_ActivateCredential.
 */
import {
  createCipheriv,
  createECDH,
  createHmac,
  publicEncrypt,
  randomBytes,
  constants,
  type KeyObject,
} from 'node:crypto';
import { marshalTpm2b } from './tpm-bytes.js';
import { type TpmHash, kdfa, kdfe } from './tpm-kdf.js';

/** The EK's protection parameters: its template's nameAlg and symmetric key size (AES-CFB). */
export interface EkProtection {
  /** The EK's nameAlg: the hash of the seed, the OAEP hash, KDFa and the outer HMAC. */
  nameAlg: TpmHash;
  /** AES key bits of the EK's symmetric definition. */
  symmetricKeyBits: 128 | 256;
}

/**
 * The TCG EK Credential Profile templates: the low range (RSA 2048 "L-1", ECC P-256 "L-2") is
 * SHA-256 with AES-128, the high-range P-384 template ("H-3") SHA-384 with AES-256. Pure.
 */
export function defaultEkProtection(ekPublicKey: KeyObject): EkProtection {
  const curve = ekPublicKey.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return { nameAlg: 'sha384', symmetricKeyBits: 256 };
  return { nameAlg: 'sha256', symmetricKeyBits: 128 };
}

/** The two TPM2_ActivateCredential inputs, each marshalled with its 16-bit size. */
export interface MadeCredential {
  /** TPM2B_ID_OBJECT: integrityHMAC (TPM2B_DIGEST) ‖ encIdentity. */
  credentialBlob: Buffer;
  /** TPM2B_ENCRYPTED_SECRET: the seed, encrypted to the EK. */
  encryptedSecret: Buffer;
}

const DIGEST_BYTES: Record<TpmHash, number> = { sha256: 32, sha384: 48 };
const NODE_CURVES: Record<string, string> = { prime256v1: 'prime256v1', secp384r1: 'secp384r1' };

/**
 * TPM2_MakeCredential with Node crypto. Not pure: draws a random seed (and, for ECC, an ephemeral
 * key). `secret` is at most the EK nameAlg's digest size (TPM2B_DIGEST).
 * @throws RangeError for an unsupported EK key (not RSA, P-256 or P-384) or an oversized secret.
 */
export function makeCredential(
  ekPublicKey: KeyObject,
  akName: Uint8Array,
  secret: Uint8Array,
  protection: EkProtection = defaultEkProtection(ekPublicKey),
): MadeCredential {
  const { nameAlg, symmetricKeyBits } = protection;
  const digestBytes = DIGEST_BYTES[nameAlg];
  if (secret.length === 0 || secret.length > digestBytes)
    throw new RangeError(`the credential secret must be 1 to ${digestBytes} bytes, not ${secret.length}`);
  const { seed, encryptedSeed } = protectSeed(ekPublicKey, nameAlg, digestBytes);
  const symmetricKey = kdfa(nameAlg, seed, 'STORAGE', akName, Buffer.alloc(0), symmetricKeyBits);
  const cipher = createCipheriv(`aes-${symmetricKeyBits}-cfb`, symmetricKey, Buffer.alloc(16));
  const encIdentity = Buffer.concat([cipher.update(marshalTpm2b(secret)), cipher.final()]);
  const hmacKey = kdfa(nameAlg, seed, 'INTEGRITY', Buffer.alloc(0), Buffer.alloc(0), digestBytes * 8);
  const integrity = createHmac(nameAlg, hmacKey).update(encIdentity).update(akName).digest();
  return {
    credentialBlob: marshalTpm2b(Buffer.concat([marshalTpm2b(integrity), encIdentity])),
    encryptedSecret: marshalTpm2b(encryptedSeed),
  };
}

/**
 * The seed and its encryption to the EK: RSA-OAEP with label "IDENTITY\0", or for ECC an ephemeral
 * ECDH whose shared x-coordinate goes through KDFe("IDENTITY", ephemeral x, EK x); the encrypted
 * secret is then the ephemeral point (TPMS_ECC_POINT).
 */
function protectSeed(
  ekPublicKey: KeyObject,
  nameAlg: TpmHash,
  digestBytes: number,
): { seed: Buffer; encryptedSeed: Buffer } {
  if (ekPublicKey.asymmetricKeyType === 'rsa') {
    const seed = randomBytes(digestBytes);
    const encryptedSeed = publicEncrypt(
      {
        key: ekPublicKey,
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: nameAlg,
        oaepLabel: Buffer.from('IDENTITY\0', 'latin1'),
      },
      seed,
    );
    return { seed, encryptedSeed };
  }
  const curve = NODE_CURVES[ekPublicKey.asymmetricKeyDetails?.namedCurve ?? ''];
  if (ekPublicKey.asymmetricKeyType !== 'ec' || !curve)
    throw new RangeError('the EK must be an RSA, P-256 or P-384 key');
  const jwk = ekPublicKey.export({ format: 'jwk' });
  const ekX = Buffer.from(jwk.x as string, 'base64url');
  const ekY = Buffer.from(jwk.y as string, 'base64url');
  const ephemeral = createECDH(curve);
  ephemeral.generateKeys();
  const point = ephemeral.getPublicKey();
  const coordinateBytes = (point.length - 1) / 2;
  const ephemeralX = point.subarray(1, 1 + coordinateBytes);
  const ephemeralY = point.subarray(1 + coordinateBytes);
  const sharedX = ephemeral.computeSecret(Buffer.concat([Buffer.from([4]), ekX, ekY]));
  const seed = kdfe(nameAlg, sharedX, 'IDENTITY', ephemeralX, ekX, digestBytes * 8);
  return { seed, encryptedSeed: Buffer.concat([marshalTpm2b(ephemeralX), marshalTpm2b(ephemeralY)]) };
}
