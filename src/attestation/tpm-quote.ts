/**
 * TPM2_Quote output: TPMS_ATTEST (TPM 2.0 Part 2 §10.12.12) of type TPM_ST_ATTEST_QUOTE and the
 * TPMT_SIGNATURE over it (§11.3.4), parsed strictly and verified with the AK.
 */
import { constants, verify } from 'node:crypto';
import { MalformedInput } from './result.js';
import { TPM_ECC_CURVES, TPM_GENERATED_VALUE, TPM_ST_ATTEST_QUOTE, TpmAlg } from './tpm-constants.js';
import { TpmReader } from './tpm-bytes.js';
import { leftPad, type TpmPublicArea } from './tpm-public.js';

/** A quote is well under this (a few PCR banks and digests). */
export const MAX_QUOTE_SIZE = 2048;
/** An RSA-4096 signature plus headers. */
export const MAX_SIGNATURE_SIZE = 1024;

/** The fields of a quote's TPMS_ATTEST that the checks read. */
export interface TpmQuote {
  /** The qualified name of the signing key. */
  qualifiedSigner: Buffer;
  /** The caller's qualifying data, as the TPM signed it. */
  extraData: Buffer;
  clock: bigint;
  firmwareVersion: bigint;
  pcrSelections: { hashAlg: number; select: Buffer }[];
  pcrDigest: Buffer;
}

/** A parsed TPMT_SIGNATURE. */
export type TpmSignature =
  | { sigAlg: typeof TpmAlg.RSASSA | typeof TpmAlg.RSAPSS; hashAlg: number; signature: Buffer }
  | { sigAlg: typeof TpmAlg.ECDSA; hashAlg: number; r: Buffer; s: Buffer };

/**
 * Parses a raw TPMS_ATTEST (as `tpm2_quote -m` writes it, without a TPM2B size) and requires it to
 * be a TPM-generated quote. Pure. @throws MalformedInput
 */
export function parseQuoteAttest(input: Uint8Array): TpmQuote {
  if (input.length > MAX_QUOTE_SIZE)
    throw new MalformedInput(`the quote is ${input.length} bytes, more than ${MAX_QUOTE_SIZE}`);
  const reader = new TpmReader(input, 'TPMS_ATTEST');
  const magic = reader.u32('magic');
  if (magic !== TPM_GENERATED_VALUE)
    throw new MalformedInput(
      `TPMS_ATTEST: magic 0x${magic.toString(16)} is not TPM_GENERATED_VALUE (0xff544347)`,
    );
  const type = reader.u16('type');
  if (type !== TPM_ST_ATTEST_QUOTE)
    throw new MalformedInput(`TPMS_ATTEST: type 0x${type.toString(16)} is not TPM_ST_ATTEST_QUOTE (0x8018)`);
  const qualifiedSigner = reader.tpm2b('qualifiedSigner', 2 + 64);
  const extraData = reader.tpm2b('extraData', 64);
  const clock = reader.u64('clockInfo.clock');
  reader.u32('clockInfo.resetCount');
  reader.u32('clockInfo.restartCount');
  reader.u8('clockInfo.safe');
  const firmwareVersion = reader.u64('firmwareVersion');
  const count = reader.u32('pcrSelect.count');
  if (count > 16) throw new MalformedInput(`TPMS_ATTEST: ${count} PCR selections, more than 16`);
  const pcrSelections: TpmQuote['pcrSelections'] = [];
  for (let index = 0; index < count; index++) {
    const hashAlg = reader.u16(`pcrSelections[${index}].hash`);
    const size = reader.u8(`pcrSelections[${index}].sizeofSelect`);
    if (size > 4)
      throw new MalformedInput(`TPMS_ATTEST: pcrSelections[${index}] selects ${size} bytes, more than 4`);
    pcrSelections.push({ hashAlg, select: reader.fixed(size, `pcrSelections[${index}].pcrSelect`) });
  }
  const pcrDigest = reader.tpm2b('pcrDigest', 64);
  reader.end();
  return { qualifiedSigner, extraData, clock, firmwareVersion, pcrSelections, pcrDigest };
}

/** Parses a TPMT_SIGNATURE: RSASSA, RSAPSS or ECDSA, each with SHA-256. Pure. @throws MalformedInput */
export function parseTpmSignature(input: Uint8Array): TpmSignature {
  if (input.length > MAX_SIGNATURE_SIZE)
    throw new MalformedInput(`the signature is ${input.length} bytes, more than ${MAX_SIGNATURE_SIZE}`);
  const reader = new TpmReader(input, 'TPMT_SIGNATURE');
  const sigAlg = reader.u16('sigAlg');
  const hashAlg = reader.u16('hash');
  if (hashAlg !== TpmAlg.SHA256)
    throw new MalformedInput(`TPMT_SIGNATURE: hash 0x${hashAlg.toString(16)} is not SHA-256 (0x000b)`);
  let signature: TpmSignature;
  if (sigAlg === TpmAlg.RSASSA || sigAlg === TpmAlg.RSAPSS) {
    signature = { sigAlg, hashAlg, signature: reader.tpm2b('signature', 512) };
  } else if (sigAlg === TpmAlg.ECDSA) {
    signature = { sigAlg, hashAlg, r: reader.tpm2b('signatureR', 66), s: reader.tpm2b('signatureS', 66) };
  } else {
    throw new MalformedInput(
      `TPMT_SIGNATURE: sigAlg 0x${sigAlg.toString(16)} is not RSASSA, RSAPSS or ECDSA`,
    );
  }
  reader.end();
  return signature;
}

/**
 * True when `signature` is the AK's signature over `attest`. The signature algorithm must suit the
 * AK's type and, when the AK fixes a scheme, be that scheme. Pure.
 */
export function verifyTpmSignature(ak: TpmPublicArea, attest: Uint8Array, signature: TpmSignature): boolean {
  if (ak.scheme.scheme !== TpmAlg.NULL && ak.scheme.scheme !== signature.sigAlg) return false;
  if (signature.sigAlg === TpmAlg.ECDSA) {
    if (ak.type !== 'ecc') return false;
    const curve = ak.publicKey.asymmetricKeyDetails?.namedCurve;
    const bytes = [...TPM_ECC_CURVES.values()].find((entry) => nodeCurve(entry.jwk) === curve)?.bytes;
    if (!bytes || signature.r.length > bytes || signature.s.length > bytes) return false;
    const raw = Buffer.concat([leftPad(signature.r, bytes), leftPad(signature.s, bytes)]);
    return verify('sha256', attest, { key: ak.publicKey, dsaEncoding: 'ieee-p1363' }, raw);
  }
  if (ak.type !== 'rsa') return false;
  const padding =
    signature.sigAlg === TpmAlg.RSAPSS ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
  return verify(
    'sha256',
    attest,
    // TPMs use a salt of the digest size (Part 1 §B.7) or, before 1.38, the largest that fits: accept either.
    { key: ak.publicKey, padding, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
    signature.signature,
  );
}

function nodeCurve(jwk: string): string {
  return { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[jwk] ?? jwk;
}
