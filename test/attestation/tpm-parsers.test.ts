/**
 * The TPM parsers on synthetic structures: well-formed input parses; truncated input, oversized
 * lengths, trailing bytes and keys that are not attestation keys are `Malformed`, and no input
 * makes the entry points throw.
 */
import { createHash, createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedInput } from '../../src/attestation/result.js';
import { marshalTpm2b, u16be, u32be } from '../../src/attestation/tpm-bytes.js';
import { kdfa } from '../../src/attestation/tpm-kdf.js';
import { assertAttestationKeyAttributes, parseTpm2bPublic } from '../../src/attestation/tpm-public.js';
import { parseQuoteAttest, parseTpmSignature } from '../../src/attestation/tpm-quote.js';
import {
  beginTpmAttestation,
  quoteQualifyingData,
  verifyTpmAttestation,
} from '../../src/attestation/tpm-attestation.js';

/** fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign, as tpm2_createak sets. */
const AK_ATTRIBUTES = 0x00050072;

function rsaAkPublic(key: KeyObject, attributes = AK_ATTRIBUTES): Buffer {
  const n = Buffer.from(key.export({ format: 'jwk' }).n as string, 'base64url');
  const area = Buffer.concat([
    u16be(0x0001), // RSA
    u16be(0x000b), // nameAlg SHA-256
    u32be(attributes),
    marshalTpm2b(Buffer.alloc(0)), // authPolicy
    u16be(0x0010), // symmetric NULL
    u16be(0x0014), // RSASSA
    u16be(0x000b), // SHA-256
    u16be(2048),
    u32be(0), // default exponent
    marshalTpm2b(n),
  ]);
  return marshalTpm2b(area);
}

function quoteAttest(extraData: Buffer, overrides: { magic?: number; type?: number } = {}): Buffer {
  return Buffer.concat([
    u32be(overrides.magic ?? 0xff544347),
    u16be(overrides.type ?? 0x8018),
    marshalTpm2b(Buffer.concat([u16be(0x000b), randomBytes(32)])),
    marshalTpm2b(extraData),
    Buffer.alloc(17), // clockInfo
    Buffer.alloc(8), // firmwareVersion
    u32be(1),
    u16be(0x000b),
    Buffer.from([3, 1, 0, 0]), // PCR 0
    marshalTpm2b(randomBytes(32)),
  ]);
}

function rsassaSignature(attest: Buffer, key: KeyObject): Buffer {
  return Buffer.concat([u16be(0x0014), u16be(0x000b), marshalTpm2b(sign('sha256', attest, key))]);
}

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const akPublic = rsaAkPublic(publicKey);
const nonce = randomBytes(32);
const identitySpkiDer = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
  type: 'spki',
  format: 'der',
});
const secret = randomBytes(32);
const attest = quoteAttest(quoteQualifyingData(nonce, identitySpkiDer));
const valid = {
  expectedSecret: secret,
  activatedSecret: secret,
  akPublic,
  nonce,
  identitySpkiDer,
  quote: attest,
  signature: rsassaSignature(attest, privateKey),
};

const REASONS = ['Chain', 'IdentifierMismatch', 'Activation', 'Nonce', 'Signature', 'Malformed', 'Expired'];

describe('TPM2B_PUBLIC', () => {
  it('parses an RSA AK and names it nameAlg ‖ SHA-256(TPMT_PUBLIC)', () => {
    const area = parseTpm2bPublic(akPublic);
    expect(area.type).toBe('rsa');
    expect(area.name).toEqual(
      Buffer.concat([u16be(0x000b), createHash('sha256').update(akPublic.subarray(2)).digest()]),
    );
    expect(area.publicKey.export({ format: 'jwk' })).toEqual(publicKey.export({ format: 'jwk' }));
    expect(() => assertAttestationKeyAttributes(area)).not.toThrow();
  });

  it.each([
    ['truncated after the size', akPublic.subarray(0, 2)],
    ['truncated in the modulus', akPublic.subarray(0, akPublic.length - 1)],
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([1])],
  ])('refuses a public area %s', (_name, bytes) => {
    expect(() => parseTpm2bPublic(bytes)).toThrow(MalformedInput);
    expect(() => parseTpm2bPublic(bytes)).toThrow(/truncated/);
  });

  it('refuses an oversized TPM2B size', () => {
    const oversized = Buffer.from(akPublic);
    oversized.writeUInt16BE(0xffff, 0);
    expect(() => parseTpm2bPublic(oversized)).toThrow(/more than 1024/);
  });

  it('refuses trailing bytes after the TPM2B and inside it', () => {
    expect(() => parseTpm2bPublic(Buffer.concat([akPublic, Buffer.from([0])]))).toThrow(/trailing/);
    const inner = Buffer.concat([akPublic.subarray(2), Buffer.from([0])]);
    expect(() => parseTpm2bPublic(marshalTpm2b(inner))).toThrow(/trailing/);
  });

  it('refuses a modulus whose size does not match keyBits', () => {
    const area = akPublic.subarray(2);
    const shortened = Buffer.concat([area.subarray(0, area.length - 258), marshalTpm2b(randomBytes(128))]);
    expect(() => parseTpm2bPublic(marshalTpm2b(shortened))).toThrow(/not 2048 bits/);
  });

  it.each([
    ['not restricted', AK_ATTRIBUTES & ~(1 << 16), /lacks restricted/],
    ['not a signing key', AK_ATTRIBUTES & ~(1 << 18), /lacks sign/],
    ['not fixedTPM (duplicable)', AK_ATTRIBUTES & ~(1 << 1), /lacks fixedTPM/],
    ['imported (no sensitiveDataOrigin)', AK_ATTRIBUTES & ~(1 << 5), /lacks sensitiveDataOrigin/],
    ['also a decryption key', AK_ATTRIBUTES | (1 << 17), /has decrypt/],
  ])('refuses an AK that is %s', (_name, attributes, message) => {
    const area = parseTpm2bPublic(rsaAkPublic(publicKey, attributes));
    expect(() => assertAttestationKeyAttributes(area)).toThrow(message);
    expect(verifyTpmAttestation({ ...valid, akPublic: rsaAkPublic(publicKey, attributes) })).toMatchObject({
      ok: false,
      reason: 'Malformed',
    });
  });
});

describe('quotes', () => {
  it('verifies a well-formed quote signed by the AK', () => {
    expect(verifyTpmAttestation(valid)).toMatchObject({ ok: true });
  });

  it('parses extraData, the PCR selection and the digest', () => {
    const quote = parseQuoteAttest(attest);
    expect(quote.extraData).toEqual(quoteQualifyingData(nonce, identitySpkiDer));
    expect(quote.pcrSelections).toEqual([{ hashAlg: 0x000b, select: Buffer.from([1, 0, 0]) }]);
  });

  it.each([
    [
      'not TPM-generated (magic)',
      quoteAttest(Buffer.alloc(32), { magic: 0x01020304 }),
      /TPM_GENERATED_VALUE/,
    ],
    [
      'a certify, not a quote (type 0x8017)',
      quoteAttest(Buffer.alloc(32), { type: 0x8017 }),
      /TPM_ST_ATTEST_QUOTE/,
    ],
    ['truncated', attest.subarray(0, attest.length - 1), /truncated/],
    ['followed by trailing bytes', Buffer.concat([attest, Buffer.alloc(1)]), /trailing/],
    ['carrying 65 bytes of extraData', quoteAttest(Buffer.alloc(65)), /more than 64/],
  ])('refuses a TPMS_ATTEST %s', (_name, bytes, message) => {
    expect(() => parseQuoteAttest(bytes)).toThrow(message);
  });

  it.each([
    ['with SHA-1', Buffer.concat([u16be(0x0014), u16be(0x0004), marshalTpm2b(randomBytes(256))]), /SHA-256/],
    [
      'with an HMAC scheme',
      Buffer.concat([u16be(0x0005), u16be(0x000b), marshalTpm2b(randomBytes(32))]),
      /sigAlg/,
    ],
    ['truncated', valid.signature.subarray(0, 10), /truncated/],
    ['followed by trailing bytes', Buffer.concat([valid.signature, Buffer.alloc(2)]), /trailing/],
  ])('refuses a TPMT_SIGNATURE %s', (_name, bytes, message) => {
    expect(() => parseTpmSignature(bytes)).toThrow(message);
    expect(verifyTpmAttestation({ ...valid, signature: bytes })).toMatchObject({
      ok: false,
      reason: 'Malformed',
    });
  });

  it('refuses a valid signature by another key (Signature) before looking at the nonce', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(verifyTpmAttestation({ ...valid, signature: rsassaSignature(attest, other) })).toMatchObject({
      ok: false,
      reason: 'Signature',
    });
  });

  it('refuses another identity key in the qualifying data (Nonce)', () => {
    const otherIdentity = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    expect(verifyTpmAttestation({ ...valid, identitySpkiDer: otherIdentity })).toMatchObject({
      ok: false,
      reason: 'Nonce',
    });
  });

  it('refuses an activated secret of another length without throwing (Activation)', () => {
    expect(verifyTpmAttestation({ ...valid, activatedSecret: secret.subarray(0, 16) })).toMatchObject({
      ok: false,
      reason: 'Activation',
    });
  });
});

describe('KDFa', () => {
  it('is HMAC(key, counter ‖ label‖0 ‖ contextU ‖ contextV ‖ bits), truncated', () => {
    const key = randomBytes(32);
    const block = (counter: number) =>
      createHmac('sha256', key)
        .update(Buffer.concat([u32be(counter), Buffer.from('STORAGE\0'), Buffer.from('name'), u32be(384)]))
        .digest();
    expect(kdfa('sha256', key, 'STORAGE', Buffer.from('name'), Buffer.alloc(0), 384)).toEqual(
      Buffer.concat([block(1), block(2)]).subarray(0, 48),
    );
  });
});

describe('entry points on arbitrary bytes', () => {
  it('never throw: every result is ok or a documented reason', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        (bytes, quote, signature) => {
          const verified = verifyTpmAttestation({ ...valid, akPublic: bytes, quote, signature });
          const verifiedQuote = verifyTpmAttestation({ ...valid, quote: bytes, signature });
          const begun = beginTpmAttestation({
            ekCertificateDer: bytes,
            akPublic: bytes,
            anchorsPem: [],
            expectedIdentifier: 'urn:ek:sha256:x',
            now: new Date(),
          });
          for (const result of [verified, verifiedQuote, begun])
            expect(result.ok === false && REASONS.includes(result.reason)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns Malformed for every truncation of a valid AK, quote and signature', () => {
    for (let length = 0; length < akPublic.length; length++)
      expect(verifyTpmAttestation({ ...valid, akPublic: akPublic.subarray(0, length) })).toMatchObject({
        reason: 'Malformed',
      });
    for (let length = 0; length < attest.length; length++)
      expect(verifyTpmAttestation({ ...valid, quote: attest.subarray(0, length) })).toMatchObject({
        reason: 'Malformed',
      });
    for (let length = 0; length < valid.signature.length; length++)
      expect(
        verifyTpmAttestation({ ...valid, signature: valid.signature.subarray(0, length) }),
      ).toMatchObject({
        reason: 'Malformed',
      });
  });
});
