import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidError } from '../../src/errors.js';
import { exportPrivateKey, KEY_ALGORITHMS } from '../../src/pki/key-algorithms.js';
import { toPem } from '../../src/pki/pem.js';
import { buildChain, type Chain, DAY_MS } from './chain-fixture.js';
import { openssl, type ScratchDirectory, scratchDirectory } from './openssl.js';

let scratch: ScratchDirectory;
beforeAll(async () => {
  scratch = await scratchDirectory();
});
afterAll(() => scratch.remove());

describe.each(KEY_ALGORITHMS)('a %s chain', (algorithm) => {
  const now = new Date();
  let chain: Chain;
  let rootFile: string;
  let intermediateFile: string;
  const prefix = algorithm.toLowerCase();

  beforeAll(async () => {
    chain = await buildChain(algorithm, now);
    rootFile = await scratch.write(`${prefix}-root.pem`, chain.root.pem);
    intermediateFile = await scratch.write(`${prefix}-intermediate.pem`, chain.intermediate.pem);
  });

  /** A CSR made by `openssl req` for the chain's leaf key, as `openssl` wrote it. */
  const opensslCsr = async (name: string, subject: string, form: 'PEM' | 'DER'): Promise<Buffer> => {
    const key = toPem('PRIVATE KEY', exportPrivateKey(chain.leafKey.privateKey));
    const keyFile = await scratch.write(`${prefix}-${name}.key`, key);
    const csrFile = `${scratch.path}/${prefix}-${name}.csr`;
    const made = await openssl([
      'req',
      '-new',
      '-key',
      keyFile,
      '-subj',
      subject,
      '-outform',
      form,
      '-out',
      csrFile,
    ]);
    expect(made.code, made.stderr).toBe(0);
    return readFile(csrFile);
  };
  const verify = (leafFile: string) =>
    openssl(['verify', '-CAfile', rootFile, '-untrusted', intermediateFile, leafFile]);

  it('issues a leaf for a public key that openssl verifies through the intermediate', async () => {
    const leaf = chain.issuer.issueForPublicKey(chain.leafKey.spki, {
      subject: { commonName: 'laptop-042', organization: 'Acme' },
      subjectAltNames: { uris: ['urn:steward:device:acme/laptop-042'], emails: ['ada@acme.example'] },
      profile: 'device',
      validityMs: 90 * DAY_MS,
      now,
    });
    const result = await verify(await scratch.write(`${prefix}-leaf.pem`, leaf.pem));
    expect(result.stdout + result.stderr).toContain(': OK');
    expect(result.code).toBe(0);
    expect(leaf.serialHex).toMatch(/^[0-9a-f]{32}$/);
    expect(leaf.notAfter.getTime() - leaf.notBefore.getTime()).toBe(90 * DAY_MS);
    expect(leaf.clipped).toBe(false);
  });

  it('issues a leaf for an openssl-made CSR that openssl verifies', async () => {
    const csrPem = (await opensslCsr('leaf', '/CN=ignored-by-the-ca', 'PEM')).toString('utf8');
    const leaf = chain.issuer.issueForCsr(csrPem, {
      subject: { commonName: 'server-1' },
      subjectAltNames: { dnsNames: ['server-1.acme.example'] },
      profile: 'server',
      validityMs: 30 * DAY_MS,
      now,
    });
    expect(leaf.subject).toBe('CN=server-1');
    const result = await verify(await scratch.write(`${prefix}-csr-leaf.pem`, leaf.pem));
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('refuses a CSR whose signature is broken', async () => {
    const der = await opensslCsr('broken', '/CN=tampered', 'DER');
    const tampered = Buffer.from(der);
    tampered[tampered.length - 3] ^= 0x01; // inside the signature value
    const request = { subject: { commonName: 'x' }, profile: 'client' as const, validityMs: DAY_MS, now };
    expect(() => chain.issuer.issueForCsr(tampered, request)).toThrow(InvalidError);
    expect(() => chain.issuer.issueForCsr(tampered, request)).toThrow(/signature does not verify/);
    expect(chain.issuer.issueForCsr(der, request).serialHex).toMatch(/^[0-9a-f]+$/);
  });
});
