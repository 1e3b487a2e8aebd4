/**
 * Key algorithms a CertificateAuthority may use, key generation (WebCrypto) and signing (node's
 * one-shot crypto.sign with a KeyObject, the fastest path Node offers). Signatures: ECDSA with
 * SHA-256 on P-256 and SHA-384 on P-384, pure Ed25519, RSA PKCS#1 v1.5 with SHA-256.
 */
import { createPrivateKey, KeyObject, sign, webcrypto } from 'node:crypto';
import { InvalidError } from '../errors.js';
import { NULL, oid, sequence } from './der.js';
import { derFromPemOrDer } from './pem.js';

export const KEY_ALGORITHMS = ['ECDSA-P256', 'ECDSA-P384', 'Ed25519', 'RSA-2048', 'RSA-3072'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'ECDSA-P256';

export interface KeyPair {
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SubjectPublicKeyInfo, DER. */
  spki: Buffer;
}

type GenerateParams = webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams | webcrypto.Algorithm;

const GENERATE_PARAMS: Record<KeyAlgorithm, GenerateParams> = {
  'ECDSA-P256': { name: 'ECDSA', namedCurve: 'P-256' },
  'ECDSA-P384': { name: 'ECDSA', namedCurve: 'P-384' },
  Ed25519: { name: 'Ed25519' },
  'RSA-2048': {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
  'RSA-3072': {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 3072,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
};

export function isKeyAlgorithm(value: unknown): value is KeyAlgorithm {
  return typeof value === 'string' && (KEY_ALGORITHMS as readonly string[]).includes(value);
}

/**
 * Generates a fresh extractable key pair. Not pure (randomness); RSA-3072 takes about a second.
 * @throws InvalidError for an unknown algorithm name.
 */
export async function generateKeyPair(algorithm: KeyAlgorithm = DEFAULT_KEY_ALGORITHM): Promise<KeyPair> {
  if (!isKeyAlgorithm(algorithm)) throw invalid(`unknown key algorithm ${JSON.stringify(algorithm)}`);
  const generated = await webcrypto.subtle.generateKey(GENERATE_PARAMS[algorithm], true, ['sign', 'verify']);
  if (!('privateKey' in generated)) throw new Error(`WebCrypto returned no key pair for ${algorithm}`);
  const privateKey = KeyObject.from(generated.privateKey);
  const publicKey = KeyObject.from(generated.publicKey);
  return { algorithm, privateKey, publicKey, spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

/** PKCS#8 DER of a private key: the form to encrypt at rest with the master key. Pure. */
export function exportPrivateKey(privateKey: KeyObject): Buffer {
  return privateKey.export({ type: 'pkcs8', format: 'der' });
}

/**
 * A private key from PKCS#8 (DER or PEM).
 * @throws InvalidError when the bytes are not a private key.
 */
export function importPrivateKey(pkcs8: Uint8Array | string): KeyObject {
  try {
    const der = derFromPemOrDer(pkcs8, ['PRIVATE KEY']);
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw invalid('not a PKCS#8 private key', error);
  }
}

/** The algorithm of a key (private or public), or undefined if it is not one Steward uses. Pure. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return details.namedCurve === 'prime256v1'
        ? 'ECDSA-P256'
        : details.namedCurve === 'secp384r1'
          ? 'ECDSA-P384'
          : undefined;
    case 'ed25519':
      return 'Ed25519';
    case 'rsa':
      return details.modulusLength === 2048
        ? 'RSA-2048'
        : details.modulusLength === 3072
          ? 'RSA-3072'
          : undefined;
    default:
      return undefined;
  }
}

/** Signs with one private key; `algorithmIdentifier` is the DER AlgorithmIdentifier to embed. */
export interface Signer {
  algorithm: KeyAlgorithm;
  algorithmIdentifier: Buffer;
  sign(data: Uint8Array): Buffer;
  /** The key itself, for what the library signs (CRLs, see webCryptoSigner). */
  privateKey: KeyObject;
}

/**
 * A signer for a CA private key. Pure apart from the key it closes over.
 * @throws InvalidError when the key is not private or not one of KEY_ALGORITHMS.
 */
export function signerFor(privateKey: KeyObject): Signer {
  const algorithm = privateKey.type === 'private' ? keyAlgorithmOf(privateKey) : undefined;
  if (!algorithm)
    throw invalid(`unsupported CA key (${privateKey.type} ${privateKey.asymmetricKeyType ?? ''})`);
  const [hash, algorithmIdentifier] = SIGNATURE_ALGORITHMS[algorithm];
  return {
    algorithm,
    algorithmIdentifier,
    // dsaEncoding 'der': X.509 carries ECDSA signatures as SEQUENCE { r, s }, not WebCrypto's r||s.
    sign: (data) => sign(hash, data, { key: privateKey, dsaEncoding: 'der' }),
    privateKey,
  };
}

// WebCrypto's names for each key algorithm: how to import the key, and how it signs (the same
// signature algorithms as SIGNATURE_ALGORITHMS).
const WEBCRYPTO: Record<
  KeyAlgorithm,
  {
    key: webcrypto.Algorithm | webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
    sign: webcrypto.Algorithm | webcrypto.EcdsaParams;
  }
> = {
  'ECDSA-P256': {
    key: { name: 'ECDSA', namedCurve: 'P-256' } as webcrypto.EcKeyImportParams,
    sign: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams,
  },
  'ECDSA-P384': {
    key: { name: 'ECDSA', namedCurve: 'P-384' } as webcrypto.EcKeyImportParams,
    sign: { name: 'ECDSA', hash: 'SHA-384' } as webcrypto.EcdsaParams,
  },
  Ed25519: { key: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
  'RSA-2048': {
    key: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.RsaHashedImportParams,
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  },
  'RSA-3072': {
    key: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.RsaHashedImportParams,
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  },
};

/** A CA key as WebCrypto (and so @peculiar/x509) signs with it. */
export async function webCryptoSigner(
  algorithm: KeyAlgorithm,
  privateKey: KeyObject,
): Promise<{
  signingKey: webcrypto.CryptoKey;
  signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams;
}> {
  const { key, sign } = WEBCRYPTO[algorithm];
  const signingKey = await webcrypto.subtle.importKey('pkcs8', exportPrivateKey(privateKey), key, false, [
    'sign',
  ]);
  return { signingKey: signingKey as webcrypto.CryptoKey, signingAlgorithm: sign };
}

const ECDSA_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
const ECDSA_SHA384 = sequence(oid('1.2.840.10045.4.3.3'));
const ED25519 = sequence(oid('1.3.101.112'));
// RFC 4055: the RSA PKCS#1 v1.5 AlgorithmIdentifiers carry an explicit NULL parameter.
const RSA_SHA256 = sequence(oid('1.2.840.113549.1.1.11'), NULL);

const SIGNATURE_ALGORITHMS: Record<KeyAlgorithm, [hash: string | null, algorithmIdentifier: Buffer]> = {
  'ECDSA-P256': ['sha256', ECDSA_SHA256],
  'ECDSA-P384': ['sha384', ECDSA_SHA384],
  Ed25519: [null, ED25519],
  'RSA-2048': ['sha256', RSA_SHA256],
  'RSA-3072': ['sha256', RSA_SHA256],
};

function invalid(message: string, cause?: unknown): InvalidError {
  return new InvalidError(message, { cause, problems: [{ pointer: '', message }] });
}
