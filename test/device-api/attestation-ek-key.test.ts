/**
 * A TPM without an EK certificate (the EK inventory model): it sends its EK public key, accepted
 * only by an AttestationAuthority with allowEkPublicKeyWithoutCertificate and only when the key is
 * the one the device's identifier names. Real swtpm, real device API.
 */

import { createPublicKey } from 'node:crypto';
import { Code } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ekIdentifier } from '../../src/attestation/ek-identifier.js';
import { quoteQualifyingData } from '../../src/attestation/tpm-attestation.js';
import { apply, usePkiServer, waitFor } from '../pki/pki-server.js';
import { SoftwareTpm } from '../support/swtpm.js';
import { agent, deviceCa, enrollToken, refusal } from './device-fleet.js';

const missing = SoftwareTpm.missingPrograms();
const handle = usePkiServer();

function authority(name: string, rootPem: string, allow: boolean) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'AttestationAuthority',
    metadata: { name },
    spec: { format: 'tpm', roots: [rootPem], allowEkPublicKeyWithoutCertificate: allow },
  };
}

describe.skipIf(missing.length > 0)(
  `attestation with a bare EK public key${missing.length ? ` — SKIPPED: ${missing.join(', ')} missing` : ''}`,
  { timeout: 40_000 },
  () => {
    let tpm: SoftwareTpm;
    beforeAll(async () => {
      tpm = await SoftwareTpm.start();
      await deviceCa(handle);
    }, 40_000);
    afterAll(async () => {
      await tpm?.stop();
    });

    it('is refused (Chain) unless an authority allows it; then verified when it is the identifier’s key', async () => {
      const ekPublicKey = await tpm.ekPublicKeyDer('rsa');
      const identifier = ekIdentifier(createPublicKey({ key: ekPublicKey, format: 'der', type: 'spki' }));
      // Registered by an operator first: the EK inventory. A device that registers itself by enrolling
      // is never trusted on a bare key (below).
      await apply(handle, [
        {
          apiVersion: 'steward.dev/v1',
          kind: 'Device',
          metadata: { name: 'inventory-tpm' },
          spec: {
            platform: 'tpm',
            permanentIdentifier: identifier,
            identity: { caRef: { name: 'devices' } },
          },
        },
      ]);
      const device = await agent(handle, identifier, 'tpm', 'inventory-tpm');
      expect(await device.enroll((await enrollToken(handle)).token)).toBe(true);

      await apply(handle, [authority('strict-vendor', tpm.manufacturerRootPem, false)]);
      await waitFor(handle, 'strict-vendor', (resource) => Boolean(resource?.status.conditions?.length), {
        kind: 'AttestationAuthority',
      });
      const akPublic = await tpm.createAk({ ek: 'rsa', type: 'rsa' });
      const refused = await refusal(
        device.authenticated().beginAttestation({ format: 'tpm', ekPublicKey, akPublic }),
      );
      expect(refused.code).toBe(Code.PermissionDenied);
      expect(refused.rawMessage).toMatch(/Chain/);

      await apply(handle, [authority('inventory', tpm.manufacturerRootPem, true)]);
      await waitFor(
        handle,
        'inventory',
        (resource) =>
          resource?.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
        { kind: 'AttestationAuthority' },
      );
      const challenge = await device
        .authenticated()
        .beginAttestation({ format: 'tpm', ekPublicKey, akPublic });
      const secret = await tpm.activateCredential(
        challenge.credentialBlob,
        challenge.encryptedSecret,
        akPublic,
      );
      const { quote, signature } = await tpm.quote(
        quoteQualifyingData(challenge.nonce, device.spki),
        akPublic,
      );
      const answer = await device.authenticated().attest({
        attestationId: challenge.attestationId,
        activatedSecret: secret,
        quote,
        quoteSignature: signature,
      });
      expect(answer).toMatchObject({ attested: true, assurance: 'high', reason: 'Verified' });

      // Another EK's public key never passes for this device, even where bare keys are allowed.
      const other = await tpm.ekPublicKeyDer('ecc');
      const mismatch = await refusal(
        device.authenticated().beginAttestation({ format: 'tpm', ekPublicKey: other, akPublic }),
      );
      expect(mismatch.rawMessage).toMatch(/IdentifierMismatch/);

      // A device that registered itself with its own EK digest is refused on a bare key.
      const selfMade = await agent(
        handle,
        ekIdentifier(createPublicKey({ key: other, format: 'der', type: 'spki' })),
        'tpm',
        'self-registered',
      );
      expect(await selfMade.enroll((await enrollToken(handle)).token)).toBe(true);
      const selfAk = await tpm.createAk({ ek: 'ecc', type: 'ecc' });
      const selfRefused = await refusal(
        selfMade.authenticated().beginAttestation({ format: 'tpm', ekPublicKey: other, akPublic: selfAk }),
      );
      expect(selfRefused.rawMessage).toMatch(/registered itself/);
      device.close();
      selfMade.close();
    });
  },
);
