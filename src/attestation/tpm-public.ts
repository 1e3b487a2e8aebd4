/**
 * TPM2B_PUBLIC (TPM 2.0 Part 2 §12.2.5): the public area of a TPM key, parsed strictly into a Node
 * KeyObject and the key's TPM Name.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { MalformedInput } from './result.js';
import { TPM_ECC_CURVES, TpmAlg, TpmaObject } from './tpm-constants.js';
import { TpmReader, u16be } from './tpm-bytes.js';

/** RSA moduli accepted: 2048 to 4096 bits. */
const RSA_KEY_BITS = new Set([2048, 3072, 4096]);
/** Name algorithms accepted, with their Node hash names. */
const NAME_HASHES: ReadonlyMap<number, string> = new Map([
  [TpmAlg.SHA256, 'sha256'],
  [TpmAlg.SHA384, 'sha384'],
]);
/** A TPM2B_PUBLIC is a few hundred bytes; anything near this is not a key. */
export const MAX_TPM2B_PUBLIC_SIZE = 1024;

/** A parsed public area. */
export interface TpmPublicArea {
  type: 'rsa' | 'ecc';
  /** The TPM_ALG_ID of the name algorithm: SHA-256, or SHA-384 (keys under a P-384 EK). */
  nameAlg: number;
  /** TPMA_OBJECT bits. */
  objectAttributes: number;
  /** TPMT_SIG_SCHEME of the key (TPM_ALG_NULL when the key leaves the scheme to each command). */
  scheme: { scheme: number; hashAlg?: number };
  publicKey: KeyObject;
  /** nameAlg (2 bytes) ‖ H_nameAlg(TPMT_PUBLIC): what the TPM binds credentials and quotes to. */
  name: Buffer;
}

/**
 * Parses a TPM2B_PUBLIC (RSA or ECC; nameAlg SHA-256, or SHA-384 as under a P-384 EK). Pure.
 * @throws MalformedInput on any length, algorithm or trailing-byte problem.
 */
export function parseTpm2bPublic(input: Uint8Array): TpmPublicArea {
  if (input.length > MAX_TPM2B_PUBLIC_SIZE + 2)
    throw new MalformedInput(`TPM2B_PUBLIC is ${input.length} bytes, more than ${MAX_TPM2B_PUBLIC_SIZE + 2}`);
  const outer = new TpmReader(input, 'TPM2B_PUBLIC');
  const publicArea = outer.tpm2b('publicArea', MAX_TPM2B_PUBLIC_SIZE);
  outer.end();
  return parseTpmtPublic(publicArea);
}

/** Parses a TPMT_PUBLIC (the contents of a TPM2B_PUBLIC). Pure. @throws MalformedInput */
export function parseTpmtPublic(publicArea: Uint8Array): TpmPublicArea {
  const reader = new TpmReader(publicArea, 'TPMT_PUBLIC');
  const type = reader.u16('type');
  const nameAlg = reader.u16('nameAlg');
  const nameHash = NAME_HASHES.get(nameAlg);
  if (!nameHash)
    throw new MalformedInput(
      `TPMT_PUBLIC: nameAlg 0x${hex4(nameAlg)} is neither SHA-256 (0x000b) nor SHA-384 (0x000c)`,
    );
  const objectAttributes = reader.u32('objectAttributes');
  reader.tpm2b('authPolicy', 48);
  let result: Omit<TpmPublicArea, 'name' | 'nameAlg' | 'objectAttributes'>;
  if (type === TpmAlg.RSA) result = readRsa(reader);
  else if (type === TpmAlg.ECC) result = readEcc(reader);
  else throw new MalformedInput(`TPMT_PUBLIC: type 0x${hex4(type)} is neither RSA nor ECC`);
  reader.end();
  const name = Buffer.concat([u16be(nameAlg), createHash(nameHash).update(publicArea).digest()]);
  return { ...result, nameAlg, objectAttributes, name };
}

/**
 * Refuses a key that is not an attestation key: the TPM must have generated it, it must never leave
 * the TPM or its parent, and it must be a restricted signing key (so it signs only TPM-generated
 * attestations, never outside data that could mimic one), and not a decryption key. Pure.
 * @throws MalformedInput naming the missing or forbidden attributes.
 */
export function assertAttestationKeyAttributes(area: TpmPublicArea): void {
  const required = ['fixedTPM', 'fixedParent', 'sensitiveDataOrigin', 'restricted', 'sign'] as const;
  const missing = required.filter((bit) => (area.objectAttributes & TpmaObject[bit]) === 0);
  const forbidden = (area.objectAttributes & TpmaObject.decrypt) !== 0 ? ['decrypt'] : [];
  if (missing.length > 0 || forbidden.length > 0) {
    const problems = [
      ...(missing.length > 0 ? [`lacks ${missing.join(', ')}`] : []),
      ...(forbidden.length > 0 ? ['has decrypt'] : []),
    ];
    throw new MalformedInput(
      `the AK is not a restricted signing key of this TPM: objectAttributes 0x${area.objectAttributes.toString(16).padStart(8, '0')} ${problems.join(' and ')}`,
    );
  }
}

function readSymmetric(reader: TpmReader): void {
  const algorithm = reader.u16('symmetric.algorithm');
  if (algorithm === TpmAlg.NULL) return;
  reader.u16('symmetric.keyBits');
  reader.u16('symmetric.mode');
}

function readScheme(reader: TpmReader, withCount: ReadonlySet<number>): { scheme: number; hashAlg?: number } {
  const scheme = reader.u16('scheme.scheme');
  if (scheme === TpmAlg.NULL || scheme === TpmAlg.RSAES) return { scheme };
  const known = [
    TpmAlg.RSASSA,
    TpmAlg.RSAPSS,
    TpmAlg.OAEP,
    TpmAlg.ECDSA,
    TpmAlg.ECDH,
    TpmAlg.ECDAA,
  ] as number[];
  if (!known.includes(scheme))
    throw new MalformedInput(`TPMT_PUBLIC: scheme 0x${hex4(scheme)} is not supported`);
  const hashAlg = reader.u16('scheme.hashAlg');
  if (withCount.has(scheme)) reader.u16('scheme.count');
  return { scheme, hashAlg };
}

function readRsa(reader: TpmReader): Omit<TpmPublicArea, 'name' | 'nameAlg' | 'objectAttributes'> {
  readSymmetric(reader);
  const scheme = readScheme(reader, new Set());
  const keyBits = reader.u16('keyBits');
  if (!RSA_KEY_BITS.has(keyBits))
    throw new MalformedInput(`TPMT_PUBLIC: RSA keyBits ${keyBits} is not supported`);
  const exponentValue = reader.u32('exponent');
  const modulus = reader.tpm2b('unique.rsa', 512);
  if (modulus.length * 8 !== keyBits || (modulus[0] & 0x80) === 0)
    throw new MalformedInput(`TPMT_PUBLIC: the RSA modulus is not ${keyBits} bits`);
  const exponent = exponentValue === 0 ? 65537 : exponentValue;
  if (exponent % 2 === 0 || exponent < 3)
    throw new MalformedInput(`TPMT_PUBLIC: RSA exponent ${exponent} is invalid`);
  const e = Buffer.alloc(4);
  e.writeUInt32BE(exponent);
  const publicKey = keyFromJwk({
    kty: 'RSA',
    n: modulus.toString('base64url'),
    e: e.subarray(e.findIndex((byte) => byte !== 0)).toString('base64url'),
  });
  return { type: 'rsa', scheme, publicKey };
}

function readEcc(reader: TpmReader): Omit<TpmPublicArea, 'name' | 'nameAlg' | 'objectAttributes'> {
  readSymmetric(reader);
  const scheme = readScheme(reader, new Set([TpmAlg.ECDAA]));
  const curveId = reader.u16('curveID');
  const curve = TPM_ECC_CURVES.get(curveId);
  if (!curve) throw new MalformedInput(`TPMT_PUBLIC: ECC curve 0x${hex4(curveId)} is not supported`);
  const kdf = reader.u16('kdf.scheme');
  if (kdf !== TpmAlg.NULL) reader.u16('kdf.hashAlg');
  const x = reader.tpm2b('unique.ecc.x', curve.bytes);
  const y = reader.tpm2b('unique.ecc.y', curve.bytes);
  const publicKey = keyFromJwk({
    kty: 'EC',
    crv: curve.jwk,
    x: leftPad(x, curve.bytes).toString('base64url'),
    y: leftPad(y, curve.bytes).toString('base64url'),
  });
  return { type: 'ecc', scheme, publicKey };
}

function keyFromJwk(jwk: Record<string, string>): KeyObject {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    throw new MalformedInput(`TPMT_PUBLIC: the public key is invalid (${(cause as Error).message})`);
  }
}

/** `value` left-padded with zeros to `length` bytes (TPMs may drop leading zero bytes of a coordinate). */
export function leftPad(value: Buffer, length: number): Buffer {
  if (value.length >= length) return value;
  return Buffer.concat([Buffer.alloc(length - value.length), value]);
}

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}
