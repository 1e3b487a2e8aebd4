import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntermediateCertificate, createRootCertificate } from '../../src/pki/ca-certificate.js';
import { loadCaCredentials } from '../../src/pki/ca-credentials.js';
import type { IssuedCertificate } from '../../src/pki/certificate-assembly.js';
import { readCertificate } from '../../src/pki/certificate-reader.js';
import { LeafIssuer } from '../../src/pki/issuer.js';
import { buildChain, type Chain, cachedKeyPair, DAY_MS, PUBLIC_URL } from './chain-fixture.js';
import { openssl, type ScratchDirectory, scratchDirectory } from './openssl.js';

let scratch: ScratchDirectory;
let chain: Chain;
const now = new Date();

beforeAll(async () => {
  scratch = await scratchDirectory();
  chain = await buildChain('ECDSA-P256', now);
});
afterAll(() => scratch.remove());

async function text(certificate: IssuedCertificate): Promise<string> {
  const file = await scratch.write(`${certificate.serialHex}.pem`, certificate.pem);
  const result = await openssl(['x509', '-in', file, '-noout', '-text']);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

function colonHex(bytes: Buffer): string {
  return bytes.toString('hex').toUpperCase().match(/../g)!.join(':');
}

describe('what openssl x509 -text shows', () => {
  it('a device leaf has CA:FALSE, digitalSignature, both EKUs, the identifier URI SAN, CRL DP, SKI and AKI', async () => {
    const leaf = chain.issuer.issueForPublicKey(chain.leafKey.spki, {
      subject: { commonName: 'C02XK1ZZJG5H', organization: 'Acme' },
      subjectAltNames: {
        uris: ['urn:steward:device:C02XK1ZZJG5H'],
        dnsNames: ['mac-1.acme.example'],
        ipAddresses: ['192.0.2.7', '2001:db8::1', '::ffff:192.0.2.1'],
      },
      profile: 'device',
      validityMs: 30 * DAY_MS,
      now,
    });
    const output = await text(leaf);
    expect(output).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(output).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(output).toMatch(
      /X509v3 Extended Key Usage:\s*\n\s+TLS Web Client Authentication, TLS Web Server Authentication/,
    );
    expect(output).toContain('URI:urn:steward:device:C02XK1ZZJG5H');
    expect(output).toContain('DNS:mac-1.acme.example');
    expect(output).toContain(
      'IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:C000:201',
    );
    expect(output).toMatch(
      /CRL Distribution Points:\s*\n\s+Full Name:\s*\n\s+URI:https:\/\/steward\.example\/pki\/acme\/devices-ca\/crl/,
    );
    const leafFacts = readCertificate(leaf.der);
    expect(output).toMatch(
      new RegExp(`Subject Key Identifier:\\s*\\n\\s+${colonHex(leafFacts.subjectKeyIdentifier!)}`),
    );
    expect(output).toMatch(
      new RegExp(`Authority Key Identifier:\\s*\\n\\s+${colonHex(chain.intermediateCa.keyIdentifier)}`),
    );
  });

  it('a server leaf for an RSA key adds keyEncipherment; a client leaf has clientAuth only', async () => {
    const rsaKey = await cachedKeyPair('RSA-2048', 'leaf');
    const server = chain.issuer.issueForPublicKey(rsaKey.spki, {
      subject: { commonName: 'api' },
      profile: 'server',
      validityMs: DAY_MS,
      now,
    });
    expect(await text(server)).toMatch(
      /Key Usage: critical\s+Digital Signature, Key Encipherment\n[\s\S]*TLS Web Server Authentication\n/,
    );
    const client = chain.issuer.issueForPublicKey(rsaKey.spki, {
      subject: { commonName: 'ci' },
      profile: 'client',
      validityMs: DAY_MS,
      now,
    });
    const clientText = await text(client);
    expect(clientText).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(clientText).toMatch(/Extended Key Usage:\s*\n\s+TLS Web Client Authentication\n/);
  });

  it('a root has CA:TRUE with its pathlen, certificate and CRL signing, and AKI equal to its SKI', async () => {
    const output = await text(chain.root);
    expect(output).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    expect(output).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    const ski = colonHex(chain.rootCa.keyIdentifier);
    expect(output).toMatch(new RegExp(`Subject Key Identifier:\\s*\\n\\s+${ski}`));
    expect(output).toMatch(new RegExp(`Authority Key Identifier:\\s*\\n\\s+${ski}`));
    expect(output).not.toContain('CRL Distribution Points');
  });

  it('an intermediate inherits pathlen parent-1 and points at its parent CRL', async () => {
    const output = await text(chain.intermediate);
    expect(output).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(output).toContain(`URI:${PUBLIC_URL}/pki/acme/root-ca/crl`);
  });

  it('serial, SHA-256 fingerprint, RFC 2253 subject and dates match what openssl reads', async () => {
    const leaf = chain.issuer.issueForPublicKey(chain.leafKey.spki, {
      subject: {
        commonName: 'a,b+c',
        organizationalUnit: 'Fleet',
        organization: 'Acme',
        locality: 'Berlin',
        province: 'BE',
        country: 'DE',
      },
      profile: 'client',
      validityMs: 7 * DAY_MS,
      now,
    });
    const file = await scratch.write('facts.pem', leaf.pem);
    const result = await openssl([
      'x509',
      '-in',
      file,
      '-noout',
      '-serial',
      '-fingerprint',
      '-sha256',
      '-subject',
      '-nameopt',
      'RFC2253',
      '-dates',
    ]);
    expect(result.stdout).toContain(`serial=${leaf.serialHex.toUpperCase()}`);
    expect(result.stdout).toContain(`Fingerprint=${colonHex(Buffer.from(leaf.sha256Fingerprint, 'hex'))}`);
    expect(result.stdout).toContain(`subject=${leaf.subject}`);
    expect(leaf.subject).toBe('CN=a\\,b\\+c,OU=Fleet,O=Acme,L=Berlin,ST=BE,C=DE');
    const notAfter = /notAfter=(.*)/.exec(result.stdout)![1];
    expect(new Date(notAfter).getTime()).toBe(leaf.notAfter.getTime());
  });
});

describe('encodings at the edges', () => {
  it('a chain mixing P-384, Ed25519 and RSA keys verifies', async () => {
    const [rootKey, intermediateKey, leafKey] = await Promise.all([
      cachedKeyPair('ECDSA-P384', 'root'),
      cachedKeyPair('Ed25519', 'intermediate'),
      cachedKeyPair('RSA-2048', 'leaf'),
    ]);
    const root = await createRootCertificate({
      subject: { commonName: 'Mixed Root' },
      privateKey: rootKey.privateKey,
      validityMs: 365 * DAY_MS,
      now,
    });
    const intermediate = await createIntermediateCertificate({
      subject: { commonName: 'Mixed Intermediate' },
      publicKey: intermediateKey.publicKey,
      validityMs: 180 * DAY_MS,
      parent: loadCaCredentials(root.pem, rootKey.privateKey),
      now,
    });
    const issuer = new LeafIssuer(loadCaCredentials(intermediate.pem, intermediateKey.privateKey));
    const leaf = issuer.issueForPublicKey(leafKey.publicKey, {
      subject: { commonName: 'mixed' },
      profile: 'server',
      validityMs: DAY_MS,
      now,
    });
    const files = await Promise.all([
      scratch.write('mixed-root.pem', root.pem),
      scratch.write('mixed-int.pem', intermediate.pem),
      scratch.write('mixed-leaf.pem', leaf.pem),
    ]);
    const result = await openssl(['verify', '-CAfile', files[0], '-untrusted', files[1], files[2]]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('a root valid past 2049 is written with GeneralizedTime and read back exactly', async () => {
    const rootKey = await cachedKeyPair('ECDSA-P256', 'root');
    const root = await createRootCertificate({
      subject: { commonName: 'Long Root' },
      privateKey: rootKey.privateKey,
      validityMs: 40 * 365 * DAY_MS,
      now,
    });
    expect(root.notAfter.getUTCFullYear()).toBeGreaterThanOrEqual(2050);
    const file = await scratch.write('long-root.pem', root.pem);
    const result = await openssl(['x509', '-in', file, '-noout', '-enddate']);
    expect(new Date(result.stdout.replace('notAfter=', '').trim()).getTime()).toBe(root.notAfter.getTime());
    expect(readCertificate(root.pem).notAfter.getTime()).toBe(root.notAfter.getTime());
    const verified = await openssl(['verify', '-CAfile', file, file]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('a subject and SAN list long enough for multi-byte DER lengths still verifies', async () => {
    const leaf = chain.issuer.issueForPublicKey(chain.leafKey.spki, {
      subject: {
        commonName: 'x'.repeat(64),
        organization: 'é'.repeat(64),
        organizationalUnit: 'u'.repeat(64),
      },
      subjectAltNames: {
        dnsNames: Array.from({ length: 40 }, (_, index) => `host-${index}.${'d'.repeat(50)}.example`),
      },
      profile: 'server',
      validityMs: DAY_MS,
      now,
    });
    // Above 255 bytes the SAN, extension list and TBS need two-byte long-form lengths.
    expect(leaf.der.length).toBeGreaterThan(2_000);
    const files = await Promise.all([
      scratch.write('big-root.pem', chain.root.pem),
      scratch.write('big-int.pem', chain.intermediate.pem),
      scratch.write('big-leaf.pem', leaf.pem),
    ]);
    const result = await openssl(['verify', '-CAfile', files[0], '-untrusted', files[1], files[2]]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});
