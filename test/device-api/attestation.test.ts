/**
 * TPM attestation end to end over the real device API (mTLS gRPC) with a real software TPM: the
 * agent enrolls a `tpm` Device under its EK identifier, calls BeginAttestation with the TPM's EK
 * certificate and a fresh AK, activates the credential on the TPM, quotes over
 * SHA-256(nonce ‖ identity SPKI) and calls Attest. Then each failure through the API, each left
 * as `Attested=False` with the failing check and assurance `normal`; challenges used once and
 * only by their own device and tenant. Skipped, by name, only when swtpm or tpm2-tools are missing.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ekIdentifier } from '../../src/attestation/ek-identifier.js';
import { quoteQualifyingData } from '../../src/attestation/tpm-attestation.js';
import type { DeviceAgent } from '../../src/device-agent/agent.js';
import type { StoredResource } from '../../src/resources/model.js';
import { apply, usePkiServer, waitFor } from '../pki/pki-server.js';
import { call, loginToken } from '../support/server.js';
import { createTestCa, type EkType, SoftwareTpm } from '../support/swtpm.js';
import { agent, deviceCa, enrollToken, refusal } from './device-fleet.js';

const missing = SoftwareTpm.missingPrograms();
const title =
  missing.length === 0
    ? 'TPM attestation over the device API'
    : `TPM attestation over the device API — SKIPPED: ${missing.join(', ')} not installed (.ci/run installs swtpm, swtpm-tools, tpm2-tools, libtss2-tcti-swtpm0)`;

const handle = usePkiServer();
const PASSWORD = 'attest-tenant-b-password-1';

function authority(name: string, rootPem: string) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'AttestationAuthority',
    metadata: { name },
    spec: { format: 'tpm', roots: [rootPem] },
  };
}

function condition(resource: StoredResource | null, type: string) {
  return resource?.status.conditions?.find((candidate) => candidate.type === type);
}

/** The EK certificate of a TPM and the identifier the library defines for it. */
async function endorsement(tpm: SoftwareTpm, ek: EkType) {
  const certificate = await tpm.ekCertificateDer(ek);
  return { certificate, identifier: ekIdentifier(new X509Certificate(certificate).publicKey) };
}

/** A fresh random, well-formed TPM identifier that is no TPM's here. */
const strangerIdentifier = () => `urn:ek:sha256:${randomBytes(32).toString('base64')}`;

describe.skipIf(missing.length > 0)(title, { timeout: 40_000 }, () => {
  let tpm: SoftwareTpm;
  let foreignTpm: SoftwareTpm;
  let otherVendorDir: string;
  let enrollTokenA: string;
  /** tpm-good: the swtpm's RSA EK, attested in the first test, reused by the last. */
  let good: DeviceAgent;

  beforeAll(async () => {
    [tpm, foreignTpm] = await Promise.all([SoftwareTpm.start(), SoftwareTpm.start()]);
    otherVendorDir = mkdtempSync(join(tmpdir(), 'steward-other-vendor-'));
    const otherVendorRoot = createTestCa(otherVendorDir, 'Another TPM Manufacturer Root').certificatePem;
    await deviceCa(handle);
    // Two authorities: the swtpm's manufacturer, and another manufacturer (trusted by no swtpm here).
    await apply(handle, [
      authority('swtpm-vendor', tpm.manufacturerRootPem),
      authority('other-vendor', otherVendorRoot),
    ]);
    for (const name of ['swtpm-vendor', 'other-vendor'])
      await waitFor(handle, name, (resource) => condition(resource, 'Ready')?.status === 'True', {
        kind: 'AttestationAuthority',
      });
    enrollTokenA = (await enrollToken(handle, { maxUses: 10 })).token;
  }, 40_000);

  afterAll(async () => {
    good?.close();
    await Promise.all([tpm?.stop(), foreignTpm?.stop()]);
    if (otherVendorDir) rmSync(otherVendorDir, { recursive: true, force: true });
  });

  async function enrolled(name: string, identifier: string, platform = 'tpm'): Promise<DeviceAgent> {
    const device = await agent(handle, identifier, platform, name);
    expect(await device.enroll(enrollTokenA)).toBe(true);
    return device;
  }

  /** Waits until the Device shows this attestation outcome; asserts the assurance it implies. */
  async function shows(name: string, reason: string, message?: string): Promise<StoredResource | null> {
    const device = await waitFor(
      handle,
      name,
      (resource) =>
        condition(resource, 'Attested')?.reason === reason &&
        (message === undefined || condition(resource, 'Attested')?.message === message),
      { kind: 'Device' },
    );
    const attested = reason === 'Verified';
    expect(condition(device, 'Attested')?.status).toBe(attested ? 'True' : 'False');
    expect(device?.status.assurance).toBe(attested ? 'high' : 'normal');
    return device;
  }

  /** BeginAttestation with the TPM's EK certificate and a fresh AK under that EK. */
  async function begin(device: DeviceAgent, on: SoftwareTpm, ek: EkType) {
    const { certificate } = await endorsement(on, ek);
    const akPublic = await on.createAk({ ek, type: ek === 'ecc' ? 'ecc' : 'rsa' });
    const challenge = await device.authenticated().beginAttestation({
      format: 'tpm',
      ekCertificate: certificate,
      akPublic,
    });
    return { challenge, akPublic };
  }

  it('attests a TPM device: assurance high, Attested=True/Verified, journaled by the device', async () => {
    const { identifier } = await endorsement(tpm, 'rsa');
    // The identifier is the library's: SHA-256 of the EK's SPKI, the same from the certificate or the TPM.
    const fromTpm = createHash('sha256')
      .update(await tpm.ekPublicKeyDer('rsa'))
      .digest('base64');
    expect(identifier).toBe(`urn:ek:sha256:${fromTpm}`);
    good = await enrolled('tpm-good', identifier);
    const device = good;
    await shows('tpm-good', 'NotAttested');

    const { challenge, akPublic } = await begin(device, tpm, 'rsa');
    expect(challenge.nonce).toHaveLength(32);
    expect(challenge.credentialBlob.length).toBeGreaterThan(0);
    expect(new Date(challenge.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const secret = await tpm.activateCredential(
      challenge.credentialBlob,
      challenge.encryptedSecret,
      akPublic,
    );
    const { quote, signature } = await tpm.quote(quoteQualifyingData(challenge.nonce, device.spki), akPublic);
    const answer = await device.authenticated().attest({
      attestationId: challenge.attestationId,
      activatedSecret: secret,
      quote,
      quoteSignature: signature,
    });
    expect(answer).toMatchObject({ attested: true, assurance: 'high', reason: 'Verified' });

    const shown = await shows('tpm-good', 'Verified');
    expect(shown?.status.attestation).toMatchObject({
      attested: true,
      format: 'tpm',
      authority: 'swtpm-vendor',
      reason: 'Verified',
    });
    const journal = await call<{
      items: Array<{ operation: string; result: string; actor: { type: string; name: string } }>;
    }>(handle.server, 'GET', '/api/v1/journal?kind=Device&name=tpm-good');
    expect(
      journal.body.items.map(
        (entry) => `${entry.operation}:${entry.result}:${entry.actor.type}:${entry.actor.name}`,
      ),
    ).toContain('attest:verified:device:tpm-good');

    // Used once: the same answer again is NotFound, and changes nothing.
    const replay = await refusal(
      device.authenticated().attest({
        attestationId: challenge.attestationId,
        activatedSecret: secret,
        quote,
        quoteSignature: signature,
      }),
    );
    expect(replay.code).toBe(Code.NotFound);
    expect((await shows('tpm-good', 'Verified'))?.status.assurance).toBe('high');
  });

  it('refuses an EK that chains to no authority (Chain) and an EK that is not the device’s (IdentifierMismatch)', async () => {
    // A TPM of a manufacturer no AttestationAuthority trusts.
    const foreign = await endorsement(foreignTpm, 'rsa');
    const device = await enrolled('tpm-foreign', foreign.identifier);
    const chain = await refusal(begin(device, foreignTpm, 'rsa'));
    expect(chain.code).toBe(Code.PermissionDenied);
    expect(chain.metadata.get('steward-check')).toBe('Chain');
    expect(chain.rawMessage).toMatch(/does not chain to AttestationAuthority anchors/);
    await shows('tpm-foreign', 'Chain');

    // The EK chains, but the device was enrolled under another EK identifier.
    const impostor = await enrolled('tpm-impostor', strangerIdentifier());
    const mismatch = await refusal(begin(impostor, tpm, 'rsa'));
    expect(mismatch.code).toBe(Code.PermissionDenied);
    expect(mismatch.metadata.get('steward-check')).toBe('IdentifierMismatch');
    await shows('tpm-impostor', 'IdentifierMismatch');

    // A device of another platform cannot attest as a TPM, even under the TPM's identifier.
    const { identifier } = await endorsement(foreignTpm, 'ecc');
    const linux = await enrolled('linux-claims-tpm', identifier, 'linux');
    const platform = await refusal(begin(linux, foreignTpm, 'ecc'));
    expect(platform.metadata.get('steward-check')).toBe('IdentifierMismatch');
    await shows('linux-claims-tpm', 'IdentifierMismatch');
    for (const agentOf of [device, impostor, linux]) agentOf.close();
  });

  it('refuses a wrong secret, a stale nonce, an expired challenge and a quote by another key', async () => {
    // The ECC (P-384) EK of the same TPM: another device identity that never attested.
    const { identifier } = await endorsement(tpm, 'ecc');
    const device = await enrolled('tpm-failing', identifier);
    const bind = (nonce: Uint8Array) => quoteQualifyingData(nonce, device.spki);
    const client = device.authenticated();

    // Activation: the secret is not what the TPM would have decrypted.
    {
      const { challenge, akPublic } = await begin(device, tpm, 'ecc');
      const { quote, signature } = await tpm.quote(bind(challenge.nonce), akPublic);
      const answer = await client.attest({
        attestationId: challenge.attestationId,
        activatedSecret: randomBytes(32),
        quote,
        quoteSignature: signature,
      });
      expect(answer).toMatchObject({ attested: false, assurance: 'normal', reason: 'Activation' });
      await shows('tpm-failing', 'Activation', answer.message);
    }
    // Nonce: the quote is over another nonce.
    {
      const { challenge, akPublic } = await begin(device, tpm, 'ecc');
      const secret = await tpm.activateCredential(
        challenge.credentialBlob,
        challenge.encryptedSecret,
        akPublic,
      );
      const { quote, signature } = await tpm.quote(bind(randomBytes(32)), akPublic);
      const answer = await client.attest({
        attestationId: challenge.attestationId,
        activatedSecret: secret,
        quote,
        quoteSignature: signature,
      });
      expect(answer).toMatchObject({ attested: false, assurance: 'normal', reason: 'Nonce' });
      await shows('tpm-failing', 'Nonce', answer.message);
    }
    // Nonce: a right answer to a challenge that expired (aged in the store as five minutes would).
    {
      const { challenge, akPublic } = await begin(device, tpm, 'ecc');
      const secret = await tpm.activateCredential(
        challenge.credentialBlob,
        challenge.encryptedSecret,
        akPublic,
      );
      const { quote, signature } = await tpm.quote(bind(challenge.nonce), akPublic);
      await handle.server.services.db
        .knex('device_attestation_challenges')
        .where({ id: challenge.attestationId })
        .update({ expires_at: new Date(Date.now() - 1000).toISOString() });
      const answer = await client.attest({
        attestationId: challenge.attestationId,
        activatedSecret: secret,
        quote,
        quoteSignature: signature,
      });
      expect(answer).toMatchObject({ attested: false, assurance: 'normal', reason: 'Nonce' });
      expect(answer.message).toMatch(/expired/);
      await shows('tpm-failing', 'Nonce', answer.message);
    }
    // Signature: activated with the AK of the challenge, quoted by a second AK of the same TPM.
    {
      const { challenge, akPublic } = await begin(device, tpm, 'ecc');
      const secret = await tpm.activateCredential(
        challenge.credentialBlob,
        challenge.encryptedSecret,
        akPublic,
      );
      const otherAk = await tpm.createAk({ ek: 'ecc', type: 'ecc' });
      const { quote, signature } = await tpm.quote(bind(challenge.nonce), otherAk);
      const answer = await client.attest({
        attestationId: challenge.attestationId,
        activatedSecret: secret,
        quote,
        quoteSignature: signature,
      });
      expect(answer).toMatchObject({ attested: false, assurance: 'normal', reason: 'Signature' });
      await shows('tpm-failing', 'Signature', answer.message);
    }
    const journal = await call<{
      items: Array<{ operation: string; result: string; actor: { type: string; name: string } }>;
    }>(handle.server, 'GET', '/api/v1/journal?kind=Device&name=tpm-failing');
    const attests = journal.body.items
      .filter((entry) => entry.operation === 'attest')
      .map((entry) => `${entry.result}:${entry.actor.type}:${entry.actor.name}`);
    expect(attests).toEqual(Array(4).fill('failed:device:tpm-failing'));
    device.close();
  });

  it('a challenge belongs to its device and tenant: another device, in A or in B, gets NotFound', async () => {
    // A fresh challenge of tpm-good (tenant A).
    const { challenge, akPublic } = await begin(good, tpm, 'rsa');
    const secret = await tpm.activateCredential(
      challenge.credentialBlob,
      challenge.encryptedSecret,
      akPublic,
    );
    const { quote, signature } = await tpm.quote(quoteQualifyingData(challenge.nonce, good.spki), akPublic);
    const answer = {
      attestationId: challenge.attestationId,
      activatedSecret: secret,
      quote,
      quoteSignature: signature,
    };

    // Another device of tenant A.
    const neighbour = await enrolled('host-neighbour', 'host-neighbour', 'linux');
    expect((await refusal(neighbour.authenticated().attest(answer))).code).toBe(Code.NotFound);

    // A device of tenant B with the same name as the owner.
    const created = await call(handle.server, 'POST', '/api/v1/tenants', {
      body: { name: 'attest-b', admin: { username: 'b-admin', password: PASSWORD } },
      token: handle.token,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const tokenB = await loginToken(handle.server, 'b-admin', PASSWORD, 'attest-b');
    await deviceCa(handle, tokenB, 'attest-b');
    const inB = await agent(handle, 'host-b', 'linux', 'tpm-good');
    expect(await inB.enroll((await enrollToken(handle, {}, tokenB)).token)).toBe(true);
    expect(inB.deviceName).toBe('tpm-good');
    const fromB = await refusal(inB.authenticated().attest(answer));
    expect(fromB.code).toBe(Code.NotFound);

    // Their attempts neither spent the challenge nor touched the owner: it still completes.
    expect(await good.authenticated().attest(answer)).toMatchObject({ attested: true, reason: 'Verified' });
    expect(await handle.server.services.deviceRecords.get('attest-b', 'tpm-good')).toMatchObject({
      attestation: null,
    });
    neighbour.close();
    inB.close();
  });
});
