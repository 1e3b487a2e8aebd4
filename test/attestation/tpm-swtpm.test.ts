/**
 * TPM attestation end to end against a real software TPM (swtpm): the TPM's own EK certificate,
 * credential activation by the TPM and quotes signed by it. Skipped, by name, only when swtpm or
 * tpm2-tools are not installed (.ci/run installs them).
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ekIdentifier } from '../../src/attestation/ek-identifier.js';
import { makeCredential } from '../../src/attestation/tpm-credential.js';
import { parseTpm2bPublic } from '../../src/attestation/tpm-public.js';
import {
  beginTpmAttestation,
  quoteQualifyingData,
  verifyTpmAttestation,
} from '../../src/attestation/tpm-attestation.js';
import { createTestCa, type EkType, SoftwareTpm } from '../support/swtpm.js';

const missing = SoftwareTpm.missingPrograms();
const title =
  missing.length === 0
    ? 'TPM attestation against swtpm'
    : `TPM attestation against swtpm — SKIPPED: ${missing.join(', ')} not installed (.ci/run installs swtpm, swtpm-tools, tpm2-tools, libtss2-tcti-swtpm0)`;

const identityKey = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });

describe.skipIf(missing.length > 0)(title, { timeout: 30_000 }, () => {
  let tpm: SoftwareTpm;
  let otherManufacturerDir: string;
  let otherManufacturerRootPem: string;
  // Read when a check runs, not when the suite is collected: the EK certificate swtpm makes in
  // beforeAll is valid from that second on.
  let now = new Date();

  beforeAll(async () => {
    tpm = await SoftwareTpm.start();
    // swtpm's EK certificate is valid from the second it was made: check from one second later.
    now = new Date(Date.now() + 1_000);
    otherManufacturerDir = mkdtempSync(join(tmpdir(), 'steward-other-manufacturer-'));
    otherManufacturerRootPem = createTestCa(
      otherManufacturerDir,
      'Another TPM Manufacturer Root',
    ).certificatePem;
  }, 30_000);

  afterAll(async () => {
    await tpm?.stop();
    if (otherManufacturerDir) rmSync(otherManufacturerDir, { recursive: true, force: true });
  });

  /** Steps 1 and 2 as a device and the device API run them; overrides inject each failure. */
  async function attest(
    options: {
      ek?: EkType;
      ak?: 'rsa' | 'ecc';
      anchorsPem?: string[];
      expectedIdentifier?: string;
      tamperSecret?: boolean;
      quoteNonce?: Buffer;
      quoteBy?: Buffer;
    } = {},
  ) {
    const ek = options.ek ?? 'rsa';
    const ekCertificateDer = await tpm.ekCertificateDer(ek);
    const akPublic = await tpm.createAk({ ek, type: options.ak ?? 'rsa' });
    const begun = beginTpmAttestation({
      ekCertificateDer,
      akPublic,
      anchorsPem: options.anchorsPem ?? [tpm.manufacturerRootPem],
      expectedIdentifier:
        options.expectedIdentifier ?? ekIdentifier(new X509Certificate(ekCertificateDer).publicKey),
      now,
    });
    if (!begun.ok) return begun;
    const activated = await tpm.activateCredential(
      begun.value.credentialBlob,
      begun.value.encryptedSecret,
      akPublic,
    );
    const nonce = randomBytes(32);
    const identitySpkiDer = identityKey();
    const { quote, signature } = await tpm.quote(
      quoteQualifyingData(options.quoteNonce ?? nonce, identitySpkiDer),
      options.quoteBy ?? akPublic,
    );
    if (options.tamperSecret) activated[0] ^= 1;
    return verifyTpmAttestation({
      expectedSecret: begun.value.secret,
      activatedSecret: activated,
      akPublic,
      nonce,
      identitySpkiDer,
      quote,
      signature,
    });
  }

  it.each([
    ['an RSA EK and an RSA AK (RSASSA quote)', 'rsa', 'rsa'],
    ['an RSA EK and an ECC AK (ECDSA quote)', 'rsa', 'ecc'],
    ['a P-384 EK (ECDH + KDFe, SHA-384, AES-256) and an ECC AK', 'ecc', 'ecc'],
    ['a P-384 EK and an RSA AK', 'ecc', 'rsa'],
  ] as const)('attests a TPM with %s', async (_name, ek, ak) => {
    const result = await attest({ ek, ak });
    expect(result).toMatchObject({ ok: true });
  });

  it("returns the AK's TPM Name, as the TPM computes it", async () => {
    const ekCertificateDer = await tpm.ekCertificateDer();
    const akPublic = await tpm.createAk();
    const begun = beginTpmAttestation({
      ekCertificateDer,
      akPublic,
      anchorsPem: [tpm.manufacturerRootPem],
      expectedIdentifier: ekIdentifier(new X509Certificate(ekCertificateDer).publicKey),
      now,
    });
    if (!begun.ok) throw new Error(begun.message);
    expect(begun.value.akName.subarray(0, 2).toString('hex')).toBe('000b');
    expect(begun.value.akName).toEqual(tpm.akName(akPublic));
    expect(parseTpm2bPublic(akPublic).name).toEqual(tpm.akName(akPublic));
  });

  it('computes the identifier over the SPKI DER exactly as openssl prints it', async () => {
    const ekCertificateDer = await tpm.ekCertificateDer();
    const dir = mkdtempSync(join(tmpdir(), 'steward-ek-'));
    try {
      writeFileSync(join(dir, 'ek.der'), ekCertificateDer);
      const pem = execFileSync('openssl', [
        'x509',
        '-inform',
        'der',
        '-in',
        join(dir, 'ek.der'),
        '-pubkey',
        '-noout',
      ]);
      const spki = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pem });
      const expected = `urn:ek:sha256:${createHash('sha256').update(spki).digest('base64')}`;
      expect(ekIdentifier(new X509Certificate(ekCertificateDer).publicKey)).toBe(expected);
      expect(expected).toMatch(/^urn:ek:sha256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes credentials the TPM activates exactly like tpm2_makecredential -T none (same sizes, same secret)', async () => {
    const ekCertificateDer = await tpm.ekCertificateDer();
    const akPublic = await tpm.createAk();
    const akName = parseTpm2bPublic(akPublic).name;
    const secret = randomBytes(32);
    const dir = mkdtempSync(join(tmpdir(), 'steward-makecredential-'));
    try {
      writeFileSync(
        join(dir, 'ek.pem'),
        new X509Certificate(ekCertificateDer).publicKey.export({ type: 'spki', format: 'pem' }),
      );
      writeFileSync(join(dir, 'secret'), secret);
      execFileSync(
        'tpm2_makecredential',
        [
          '-T',
          'none',
          '-u',
          join(dir, 'ek.pem'),
          '-G',
          'rsa',
          '-s',
          join(dir, 'secret'),
          '-n',
          akName.toString('hex'),
          '-o',
          join(dir, 'cred'),
        ],
        { stdio: 'pipe' },
      );
      const tools = execFileSync('cat', [join(dir, 'cred')]);
      const ours = makeCredential(new X509Certificate(ekCertificateDer).publicKey, akName, secret);
      expect(tools.subarray(0, 8).toString('hex')).toBe('badcc0de00000001');
      const toolsBlob = tools.subarray(8, 8 + 2 + tools.readUInt16BE(8));
      const toolsSecret = tools.subarray(8 + toolsBlob.length);
      expect(ours.credentialBlob.length).toBe(toolsBlob.length);
      expect(ours.encryptedSecret.length).toBe(toolsSecret.length);
      expect(await tpm.activateCredential(toolsBlob, toolsSecret, akPublic)).toEqual(secret);
      expect(await tpm.activateCredential(ours.credentialBlob, ours.encryptedSecret, akPublic)).toEqual(
        secret,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes credentials only the named AK can activate: the TPM refuses them for another AK', async () => {
    const ekCertificateDer = await tpm.ekCertificateDer();
    const first = await tpm.createAk();
    const second = await tpm.createAk();
    const made = makeCredential(
      new X509Certificate(ekCertificateDer).publicKey,
      parseTpm2bPublic(first).name,
      randomBytes(32),
    );
    await expect(tpm.activateCredential(made.credentialBlob, made.encryptedSecret, second)).rejects.toThrow(
      /tpm2_activatecredential/,
    );
  });

  it('refuses an EK certificate of another manufacturer (Chain)', async () => {
    const result = await attest({ anchorsPem: [otherManufacturerRootPem] });
    expect(result).toMatchObject({ ok: false, reason: 'Chain' });
    expect(result.ok || result.message).toMatch(
      /^EK certificate does not chain to AttestationAuthority anchors: /,
    );
  });

  it("refuses an EK that is not the device's (IdentifierMismatch)", async () => {
    const other = `urn:ek:sha256:${createHash('sha256').update('another device').digest('base64')}`;
    const result = await attest({ expectedIdentifier: other });
    expect(result).toMatchObject({ ok: false, reason: 'IdentifierMismatch' });
    expect(result.ok || result.message).toContain(other);
  });

  it('refuses a wrong activated secret (Activation)', async () => {
    expect(await attest({ tamperSecret: true })).toMatchObject({
      ok: false,
      reason: 'Activation',
      message: 'the activated secret is not the secret encrypted to the EK for this AK',
    });
  });

  it('refuses a quote over a stale or wrong nonce (Nonce)', async () => {
    expect(await attest({ quoteNonce: randomBytes(32) })).toMatchObject({
      ok: false,
      reason: 'Nonce',
      message: "the quote's qualifying data does not match the nonce of this attestation",
    });
  });

  it('refuses a quote signed by another key of the same TPM (Signature)', async () => {
    const otherAk = await tpm.createAk();
    expect(await attest({ quoteBy: otherAk })).toMatchObject({ ok: false, reason: 'Signature' });
  });

  it('refuses an EK certificate outside its validity period (Expired)', async () => {
    const ekCertificateDer = await tpm.ekCertificateDer();
    const result = beginTpmAttestation({
      ekCertificateDer,
      akPublic: await tpm.createAk(),
      anchorsPem: [tpm.manufacturerRootPem],
      expectedIdentifier: ekIdentifier(new X509Certificate(ekCertificateDer).publicKey),
      now: new Date('2000-01-01T00:00:00Z'),
    });
    expect(result).toMatchObject({ ok: false, reason: 'Expired' });
  });

  it('requires an EK certificate unless the authority allows a bare EK public key', async () => {
    const ekPublicKeyDer = await tpm.ekPublicKeyDer();
    const akPublic = await tpm.createAk();
    const identifier = `urn:ek:sha256:${createHash('sha256').update(ekPublicKeyDer).digest('base64')}`;
    const base = {
      ekCertificateDer: new Uint8Array(),
      akPublic,
      anchorsPem: [],
      expectedIdentifier: identifier,
      now,
      ekPublicKeyDer,
    };
    expect(beginTpmAttestation(base)).toMatchObject({ ok: false, reason: 'Chain' });
    const allowed = beginTpmAttestation({ ...base, allowEkPublicKeyWithoutCertificate: true });
    if (!allowed.ok) throw new Error(allowed.message);
    expect(
      await tpm.activateCredential(allowed.value.credentialBlob, allowed.value.encryptedSecret, akPublic),
    ).toEqual(allowed.value.secret);
  });
});
