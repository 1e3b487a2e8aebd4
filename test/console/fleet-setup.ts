/**
 * What the Fleet console tests need beyond the sample fleet, made through the real APIs: devices
 * that enrolled over the mTLS device API (one attested with an Apple attestation chain the test
 * signs itself, as no Apple device is at hand; one waiting for manual approval) and a certificate
 * issued from a public key.
 */
import 'reflect-metadata';
import { createHash, generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { expect } from 'vitest';
import { AppleOid } from '../../src/attestation/apple-attestation.js';
import { DeviceAgent } from '../../src/device-agent/agent.js';
import type { StewardServer } from '../../src/server.js';
import { call } from '../support/server.js';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' } as const;
export const ISSUING_CA = 'fleet-issuing';
export const TEST_AUTHORITY = 'console-test-apple';

type Resource = {
  status: Record<string, unknown> & { conditions?: Array<{ type: string; status: string }> };
};

/** Polls a resource until `done` holds (the engine reconciles in the background). */
export async function waitForResource(
  server: StewardServer,
  path: string,
  done: (resource: Resource) => boolean,
  timeoutMs = 30_000,
): Promise<Resource> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await call<Resource>(server, 'GET', path);
    if (reply.status === 200 && done(reply.body)) return reply.body;
    if (Date.now() > deadline) throw new Error(`${path} did not get there: ${JSON.stringify(reply.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const isReady = (resource: Resource) =>
  resource.status.conditions?.some((item) => item.type === 'Ready' && item.status === 'True') ?? false;

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** A root and intermediate standing in for Apple's, and an AttestationAuthority trusting the root. */
export async function appleAuthority(server: StewardServer) {
  const rootKeys = await keyPair();
  const caExtensions = (pathLength?: number) => [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Console Test Attestation Root CA',
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2044-01-01T00:00:00Z'),
    keys: rootKeys,
    signingAlgorithm: ALGORITHM,
    extensions: caExtensions(),
  });
  const intermediateKeys = await keyPair();
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=Console Test Attestation Sub CA',
    issuer: root.subject,
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: caExtensions(0),
  });
  const applied = await call(server, 'POST', '/api/v1/apply', {
    body: {
      apiVersion: 'steward.dev/v1',
      kind: 'AttestationAuthority',
      metadata: { name: TEST_AUTHORITY },
      spec: { format: 'apple', roots: [root.toString('pem')] },
    },
  });
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  await waitForResource(server, `/api/v1/attestationauthorities/${TEST_AUTHORITY}`, isReady);
  return { intermediate, intermediateKeys };
}

export async function enrollToken(server: StewardServer, approval: 'auto' | 'manual'): Promise<string> {
  const reply = await call<{ token: string }>(server, 'POST', '/api/v1/enroll-tokens', {
    body: { caRef: ISSUING_CA, maxUses: 10, approval },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body.token;
}

export async function deviceAgent(server: StewardServer, platform: string, identifier: string, name: string) {
  const api = server.deviceApi;
  if (!api) throw new Error('the test server runs no device API');
  return DeviceAgent.create({
    url: api.server.url,
    trustPem: api.server.trustPem,
    platform,
    identifier,
    name,
  });
}

/**
 * An Apple device that enrolls, reports its installed version and attests: the leaf certifies the
 * device's identity key with its serial number and the server's nonce, as Apple's MDA does.
 */
export async function attestedMac(server: StewardServer, token: string, name: string, serial: string) {
  const authority = await appleAuthority(server);
  const device = await deviceAgent(server, 'apple', serial, name);
  expect(await device.enroll(token)).toBe(true);
  await device.checkIn({ installed: { artifact: 'edge-agent', version: '2.4.1' } });
  const challenge = await device.authenticated().beginAttestation({ format: 'apple' });
  const identityKey = await webcrypto.subtle.importKey(
    'spki',
    device.spki,
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['verify'],
  );
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '03',
    subject: `CN=${serial}`,
    issuer: authority.intermediate.subject,
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    publicKey: identityKey,
    signingKey: authority.intermediateKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.Extension(AppleOid.nonce, false, createHash('sha256').update(challenge.nonce).digest()),
      new x509.Extension(AppleOid.serialNumber, false, Buffer.from(serial)),
    ],
  });
  const answer = await device.authenticated().attest({
    attestationId: challenge.attestationId,
    certificateChain: [new Uint8Array(leaf.rawData), new Uint8Array(authority.intermediate.rawData)],
  });
  expect(answer, answer.message).toMatchObject({ attested: true, assurance: 'high' });
  return device;
}

/** A client certificate issued by the CA for a fresh public key; answers its serial. */
export async function issueCertificate(server: StewardServer, commonName: string): Promise<string> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const reply = await call<{ serial: string }>(
    server,
    'POST',
    `/api/v1/certificateauthorities/${ISSUING_CA}/certificates`,
    {
      body: {
        publicKey: publicKey.export({ type: 'spki', format: 'pem' }),
        subject: { commonName },
        profile: 'client',
      },
    },
  );
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body.serial;
}
