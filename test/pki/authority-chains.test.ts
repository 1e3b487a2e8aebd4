/**
 * End to end, for every key algorithm: CertificateAuthority manifests applied through the API, keys
 * and certificates made by the reconciler, leaves issued and revoked through the API, and the
 * real openssl binary judging the chains, the extensions and the CRLs fetched from the public URL.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPrivateKey, KEY_ALGORITHMS, type KeyAlgorithm } from '../../src/pki/key-algorithms.js';
import { toPem } from '../../src/pki/pem.js';
import { call } from '../support/server.js';
import { cachedKeyPair } from './chain-fixture.js';
import { openssl, type ScratchDirectory, scratchDirectory } from './openssl.js';
import {
  apply,
  caManifest,
  getBytes,
  intermediateSpec,
  isReadyNow,
  PUBLIC_URL,
  rootSpec,
  usePkiServer,
  waitFor,
} from './pki-server.js';

const pki = usePkiServer();
let scratch: ScratchDirectory;

beforeAll(async () => {
  scratch = await scratchDirectory();
});
afterAll(async () => {
  await scratch?.remove();
});

interface IssuedBody {
  serial: string;
  certificate: string;
  chain: string;
  fingerprint: string;
  notAfter: string;
  clipped: boolean;
}

/** RSA-3072 keys take about a second to make: the RSA-3072 chain certifies an RSA-2048 leaf key. */
const leafAlgorithm = (algorithm: KeyAlgorithm): KeyAlgorithm =>
  algorithm === 'RSA-3072' ? 'RSA-2048' : algorithm;

describe.each(KEY_ALGORITHMS)('a %s hierarchy made by the reconciler', (algorithm) => {
  const prefix = algorithm.toLowerCase();
  const rootName = `${prefix}-root`;
  const issuingName = `${prefix}-issuing`;
  const files: Record<string, string> = {};

  const verify = (leaf: string, crl?: string) =>
    openssl([
      'verify',
      ...(crl ? ['-crl_check', '-CRLfile', crl] : []),
      '-CAfile',
      files.root,
      '-untrusted',
      files.intermediate,
      leaf,
    ]);

  beforeAll(async () => {
    await apply(pki, [
      caManifest(rootName, rootSpec(`Root ${algorithm}`, { keyAlgorithm: algorithm, maxPathLen: 1 })),
      caManifest(
        issuingName,
        intermediateSpec(rootName, `Issuing ${algorithm}`, { keyAlgorithm: algorithm, maxPathLen: 0 }),
      ),
    ]);
    await waitFor(pki, issuingName, isReadyNow, { timeoutMs: 30_000 });
  });

  it('publishes a root and an intermediate whose chain openssl accepts, with the status describing them', async () => {
    const rootChain = await call<string>(
      pki.server,
      'GET',
      `/api/v1/certificateauthorities/${rootName}/chain`,
      {
        token: pki.token,
      },
    );
    expect(rootChain.status).toBe(200);
    expect(rootChain.headers['content-type']).toContain('application/pem-certificate-chain');
    expect(rootChain.body.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    const chain = await call<string>(
      pki.server,
      'GET',
      `/api/v1/certificateauthorities/${issuingName}/chain`,
      {
        token: pki.token,
      },
    );
    const [intermediatePem] = chain.body.split(/(?<=-----END CERTIFICATE-----\n)/);
    expect(chain.body).toBe(`${intermediatePem}${rootChain.body}`);
    files.root = await scratch.write(`${prefix}-root.pem`, rootChain.body);
    files.intermediate = await scratch.write(`${prefix}-intermediate.pem`, intermediatePem);
    const checked = await openssl(['verify', '-CAfile', files.root, files.intermediate]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);

    const issuing = await pki.server.services.store.get({
      tenant: 'default',
      kind: 'CertificateAuthority',
      name: issuingName,
    });
    const der = Buffer.from(intermediatePem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    expect(issuing?.status).toMatchObject({
      fingerprint: createHash('sha256').update(der).digest('hex'),
      certificate: intermediatePem,
      keyAlgorithm: algorithm,
      subject: `CN=Issuing ${algorithm}`,
    });
    expect(issuing?.status.serial).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(String(issuing?.status.notAfter))).toBeGreaterThan(Date.now());
  });

  it('shows the CA extensions openssl expects on both CA certificates', async () => {
    const root = (await openssl(['x509', '-in', files.root, '-noout', '-text'])).stdout;
    expect(root).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    expect(root).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(root).toContain('X509v3 Subject Key Identifier');
    expect(root).toContain('X509v3 Authority Key Identifier');
    const intermediate = (await openssl(['x509', '-in', files.intermediate, '-noout', '-text'])).stdout;
    expect(intermediate).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(intermediate).toContain(`URI:${PUBLIC_URL}/pki/default/${rootName}/crl`);
  });

  it('issues a leaf for an openssl CSR that verifies through the chain, with the expected extensions', async () => {
    const leafKey = await cachedKeyPair(leafAlgorithm(algorithm), 'leaf');
    const keyFile = await scratch.write(
      `${prefix}-leaf.key`,
      toPem('PRIVATE KEY', exportPrivateKey(leafKey.privateKey)),
    );
    const csrFile = `${scratch.path}/${prefix}-leaf.csr`;
    const made = await openssl(['req', '-new', '-key', keyFile, '-subj', '/CN=ignored', '-out', csrFile]);
    expect(made.code, made.stderr).toBe(0);
    const issued = await call<IssuedBody>(
      pki.server,
      'POST',
      `/api/v1/certificateauthorities/${issuingName}/certificates`,
      {
        token: pki.token,
        body: {
          csr: await readFile(csrFile, 'utf8'),
          subject: { commonName: 'device-1', organization: 'Acme' },
          subjectAltNames: {
            uris: ['urn:steward:device:linux:device-1'],
            dnsNames: ['device-1.acme.example'],
          },
          profile: 'device',
          validity: '720h',
          owner: { kind: 'Device', name: 'device-1' },
        },
      },
    );
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect(issued.body.chain).toContain((await readFile(files.intermediate, 'utf8')).trim());
    files.leaf = await scratch.write(`${prefix}-leaf.pem`, issued.body.certificate);
    const result = await verify(files.leaf);
    expect(result.stdout + result.stderr).toContain(': OK');
    expect(result.code).toBe(0);

    const text = (await openssl(['x509', '-in', files.leaf, '-noout', '-text', '-serial'])).stdout;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
    expect(text).toMatch(
      /Extended Key Usage:\s+TLS Web Client Authentication, TLS Web Server Authentication/,
    );
    expect(text).toContain('URI:urn:steward:device:linux:device-1');
    expect(text).toContain('DNS:device-1.acme.example');
    expect(text).toContain(`URI:${PUBLIC_URL}/pki/default/${issuingName}/crl`);
    expect(text).toContain('Subject: O = Acme, CN = device-1');
    expect(text).toContain(`serial=${issued.body.serial.toUpperCase()}`);
    const intermediateText = (await openssl(['x509', '-in', files.intermediate, '-noout', '-text'])).stdout;
    const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(intermediateText)?.[1];
    expect(ski).toBeTruthy();
    expect(text).toMatch(new RegExp(`Authority Key Identifier:\\s*\\n\\s*(keyid:)?${ski}`));
  });

  it('revokes through the API, and openssl -crl_check with the public CRL rejects only the revoked leaf', async () => {
    const leafKey = await cachedKeyPair(leafAlgorithm(algorithm), 'leaf');
    const kept = await call<IssuedBody>(
      pki.server,
      'POST',
      `/api/v1/certificateauthorities/${issuingName}/certificates`,
      {
        token: pki.token,
        body: {
          publicKey: toPem('PUBLIC KEY', leafKey.spki),
          subject: { commonName: 'kept' },
          profile: 'client',
        },
      },
    );
    expect(kept.status).toBe(201);
    const keptFile = await scratch.write(`${prefix}-kept.pem`, kept.body.certificate);
    const serial = (await openssl(['x509', '-in', files.leaf, '-noout', '-serial'])).stdout
      .trim()
      .split('=')[1];
    const revoked = await call(pki.server, 'POST', `/api/v1/certificateauthorities/${issuingName}/revoke`, {
      token: pki.token,
      body: { serial, reason: 'keyCompromise' },
    });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body).toMatchObject({
      serial: serial.toLowerCase(),
      reason: 'keyCompromise',
      alreadyRevoked: false,
    });

    // Where the leaf's CRL distribution point says, without a credential.
    const crl = await getBytes(pki, `/pki/default/${issuingName}/crl`, null);
    expect(crl.status).toBe(200);
    expect(crl.contentType).toBe('application/pkix-crl');
    const crlFile = await scratch.write(`${prefix}.crl`, crl.body);
    const crlPem = await openssl(['crl', '-inform', 'DER', '-in', crlFile, '-out', `${crlFile}.pem`]);
    expect(crlPem.code, crlPem.stderr).toBe(0);
    const rejected = await verify(files.leaf, `${crlFile}.pem`);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stdout + rejected.stderr).toContain('certificate revoked');
    const accepted = await verify(keptFile, `${crlFile}.pem`);
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    const crlText = (await openssl(['crl', '-in', `${crlFile}.pem`, '-noout', '-text'])).stdout;
    expect(crlText).toContain('Key Compromise');

    const apiCrl = await getBytes(pki, `/api/v1/certificateauthorities/${issuingName}/crl`);
    expect(apiCrl.body.equals(crl.body)).toBe(true);
    const publicChain = await getBytes(pki, `/pki/default/${issuingName}/chain.pem`, null);
    expect(publicChain.status).toBe(200);
    expect(publicChain.body.toString()).toBe(
      (
        await call<string>(pki.server, 'GET', `/api/v1/certificateauthorities/${issuingName}/chain`, {
          token: pki.token,
        })
      ).body,
    );
  });
});
