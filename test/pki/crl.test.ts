import 'reflect-metadata';
import { X509Crl } from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidError } from '../../src/errors.js';
import type { IssuedCertificate } from '../../src/pki/certificate-assembly.js';
import { buildCrl, type RevocationReason } from '../../src/pki/crl.js';
import { buildChain, type Chain, DAY_MS } from './chain-fixture.js';
import { openssl, type ScratchDirectory, scratchDirectory } from './openssl.js';

let scratch: ScratchDirectory;
let chain: Chain;
let revoked: IssuedCertificate;
let kept: IssuedCertificate;
const now = new Date();
const leafRequest = {
  subject: { commonName: 'dev' },
  profile: 'device' as const,
  validityMs: 30 * DAY_MS,
  now,
};

beforeAll(async () => {
  scratch = await scratchDirectory();
  chain = await buildChain('ECDSA-P256', now);
  revoked = chain.issuer.issueForPublicKey(chain.leafKey.spki, leafRequest);
  kept = chain.issuer.issueForPublicKey(chain.leafKey.spki, leafRequest);
});
afterAll(() => scratch.remove());

function crlOf(entries: { serialHex: string; reason?: RevocationReason }[], crlNumber = 7) {
  return buildCrl({
    ca: chain.intermediateCa,
    revoked: entries.map((entry) => ({ ...entry, revokedAt: now })),
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + DAY_MS),
    crlNumber,
  });
}

describe('CRLs checked by openssl verify -crl_check', () => {
  it('rejects the revoked leaf and accepts the one not revoked', async () => {
    const crl = await crlOf([{ serialHex: revoked.serialHex, reason: 'keyCompromise' }]);
    const [root, intermediate, crlFile, revokedFile, keptFile] = await Promise.all([
      scratch.write('root.pem', chain.root.pem),
      scratch.write('intermediate.pem', chain.intermediate.pem),
      scratch.write('crl.pem', crl.pem),
      scratch.write('revoked.pem', revoked.pem),
      scratch.write('kept.pem', kept.pem),
    ]);
    const verify = (leaf: string) =>
      openssl([
        'verify',
        '-crl_check',
        '-CRLfile',
        crlFile,
        '-CAfile',
        root,
        '-untrusted',
        intermediate,
        leaf,
      ]);
    const rejected = await verify(revokedFile);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stdout + rejected.stderr).toContain('certificate revoked');
    const accepted = await verify(keptFile);
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
  });

  it('an empty CRL is well-formed and lets every leaf pass', async () => {
    const crl = await crlOf([], 1);
    const files = await Promise.all([
      scratch.write('empty-crl.der', crl.der),
      scratch.write('root2.pem', chain.root.pem),
      scratch.write('intermediate2.pem', chain.intermediate.pem),
      scratch.write('revoked2.pem', revoked.pem),
    ]);
    const text = await openssl(['crl', '-inform', 'DER', '-in', files[0], '-noout', '-text']);
    expect(text.stdout).toContain('No Revoked Certificates');
    const pem = await scratch.write('empty-crl.pem', crl.pem);
    const result = await openssl([
      'verify',
      '-crl_check',
      '-CRLfile',
      pem,
      '-CAfile',
      files[1],
      '-untrusted',
      files[2],
      files[3],
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('shows version 2, the CRL number, the AKI and each reason by its RFC 5280 name', async () => {
    const crl = await crlOf(
      [
        { serialHex: revoked.serialHex, reason: 'superseded' },
        { serialHex: kept.serialHex, reason: 'cessationOfOperation' },
        { serialHex: '0a', reason: 'unspecified' },
      ],
      42,
    );
    const file = await scratch.write('reasons.pem', crl.pem);
    const { stdout } = await openssl(['crl', '-in', file, '-noout', '-text']);
    expect(stdout).toContain('Version 2 (0x1)');
    expect(stdout).toMatch(/X509v3 CRL Number:\s*\n\s+42/);
    expect(stdout).toContain(
      chain.intermediateCa.keyIdentifier.toString('hex').toUpperCase().match(/../g)!.join(':'),
    );
    expect(stdout).toContain('Superseded');
    expect(stdout).toContain('Cessation Of Operation');
    expect(stdout).toContain(`Serial Number: ${revoked.serialHex.toUpperCase()}`);
    expect(stdout).toContain('Serial Number: 0A');
    expect(crl.crlNumber).toBe(42n);
  });

  it.each([
    { name: 'a serial that is not hex', entry: { serialHex: 'xyz' }, message: /positive hex serial/ },
    { name: 'a zero serial', entry: { serialHex: '00' }, message: /positive hex serial/ },
    {
      name: 'an unknown reason',
      entry: { serialHex: '01', reason: 'lostIt' as RevocationReason },
      message: /unknown revocation reason/,
    },
  ])('a CRL entry with $name is refused', async ({ entry, message }) => {
    await expect(crlOf([entry])).rejects.toThrow(InvalidError);
    await expect(crlOf([entry])).rejects.toThrow(message);
  });

  it('a CRL whose nextUpdate is not after thisUpdate is refused', async () => {
    await expect(
      buildCrl({ ca: chain.intermediateCa, revoked: [], thisUpdate: now, nextUpdate: now, crlNumber: 1 }),
    ).rejects.toThrow(/nextUpdate/);
  });

  it.each(['ECDSA-P384', 'Ed25519', 'RSA-2048'] as const)(
    'is signed by a %s CA, its issuer the CA subject byte for byte, and openssl verifies it',
    async (algorithm) => {
      const other = await buildChain(algorithm, now);
      const leaf = other.issuer.issueForPublicKey(other.leafKey.spki, leafRequest);
      const crl = await buildCrl({
        ca: other.intermediateCa,
        revoked: [{ serialHex: leaf.serialHex, revokedAt: now, reason: 'keyCompromise' }],
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + DAY_MS),
        crlNumber: 3,
      });
      const parsed = new X509Crl(crl.der);
      expect(Buffer.from(parsed.issuerName.toArrayBuffer())).toEqual(
        other.intermediateCa.certificate.subjectName,
      );
      const [root, intermediate, crlFile, leafFile] = await Promise.all([
        scratch.write(`${algorithm}-root.pem`, other.root.pem),
        scratch.write(`${algorithm}-intermediate.pem`, other.intermediate.pem),
        scratch.write(`${algorithm}-crl.pem`, crl.pem),
        scratch.write(`${algorithm}-leaf.pem`, leaf.pem),
      ]);
      const result = await openssl([
        'verify',
        '-crl_check',
        '-CRLfile',
        crlFile,
        '-CAfile',
        root,
        '-untrusted',
        intermediate,
        leafFile,
      ]);
      expect(result.stdout + result.stderr).toContain('certificate revoked');
    },
  );
});
