/**
 * Validation of public keys offered for certificates (SubjectPublicKeyInfo, DER or PEM).
 *
 * Why two paths: node's createPublicKey goes through OpenSSL 3's generic decoders and costs about
 * 130 µs, plus as much again to re-export canonical DER; signing a certificate costs about 26 µs.
 * The common device keys (EC P-256/P-384 with an uncompressed point, Ed25519) have exactly one DER
 * form each, so they are recognised byte for byte and their EC point checked to lie on the curve
 * in plain BigInt arithmetic. Anything else (RSA, compressed points, unusual but valid encodings)
 * takes the OpenSSL path, which accepts the same keys, only slower.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { InvalidError } from '../errors.js';
import { derFromPemOrDer } from './pem.js';

/** Smallest RSA modulus accepted for any key, CA or leaf. */
export const MIN_RSA_BITS = 2048;

export interface CheckedPublicKey {
  /** Canonical DER SubjectPublicKeyInfo. */
  spki: Buffer;
  keyType: 'ec' | 'ed25519' | 'rsa';
}

interface Curve {
  nodeName: string;
  prefix: Buffer;
  coordinateBytes: number;
  p: bigint;
  b: bigint;
}

// SEQUENCE { SEQUENCE { id-ecPublicKey, namedCurve }, BIT STRING { 0 unused bits, 0x04 uncompressed point } }
const CURVES: Curve[] = [
  {
    nodeName: 'prime256v1',
    prefix: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200' + '04', 'hex'),
    coordinateBytes: 32,
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  {
    nodeName: 'secp384r1',
    prefix: Buffer.from('3076301006072a8648ce3d020106052b81040022036200' + '04', 'hex'),
    coordinateBytes: 48,
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
];
const ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Checks a public key offered for a certificate. Accepts EC P-256/P-384, Ed25519 and RSA of at
 * least MIN_RSA_BITS bits. Pure.
 * @throws InvalidError for malformed, unsupported or weak keys, or an EC point not on its curve.
 */
export function checkPublicKey(input: Uint8Array | string): CheckedPublicKey {
  const der = derFromPemOrDer(input, ['PUBLIC KEY']);
  return checkCanonicalFastPath(der) ?? checkWithOpenSsl(der);
}

function checkCanonicalFastPath(der: Buffer): CheckedPublicKey | undefined {
  if (
    der.length === ED25519_PREFIX.length + 32 &&
    der.subarray(0, ED25519_PREFIX.length).equals(ED25519_PREFIX)
  ) {
    return { spki: der, keyType: 'ed25519' };
  }
  for (const curve of CURVES) {
    if (der.length !== curve.prefix.length + 2 * curve.coordinateBytes) continue;
    if (!der.subarray(0, curve.prefix.length).equals(curve.prefix)) continue;
    const x = toBigInt(der.subarray(curve.prefix.length, curve.prefix.length + curve.coordinateBytes));
    const y = toBigInt(der.subarray(curve.prefix.length + curve.coordinateBytes));
    if (!isOnCurve(curve, x, y)) throw invalid('the EC public key is not a point on its curve');
    return { spki: der, keyType: 'ec' };
  }
  return undefined;
}

/** y² = x³ − 3x + b (mod p), coordinates in [0, p). Both NIST curves have cofactor 1, so this suffices. */
function isOnCurve(curve: Curve, x: bigint, y: bigint): boolean {
  const { p, b } = curve;
  if (x >= p || y >= p) return false;
  const left = (y * y) % p;
  const right = (((((x * x) % p) * x) % p) - 3n * x + b + 3n * p) % p;
  return left === right;
}

function toBigInt(bytes: Buffer): bigint {
  return BigInt(`0x${bytes.toString('hex')}`);
}

function checkWithOpenSsl(der: Buffer): CheckedPublicKey {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (error) {
    throw invalid('not a SubjectPublicKeyInfo public key', error);
  }
  const details = key.asymmetricKeyDetails ?? {};
  const type = key.asymmetricKeyType;
  const supported =
    (type === 'ec' && (details.namedCurve === 'prime256v1' || details.namedCurve === 'secp384r1')) ||
    type === 'ed25519' ||
    (type === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS);
  if (!supported) {
    throw invalid(
      `unsupported public key (${type} ${details.namedCurve ?? details.modulusLength ?? ''}): ` +
        `use EC P-256/P-384, Ed25519 or RSA >= ${MIN_RSA_BITS} bits`,
    );
  }
  if (type === 'ec') return { spki: uncompressedSpki(key, details.namedCurve!), keyType: 'ec' };
  return { spki: key.export({ type: 'spki', format: 'der' }), keyType: type as CheckedPublicKey['keyType'] };
}

/**
 * OpenSSL 3 re-exports a compressed EC point compressed; RFC 5480 makes only the uncompressed form
 * mandatory for relying parties (Go's crypto/x509, for one, rejects compressed points), so certificates
 * always carry the uncompressed point.
 */
function uncompressedSpki(key: KeyObject, namedCurve: string): Buffer {
  const curve = CURVES.find((candidate) => candidate.nodeName === namedCurve)!;
  const jwk = key.export({ format: 'jwk' });
  const coordinate = (value: string | undefined) => {
    const bytes = Buffer.from(value ?? '', 'base64url');
    return Buffer.concat([Buffer.alloc(curve.coordinateBytes - bytes.length), bytes]);
  };
  return Buffer.concat([curve.prefix, coordinate(jwk.x), coordinate(jwk.y)]);
}

function invalid(message: string, cause?: unknown): InvalidError {
  return new InvalidError(message, { cause, problems: [{ pointer: '/publicKey', message }] });
}
