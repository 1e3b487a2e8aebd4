import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidError, TerminalError } from '../../src/errors.js';
import {
  allowedPathLen,
  createIntermediateCertificate,
  createRootCertificate,
} from '../../src/pki/ca-certificate.js';
import { loadCaCredentials } from '../../src/pki/ca-credentials.js';
import { LeafIssuer } from '../../src/pki/issuer.js';
import { buildChain, type Chain, cachedKeyPair, DAY_MS } from './chain-fixture.js';
import { openssl, type ScratchDirectory, scratchDirectory } from './openssl.js';

let scratch: ScratchDirectory;
let chain: Chain;
const now = new Date();
const leafRequest = { subject: { commonName: 'dev' }, profile: 'device' as const, validityMs: DAY_MS, now };

beforeAll(async () => {
  scratch = await scratchDirectory();
  chain = await buildChain('ECDSA-P256', now);
});
afterAll(() => scratch.remove());

describe('validity clipping', () => {
  it('a leaf that would outlive its CA ends at the CA notAfter, says it was clipped, and verifies', async () => {
    const rootKey = await cachedKeyPair('ECDSA-P256', 'root');
    const shortRoot = await createRootCertificate({
      subject: { commonName: 'Short Root' },
      privateKey: rootKey.privateKey,
      validityMs: 10 * DAY_MS,
      now,
    });
    const issuer = new LeafIssuer(loadCaCredentials(shortRoot.der, rootKey.privateKey));
    const leaf = issuer.issueForPublicKey(chain.leafKey.spki, { ...leafRequest, validityMs: 365 * DAY_MS });
    expect(leaf.clipped).toBe(true);
    expect(leaf.notAfter.getTime()).toBe(shortRoot.notAfter.getTime());
    const files = await Promise.all([
      scratch.write('short-root.pem', shortRoot.pem),
      scratch.write('clipped-leaf.pem', leaf.pem),
    ]);
    const result = await openssl(['verify', '-CAfile', files[0], files[1]]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('an intermediate that would outlive its parent is clipped to the parent', async () => {
    const intermediateKey = await cachedKeyPair('ECDSA-P256', 'intermediate');
    const intermediate = await createIntermediateCertificate({
      subject: { commonName: 'Long Intermediate' },
      publicKey: intermediateKey.spki,
      validityMs: 20 * 365 * DAY_MS,
      parent: chain.rootCa,
      now,
    });
    expect(intermediate.clipped).toBe(true);
    expect(intermediate.notAfter.getTime()).toBe(chain.root.notAfter.getTime());
  });

  it('a CA past its notAfter refuses to issue with IssuerExpired', () => {
    const later = new Date(chain.intermediate.notAfter.getTime() + 1000);
    expect(() => chain.issuer.issueForPublicKey(chain.leafKey.spki, { ...leafRequest, now: later })).toThrow(
      expect.objectContaining({ reason: 'IssuerExpired' }),
    );
  });
});

describe('path length', () => {
  it.each([
    {
      name: 'an unconstrained parent allows any requested pathLen',
      parent: undefined,
      requested: 5,
      expected: 5,
    },
    {
      name: 'an unconstrained parent and no request leave the child unconstrained',
      parent: undefined,
      requested: undefined,
      expected: undefined,
    },
    {
      name: 'a child of a pathLen 2 parent inherits pathLen 1',
      parent: 2,
      requested: undefined,
      expected: 1,
    },
    { name: 'a child may ask for less than its parent allows', parent: 2, requested: 0, expected: 0 },
  ])('$name', ({ parent, requested, expected }) => {
    expect(allowedPathLen(parent, requested)).toBe(expected);
  });

  it.each([
    {
      name: 'a parent with pathLen 0 may not sign a CA',
      parent: 0,
      requested: undefined,
      message: /pathLen 0/,
    },
    {
      name: 'a child may not ask for as much as its parent has',
      parent: 1,
      requested: 1,
      message: /at most 0/,
    },
  ])('$name', ({ parent, requested, message }) => {
    expect(() => allowedPathLen(parent, requested)).toThrow(message);
    expect(() => allowedPathLen(parent, requested)).toThrow(
      expect.objectContaining({ reason: 'PathLengthExceeded' }),
    );
  });

  it('an intermediate under a pathlen:0 intermediate is refused with a TerminalError', async () => {
    const key = await cachedKeyPair('ECDSA-P256', 'leaf');
    const create = () =>
      createIntermediateCertificate({
        subject: { commonName: 'Too Deep' },
        publicKey: key.spki,
        validityMs: DAY_MS,
        parent: chain.intermediateCa,
        now,
      });
    await expect(create()).rejects.toThrow(TerminalError);
    await expect(create()).rejects.toThrow(/may sign leaf certificates only/);
  });
});

describe('refused input', () => {
  it.each([
    {
      name: 'an empty common name',
      request: { ...leafRequest, subject: { commonName: '' } },
      message: /commonName/,
    },
    {
      name: 'a three-letter country',
      request: { ...leafRequest, subject: { commonName: 'a', country: 'DEU' } },
      message: /country/,
    },
    {
      name: 'a DNS name with a space',
      request: { ...leafRequest, subjectAltNames: { dnsNames: ['a b.example'] } },
      message: /DNS name/,
    },
    {
      name: 'a URI without a scheme',
      request: { ...leafRequest, subjectAltNames: { uris: ['no-scheme'] } },
      message: /URI/,
    },
    { name: 'a non-positive validity', request: { ...leafRequest, validityMs: 0 }, message: /validity/ },
  ])('a leaf request with $name is refused with InvalidError', ({ request, message }) => {
    const issue = () => chain.issuer.issueForPublicKey(chain.leafKey.spki, request);
    expect(issue).toThrow(InvalidError);
    expect(issue).toThrow(message);
  });

  it('every subject problem is reported at once', () => {
    try {
      chain.issuer.issueForPublicKey(chain.leafKey.spki, {
        ...leafRequest,
        subject: { commonName: '', country: 'de', organization: 'o'.repeat(65) },
      });
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidError).problems.map((problem) => problem.pointer).sort()).toEqual([
        '/subject/commonName',
        '/subject/country',
        '/subject/organization',
      ]);
    }
  });

  it('an RSA-1024 key, a P-521 key and garbage are refused as public keys', () => {
    for (const [type, options] of [
      ['rsa', { modulusLength: 1024 }],
      ['ec', { namedCurve: 'P-521' }],
    ] as const) {
      const { publicKey } = generateKeyPairSync(type as 'rsa', options as { modulusLength: number });
      expect(() => chain.issuer.issueForPublicKey(publicKey, leafRequest)).toThrow(/unsupported public key/);
    }
    expect(() => chain.issuer.issueForPublicKey(Buffer.from('30030201ff', 'hex'), leafRequest)).toThrow(
      InvalidError,
    );
  });

  it('a P-256 key whose point is not on the curve is refused', () => {
    const offCurve = Buffer.from(chain.leafKey.spki);
    offCurve[offCurve.length - 1] ^= 0x01;
    expect(() => chain.issuer.issueForPublicKey(offCurve, leafRequest)).toThrow(/not a point on its curve/);
  });

  it('a leaf certificate or a foreign private key cannot be loaded as a CA', async () => {
    const leaf = chain.issuer.issueForPublicKey(chain.leafKey.spki, leafRequest);
    expect(() => loadCaCredentials(leaf.pem, chain.leafKey.privateKey)).toThrow(/not a CA certificate/);
    expect(() => loadCaCredentials(chain.root.pem, chain.leafKey.privateKey)).toThrow(
      /does not belong to the certificate/,
    );
    expect(() => loadCaCredentials(chain.root.pem, chain.leafKey.publicKey)).toThrow(InvalidError);
  });
});
