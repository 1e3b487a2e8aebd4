/**
 * "Only devices whose identity was attested get this update": a rollout with requireAssurance:
 * high, over two TPM devices of which one attested its identity key with a real software TPM
 * (swtpm). The attested device is assigned; the other is counted ineligible (Assurance) and is
 * never told anything.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ekIdentifier } from '../../src/attestation/ek-identifier.js';
import { quoteQualifyingData } from '../../src/attestation/tpm-attestation.js';
import type { DeviceAgent } from '../../src/device-agent/agent.js';
import { agent, deviceCa, enrollToken } from '../device-api/device-fleet.js';
import { apply, usePkiServer, waitFor } from '../pki/pki-server.js';
import { SoftwareTpm } from '../support/swtpm.js';
import { artifactManifest, checkInRound, rolloutManifest, rolloutWhere } from './support.js';

const missing = SoftwareTpm.missingPrograms();
const title =
  missing.length === 0
    ? 'rollouts that require attested devices'
    : `rollouts that require attested devices — SKIPPED: ${missing.join(', ')} not installed (.ci/run installs swtpm, swtpm-tools, tpm2-tools, libtss2-tcti-swtpm0)`;

const handle = usePkiServer();

describe.skipIf(missing.length > 0)(title, { timeout: 60_000 }, () => {
  let attestedTpm: SoftwareTpm;
  let otherTpm: SoftwareTpm;
  const agents: DeviceAgent[] = [];

  beforeAll(async () => {
    [attestedTpm, otherTpm] = await Promise.all([SoftwareTpm.start(), SoftwareTpm.start()]);
  }, 40_000);

  afterAll(async () => {
    for (const device of agents) device.close();
    await Promise.all([attestedTpm?.stop(), otherTpm?.stop()]);
  });

  it('assigns the attested device only; the other is ineligible for Assurance', async () => {
    await deviceCa(handle);
    await apply(handle, [
      {
        apiVersion: 'steward.dev/v1',
        kind: 'AttestationAuthority',
        metadata: { name: 'swtpm-vendor' },
        spec: { format: 'tpm', roots: [attestedTpm.manufacturerRootPem] },
      },
    ]);
    await waitFor(handle, 'swtpm-vendor', (r) => r?.status.conditions?.[0]?.status === 'True', {
      kind: 'AttestationAuthority',
    });
    const { token } = await enrollToken(handle, { maxUses: 2, labels: { fleet: 'trusted' } });
    for (const [name, tpm] of [
      ['tpm-attested', attestedTpm],
      ['tpm-plain', otherTpm],
    ] as const) {
      const identifier = ekIdentifier(new X509Certificate(await tpm.ekCertificateDer('rsa')).publicKey);
      const device = await agent(handle, identifier, 'tpm', name);
      expect(await device.enroll(token)).toBe(true);
      agents.push(device);
    }
    // tpm-attested proves its identity key lives in its TPM: credential activation and a quote.
    const [attested] = agents;
    const akPublic = await attestedTpm.createAk({ ek: 'rsa', type: 'rsa' });
    const challenge = await attested.authenticated().beginAttestation({
      format: 'tpm',
      ekCertificate: await attestedTpm.ekCertificateDer('rsa'),
      akPublic,
    });
    const secret = await attestedTpm.activateCredential(
      challenge.credentialBlob,
      challenge.encryptedSecret,
      akPublic,
    );
    const { quote, signature } = await attestedTpm.quote(
      quoteQualifyingData(challenge.nonce, attested.spki),
      akPublic,
    );
    const answer = await attested.authenticated().attest({
      attestationId: challenge.attestationId,
      activatedSecret: secret,
      quote,
      quoteSignature: signature,
    });
    expect(answer).toMatchObject({ attested: true, assurance: 'high' });
    await waitFor(handle, 'tpm-attested', (r) => r?.status.assurance === 'high', { kind: 'Device' });

    await apply(handle, [
      artifactManifest('firmware-9', '9.0.0', ['tpm']),
      rolloutManifest(
        'trusted-only',
        'firmware-9',
        'trusted',
        { waves: [{ percent: 100 }] },
        { requireAssurance: 'high' },
      ),
    ]);
    const started = await rolloutWhere(handle, 'trusted-only', (s) => s.totals?.assigned === 1);
    expect(started.totals).toMatchObject({ targeted: 2, ineligible: 1 });
    expect(started.ineligibleReasons).toEqual({ Assurance: 1 });
    expect(await checkInRound(agents)).toEqual(['tpm-attested#1']);
    const done = await rolloutWhere(handle, 'trusted-only', (s) => s.phase === 'Completed');
    expect(done.totals).toMatchObject({ succeeded: 1, failed: 0 });
  });
});
