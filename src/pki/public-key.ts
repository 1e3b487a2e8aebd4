/**
 * Validation of public keys offered for certificates (SubjectPublicKeyInfo, DER or PEM).
 *
 * Why two paths: parsing with @peculiar/asn1-schema costs about 75 µs and node's createPublicKey
 * (OpenSSL 3's generic decoders) about 110 µs more, while signing a certificate costs about 26 µs,
 * and enrollment storms issue thousands a second. The common device keys (EC P-256/P-384 with an
 * uncompressed point, Ed25519) have exactly one DER form each: they are recognised by comparing
 * the whole SubjectPublicKeyInfo with that form byte for byte (nothing is parsed: any other byte
 * sequence falls through), and the key itself is checked by OpenSSL (EC points, through
 * ECDH.convertKey, ~13 µs) or, for Ed25519, by the RFC 8032 decoding below (OpenSSL accepts
 * non-canonical and small-order Ed25519 points). Anything else (RSA, compressed points) is parsed
 * strictly by the library, then checked by OpenSSL.
 */
import { createHash, createPublicKey, ECDH, type KeyObject } from 'node:crypto';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { InvalidError } from '../errors.js';
import { derFromPemOrDer } from './pem.js';
import { parseStrictDer } from './strict-der.js';

/** Smallest RSA modulus accepted for any key, CA or leaf. */
export const MIN_RSA_BITS = 2048;

export interface CheckedPublicKey {
  /** Canonical DER SubjectPublicKeyInfo. */
  spki: Buffer;
  keyType: 'ec' | 'ed25519' | 'rsa';
  /** SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1, as OpenSSL computes it). */
  keyIdentifier: Buffer;
}

interface Curve {
  nodeName: string;
  prefix: Buffer;
  coordinateBytes: number;
}

// SEQUENCE { SEQUENCE { id-ecPublicKey, namedCurve }, BIT STRING { 0 unused bits, 0x04 uncompressed point } }
const CURVES: Curve[] = [
  {
    nodeName: 'prime256v1',
    prefix: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200' + '04', 'hex'),
    coordinateBytes: 32,
  },
  {
    nodeName: 'secp384r1',
    prefix: Buffer.from('3076301006072a8648ce3d020106052b81040022036200' + '04', 'hex'),
    coordinateBytes: 48,
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

/** The SHA-1 key identifier of a SubjectPublicKeyInfo (parsed strictly). */
export function keyIdentifierOfSpki(spki: Uint8Array): Buffer {
  const info = parseStrictDer(spki, SubjectPublicKeyInfo, 'public key', '/publicKey');
  return sha1(info.subjectPublicKey);
}

function sha1(bits: ArrayBuffer | Uint8Array): Buffer {
  return createHash('sha1').update(new Uint8Array(bits)).digest();
}

function checkCanonicalFastPath(der: Buffer): CheckedPublicKey | undefined {
  if (
    der.length === ED25519_PREFIX.length + 32 &&
    der.subarray(0, ED25519_PREFIX.length).equals(ED25519_PREFIX)
  ) {
    const bits = der.subarray(ED25519_PREFIX.length);
    const problem = ed25519PointProblem(bits);
    if (problem) throw invalid(`the Ed25519 public key ${problem}`);
    return { spki: der, keyType: 'ed25519', keyIdentifier: sha1(bits) };
  }
  for (const curve of CURVES) {
    if (der.length !== curve.prefix.length + 2 * curve.coordinateBytes) continue;
    if (!der.subarray(0, curve.prefix.length).equals(curve.prefix)) continue;
    // The point, from its 0x04 (the prefix's last byte) on.
    const point = der.subarray(curve.prefix.length - 1);
    try {
      // OpenSSL decodes the point and refuses one off the curve (coordinates ≥ p included);
      // both NIST curves have cofactor 1, so that is the whole check.
      ECDH.convertKey(point, curve.nodeName, undefined, undefined, 'uncompressed');
    } catch (error) {
      throw invalid('the EC public key is not a point on its curve', error);
    }
    return { spki: der, keyType: 'ec', keyIdentifier: sha1(point) };
  }
  return undefined;
}

// Ed25519 (RFC 8032 §5.1): the field prime, the curve constant d = −121665/121666, and √−1.
const ED_P = 2n ** 255n - 19n;
const ED_D = mod(-121665n * inverse(121666n));
const ED_SQRT_M1 = power(2n, (ED_P - 1n) / 4n);

/**
 * Why a 32-byte Ed25519 public key is unusable, or undefined: a non-canonical encoding (y ≥ p),
 * no point with that y (RFC 8032 §5.1.3 decoding fails), or a point of small order (8·P is the
 * identity: the identity itself and the seven others, whose signatures verify for many messages).
 * Node's createPublicKey accepts all of them. Pure.
 */
export function ed25519PointProblem(encoded: Uint8Array): string | undefined {
  if (encoded.length !== 32) return 'is not 32 bytes';
  const bytes = Buffer.from(encoded);
  const sign = bytes[31] >> 7;
  bytes[31] &= 0x7f;
  const y = toBigInt(Buffer.from(bytes).reverse());
  if (y >= ED_P) return 'is not canonically encoded (y ≥ 2^255 − 19)';
  const u = mod(y * y - 1n);
  const v = mod(ED_D * y * y + 1n);
  let x = mod(u * power(v, 3n) * power(u * power(v, 7n), (ED_P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === mod(-u)) x = mod(x * ED_SQRT_M1);
  else if (vx2 !== u) return 'is not a point on the curve';
  if (x === 0n && sign === 1) return 'is not canonically encoded (x = 0 with the sign bit set)';
  if (Number(x & 1n) !== sign) x = ED_P - x;
  let point: [bigint, bigint] = [x, y];
  for (let doubling = 0; doubling < 3; doubling++) point = edwardsAdd(point, point);
  if (point[0] === 0n && point[1] === 1n) return 'is a point of small order (weak key)';
  return undefined;
}

/** Twisted Edwards addition (a = −1), complete for Ed25519's non-square d. */
function edwardsAdd([x1, y1]: [bigint, bigint], [x2, y2]: [bigint, bigint]): [bigint, bigint] {
  const t = mod(ED_D * x1 * x2 * y1 * y2);
  return [mod((x1 * y2 + y1 * x2) * inverse(1n + t)), mod((y1 * y2 + x1 * x2) * inverse(1n - t))];
}

function mod(value: bigint): bigint {
  const r = value % ED_P;
  return r < 0n ? r + ED_P : r;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % ED_P;
    b = (b * b) % ED_P;
  }
  return result;
}

function inverse(value: bigint): bigint {
  return power(value, ED_P - 2n);
}

function toBigInt(bytes: Buffer): bigint {
  return BigInt(`0x${bytes.toString('hex')}`);
}

function checkWithOpenSsl(der: Buffer): CheckedPublicKey {
  // Strict DER first: OpenSSL's decoders accept some BER, and what is certified must be read one way.
  const info = parseStrictDer(der, SubjectPublicKeyInfo, 'public key', '/publicKey');
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
  // CA/Browser Forum BR §6.1.6: an odd exponent of at least 65537 (e = 3 invites broadcast attacks).
  const exponent = details.publicExponent;
  if (type === 'rsa' && (exponent === undefined || exponent < 65537n || exponent % 2n === 0n))
    throw invalid(`the RSA public exponent ${exponent} is refused: it must be odd and at least 65537`);
  if (type === 'ed25519') {
    const spki = key.export({ type: 'spki', format: 'der' });
    const problem = ed25519PointProblem(spki.subarray(spki.length - 32));
    if (problem) throw invalid(`the Ed25519 public key ${problem}`);
    return { spki, keyType: 'ed25519', keyIdentifier: keyIdentifierOfSpki(spki) };
  }
  // RFC 5480 §2.2: an EC point is compressed (0x02, 0x03) or uncompressed (0x04), and "MUST be
  // rejected if any other value is included in the first octet" — OpenSSL takes the hybrid forms
  // (0x06, 0x07) too. Found by test/pki/input-fuzz.test.ts.
  const form = new Uint8Array(info.subjectPublicKey)[0];
  if (type === 'ec' && form !== 0x02 && form !== 0x03 && form !== 0x04)
    throw invalid(
      `the EC public key's point encoding 0x${form.toString(16).padStart(2, '0')} is refused: only compressed (0x02, 0x03) or uncompressed (0x04) points (RFC 5480)`,
    );
  const spki =
    type === 'ec' ? uncompressedSpki(key, details.namedCurve!) : key.export({ type: 'spki', format: 'der' });
  return { spki, keyType: type as CheckedPublicKey['keyType'], keyIdentifier: keyIdentifierOfSpki(spki) };
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
