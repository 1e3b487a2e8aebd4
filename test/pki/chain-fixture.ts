/** Test support: root → intermediate CA chains for one key algorithm, keys generated once per process. */
import { createIntermediateCertificate, createRootCertificate } from '../../src/pki/ca-certificate.js';
import { type CaCredentials, loadCaCredentials } from '../../src/pki/ca-credentials.js';
import type { IssuedCertificate } from '../../src/pki/certificate-assembly.js';
import { LeafIssuer } from '../../src/pki/issuer.js';
import { generateKeyPair, type KeyAlgorithm, type KeyPair } from '../../src/pki/key-algorithms.js';

export const DAY_MS = 86_400_000;
export const PUBLIC_URL = 'https://steward.example';

const keyCache = new Map<string, Promise<KeyPair>>();

/** A key pair per (algorithm, role), generated once: RSA-3072 generation takes about a second. */
export function cachedKeyPair(algorithm: KeyAlgorithm, role: string): Promise<KeyPair> {
  const cacheKey = `${algorithm}/${role}`;
  let pair = keyCache.get(cacheKey);
  if (!pair) {
    pair = generateKeyPair(algorithm);
    keyCache.set(cacheKey, pair);
  }
  return pair;
}

export interface Chain {
  root: IssuedCertificate;
  rootCa: CaCredentials;
  intermediate: IssuedCertificate;
  intermediateCa: CaCredentials;
  issuer: LeafIssuer;
  leafKey: KeyPair;
}

export async function buildChain(
  algorithm: KeyAlgorithm,
  now: Date,
  options: { rootPathLen?: number } = {},
): Promise<Chain> {
  const [rootKey, intermediateKey, leafKey] = await Promise.all(
    ['root', 'intermediate', 'leaf'].map((role) => cachedKeyPair(algorithm, role)),
  );
  const root = await createRootCertificate({
    subject: { commonName: `Steward Test Root ${algorithm}`, organization: 'Steward Tests', country: 'DE' },
    privateKey: rootKey.privateKey,
    validityMs: 3650 * DAY_MS,
    maxPathLen: options.rootPathLen ?? 1,
    now,
  });
  const rootCa = loadCaCredentials(root.pem, rootKey.privateKey);
  const intermediate = await createIntermediateCertificate({
    subject: { commonName: `Steward Test Devices ${algorithm}`, organization: 'Steward Tests' },
    publicKey: intermediateKey.spki,
    validityMs: 1825 * DAY_MS,
    parent: rootCa,
    crlUrl: `${PUBLIC_URL}/pki/acme/root-ca/crl`,
    now,
  });
  const intermediateCa = loadCaCredentials(intermediate.der, intermediateKey.privateKey);
  const issuer = new LeafIssuer(intermediateCa, { crlUrl: `${PUBLIC_URL}/pki/acme/devices-ca/crl` });
  return { root, rootCa, intermediate, intermediateCa, issuer, leafKey };
}
