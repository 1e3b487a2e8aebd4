/**
 * Apple Managed Device Attestation with chains the test makes itself (root, intermediate, leaf
 * with Apple's extensions): no Apple device or Apple-signed chain is available here.
 */
import 'reflect-metadata';
import { createHash, X509Certificate as NodeCertificate, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppleOid, verifyAppleAttestation } from '../../src/attestation/apple-attestation.js';
import { APPLE_ENTERPRISE_ATTESTATION_ROOT_PEM } from '../../src/attestation/apple-root.js';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' } as const;
const SERIAL = 'C02XK1ZZJG5H';
const UDID = '00008103-001A2B3C4D5E6F70';

interface Authority {
  rootPem: string;
  intermediate: x509.X509Certificate;
  intermediateKeys: webcrypto.CryptoKeyPair;
}

async function authority(name: string): Promise<Authority> {
  const rootKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name} Root CA`,
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2044-01-01T00:00:00Z'),
    keys: rootKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const intermediateKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${name} Sub CA 1`,
    issuer: root.subject,
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { rootPem: root.toString('pem'), intermediate, intermediateKeys };
}

/** A leaf as Apple issues it: raw (not DER-wrapped) extension values for serial, UDID and nonce. */
async function attestationChain(
  issuer: Authority,
  options: { nonce: Buffer; serial?: string; udid?: string; notAfter?: Date },
): Promise<{ chainDer: Uint8Array[]; spkiDer: Buffer }> {
  const leafKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const extensions = [
    new x509.Extension(AppleOid.nonce, false, createHash('sha256').update(options.nonce).digest()),
    ...(options.serial
      ? [new x509.Extension(AppleOid.serialNumber, false, Buffer.from(options.serial))]
      : []),
    ...(options.udid ? [new x509.Extension(AppleOid.udid, false, Buffer.from(options.udid))] : []),
  ];
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '03',
    subject: 'CN=attestation leaf',
    issuer: issuer.intermediate.subject,
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: options.notAfter ?? new Date('2030-01-01T00:00:00Z'),
    publicKey: leafKeys.publicKey,
    signingKey: issuer.intermediateKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions,
  });
  const spkiDer = Buffer.from(await webcrypto.subtle.exportKey('spki', leafKeys.publicKey));
  return { chainDer: [new Uint8Array(leaf.rawData), new Uint8Array(issuer.intermediate.rawData)], spkiDer };
}

describe('Apple Managed Device Attestation (synthetic chains)', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  let apple: Authority;
  let impostor: Authority;

  beforeAll(async () => {
    apple = await authority('Test Enterprise Attestation');
    impostor = await authority('Impostor Attestation');
  });

  it('accepts a chain to the anchors with the nonce and the serial number, bound to the identity key', async () => {
    const nonce = randomBytes(32);
    const { chainDer, spkiDer } = await attestationChain(apple, { nonce, serial: SERIAL, udid: UDID });
    expect(
      verifyAppleAttestation({
        chainDer,
        anchorsPem: [apple.rootPem],
        nonce,
        expectedIdentifier: SERIAL,
        identitySpkiDer: spkiDer,
        now,
      }),
    ).toEqual({ ok: true, value: { serial: SERIAL, udid: UDID } });
  });

  it('accepts a device identified by its UDID', async () => {
    const nonce = randomBytes(32);
    const { chainDer } = await attestationChain(apple, { nonce, udid: UDID });
    expect(
      verifyAppleAttestation({ chainDer, anchorsPem: [apple.rootPem], nonce, expectedIdentifier: UDID, now }),
    ).toEqual({ ok: true, value: { udid: UDID } });
  });

  it('refuses a chain to another root (Chain)', async () => {
    const nonce = randomBytes(32);
    const { chainDer } = await attestationChain(impostor, { nonce, serial: SERIAL });
    const result = verifyAppleAttestation({
      chainDer,
      anchorsPem: [apple.rootPem],
      nonce,
      expectedIdentifier: SERIAL,
      now,
    });
    expect(result).toMatchObject({ ok: false, reason: 'Chain' });
    expect(result.ok || result.message).toMatch(/does not chain to AttestationAuthority anchors/);
  });

  it('uses the Apple Enterprise Attestation Root when no anchors are configured, so a test chain is refused', async () => {
    const nonce = randomBytes(32);
    const { chainDer } = await attestationChain(apple, { nonce, serial: SERIAL });
    expect(
      verifyAppleAttestation({ chainDer, anchorsPem: [], nonce, expectedIdentifier: SERIAL, now }),
    ).toMatchObject({
      ok: false,
      reason: 'Chain',
    });
  });

  it('embeds a self-signed Apple Enterprise Attestation Root CA valid until 2047', () => {
    const root = new NodeCertificate(APPLE_ENTERPRISE_ATTESTATION_ROOT_PEM);
    expect(root.subject).toContain('CN=Apple Enterprise Attestation Root CA');
    expect(root.ca).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(root.fingerprint256).toBe(
      'CC:F5:9E:F8:FC:B3:01:7D:97:F8:B5:FA:6F:A9:0E:7A:3F:92:83:F7:6B:55:AC:6C:F6:ED:A8:B8:B9:49:F0:5B',
    );
  });

  it('refuses another nonce (Nonce)', async () => {
    const { chainDer } = await attestationChain(apple, { nonce: randomBytes(32), serial: SERIAL });
    expect(
      verifyAppleAttestation({
        chainDer,
        anchorsPem: [apple.rootPem],
        nonce: randomBytes(32),
        expectedIdentifier: SERIAL,
        now,
      }),
    ).toMatchObject({ ok: false, reason: 'Nonce' });
  });

  it("refuses another device's serial number (IdentifierMismatch)", async () => {
    const nonce = randomBytes(32);
    const { chainDer } = await attestationChain(apple, { nonce, serial: 'FVFXK0AAQ6L4', udid: UDID });
    const result = verifyAppleAttestation({
      chainDer,
      anchorsPem: [apple.rootPem],
      nonce,
      expectedIdentifier: SERIAL,
      now,
    });
    expect(result).toMatchObject({ ok: false, reason: 'IdentifierMismatch' });
    expect(result.ok || result.message).toContain('FVFXK0AAQ6L4');
  });

  it('refuses an attested key that is not the identity key (IdentifierMismatch)', async () => {
    const nonce = randomBytes(32);
    const { chainDer } = await attestationChain(apple, { nonce, serial: SERIAL });
    const { spkiDer: otherKey } = await attestationChain(apple, { nonce, serial: SERIAL });
    expect(
      verifyAppleAttestation({
        chainDer,
        anchorsPem: [apple.rootPem],
        nonce,
        expectedIdentifier: SERIAL,
        identitySpkiDer: otherKey,
        now,
      }),
    ).toMatchObject({ ok: false, reason: 'IdentifierMismatch' });
  });

  it('refuses an expired leaf (Expired)', async () => {
    const nonce = randomBytes(32);
    const { chainDer } = await attestationChain(apple, {
      nonce,
      serial: SERIAL,
      notAfter: new Date('2026-01-01T00:00:00Z'),
    });
    expect(
      verifyAppleAttestation({
        chainDer,
        anchorsPem: [apple.rootPem],
        nonce,
        expectedIdentifier: SERIAL,
        now,
      }),
    ).toMatchObject({ ok: false, reason: 'Expired' });
  });

  it('refuses an empty chain, garbage and a leaf without its intermediate (Malformed, Chain)', async () => {
    const nonce = randomBytes(32);
    const base = { anchorsPem: [apple.rootPem], nonce, expectedIdentifier: SERIAL, now };
    expect(verifyAppleAttestation({ ...base, chainDer: [] })).toMatchObject({ reason: 'Malformed' });
    expect(verifyAppleAttestation({ ...base, chainDer: [randomBytes(100)] })).toMatchObject({
      reason: 'Malformed',
    });
    const { chainDer } = await attestationChain(apple, { nonce, serial: SERIAL });
    expect(verifyAppleAttestation({ ...base, chainDer: chainDer.slice(0, 1) })).toMatchObject({
      reason: 'Chain',
    });
  });

  it("completes a leaf-only chain with the authority's intermediates", async () => {
    const nonce = randomBytes(32);
    const { chainDer } = await attestationChain(apple, { nonce, serial: SERIAL });
    const base = {
      anchorsPem: [apple.rootPem],
      nonce,
      expectedIdentifier: SERIAL,
      now,
      chainDer: chainDer.slice(0, 1),
    };
    expect(
      verifyAppleAttestation({ ...base, intermediatesPem: [apple.intermediate.toString('pem')] }),
    ).toMatchObject({
      ok: true,
    });
    // An intermediate of another root completes nothing.
    expect(
      verifyAppleAttestation({ ...base, intermediatesPem: [impostor.intermediate.toString('pem')] }),
    ).toMatchObject({ reason: 'Chain' });
  });
});
