import 'reflect-metadata';
import { createSecretKey, type KeyObject, randomUUID, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryReplayGuard } from '../../src/federation/replay-guard.js';
import {
  matchSubject,
  verifyX5cToken,
  X5C_REASONS,
  type X5cExpectations,
  type X5cLeaf,
  type X5cReason,
} from '../../src/federation/x5c.js';
import { loadCaCredentials } from '../../src/pki/ca-credentials.js';
import type { IssuedCertificate } from '../../src/pki/certificate-assembly.js';
import { type CertificateProfile, LeafIssuer } from '../../src/pki/issuer.js';
import { generateKeyPair, type KeyPair } from '../../src/pki/key-algorithms.js';
import { buildChain, type Chain, cachedKeyPair, DAY_MS } from '../pki/chain-fixture.js';
import { openssl, type ScratchDirectory, scratchDirectory } from '../pki/openssl.js';

const AUDIENCE = 'acme.steward.example.com';
/** 2026-12-04T09:00:00Z, in milliseconds. */
const NOW_MS = 1_796_374_800_000;
const NOW = NOW_MS / 1000;
/** The CAs were made a month before NOW, so leaves can be issued that have expired by NOW. */
const CA_TIME = new Date(NOW_MS - 30 * DAY_MS);

let ec: Chain;
let rsa: Chain;
let ecKey: KeyPair;
let rsaKey: KeyPair;
let edKey: KeyPair;
let otherEcKey: KeyPair;

beforeAll(async () => {
  [ec, rsa, ecKey, rsaKey, edKey, otherEcKey] = await Promise.all([
    buildChain('ECDSA-P256', CA_TIME),
    buildChain('RSA-2048', CA_TIME),
    generateKeyPair('ECDSA-P256'),
    generateKeyPair('RSA-2048'),
    generateKeyPair('Ed25519'),
    generateKeyPair('ECDSA-P256'),
  ]);
});

interface LeafOptions {
  key?: KeyPair;
  issuer?: LeafIssuer;
  commonName?: string;
  profile?: CertificateProfile;
  issuedAt?: Date;
  validityMs?: number;
}

function issueLeaf(options: LeafOptions = {}): IssuedCertificate {
  return (options.issuer ?? ec.issuer).issueForPublicKey((options.key ?? ecKey).publicKey, {
    subject: { commonName: options.commonName ?? 'release-bot', organization: 'Acme' },
    subjectAltNames: { dnsNames: ['bot.acme.example'], uris: ['spiffe://acme/release-bot'] },
    profile: options.profile ?? 'client',
    validityMs: options.validityMs ?? DAY_MS,
    now: options.issuedAt ?? new Date(NOW_MS - 3_600_000),
  });
}

const base64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: AUDIENCE,
    sub: 'release-bot',
    iat: NOW - 10,
    exp: NOW + 290,
    jti: randomUUID(),
    ...overrides,
  };
}

/** A token signed with `key` whose x5c is `chain` (leaf first), as `step ca token --x5c-cert` makes. */
function mint(
  chain: readonly { der: Uint8Array }[],
  key: KeyObject,
  alg: string,
  payload: Record<string, unknown> = claims(),
  header: Record<string, unknown> = { x5c: chain.map((certificate) => base64(certificate.der)) },
): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader({ alg, ...header })
    .sign(key);
}

function expectations(overrides: Partial<X5cExpectations> = {}): X5cExpectations {
  return {
    audience: AUDIENCE,
    anchors: [ec.root.pem],
    replayGuard: new InMemoryReplayGuard({ now: () => NOW_MS }),
    now: () => NOW_MS,
    ...overrides,
  };
}

async function refused(token: string, overrides: Partial<X5cExpectations> = {}) {
  const verdict = await verifyX5cToken(token, expectations(overrides));
  if (verdict.ok) throw new Error('expected a refusal, got ok');
  const [, , signature] = token.split('.');
  expect(verdict.message).not.toContain(token);
  if (signature && signature.length > 8) expect(verdict.message).not.toContain(signature);
  return verdict;
}

describe('verifyX5cToken accepts', () => {
  it('an ES256 token from a leaf issued by an intermediate, and reports the leaf', async () => {
    const leaf = issueLeaf();
    const token = await mint([leaf, ec.intermediate], ecKey.privateKey, 'ES256');
    const verdict = await verifyX5cToken(token, expectations());
    expect(verdict).toMatchObject({
      ok: true,
      claims: { aud: AUDIENCE, sub: 'release-bot' },
      leaf: {
        commonName: 'release-bot',
        dnsNames: ['bot.acme.example'],
        uris: ['spiffe://acme/release-bot'],
        serial: leaf.serialHex,
        fingerprint: leaf.sha256Fingerprint,
        notAfter: leaf.notAfter,
      },
    });
    if (!verdict.ok) return;
    expect(verdict.leaf.subject).toContain('CN=release-bot');
    expect(verdict.anchorSubject).toContain('Steward Test Root ECDSA-P256');
  });

  it('an RS256 token from an RSA leaf under an RSA chain', async () => {
    const leaf = issueLeaf({ key: rsaKey, issuer: rsa.issuer });
    const token = await mint([leaf, rsa.intermediate], rsaKey.privateKey, 'RS256');
    const verdict = await verifyX5cToken(token, expectations({ anchors: [rsa.root.pem] }));
    expect(verdict.ok).toBe(true);
  });

  it('a PS256 token from the same RSA leaf', async () => {
    const leaf = issueLeaf({ key: rsaKey, issuer: rsa.issuer });
    const token = await mint([leaf, rsa.intermediate], rsaKey.privateKey, 'PS256');
    expect((await verifyX5cToken(token, expectations({ anchors: [rsa.root.pem] }))).ok).toBe(true);
  });

  it('an ES256 token from a leaf issued directly by the anchor (x5c holds only the leaf)', async () => {
    const leaf = issueLeaf({ issuer: new LeafIssuer(ec.rootCa) });
    const verdict = await verifyX5cToken(await mint([leaf], ecKey.privateKey, 'ES256'), expectations());
    expect(verdict.ok).toBe(true);
  });

  it('an RS256 token from a leaf issued directly by the anchor', async () => {
    const leaf = issueLeaf({ key: rsaKey, issuer: new LeafIssuer(rsa.rootCa) });
    const token = await mint([leaf], rsaKey.privateKey, 'RS256');
    expect((await verifyX5cToken(token, expectations({ anchors: [rsa.root.pem] }))).ok).toBe(true);
  });

  it('an EdDSA token from an Ed25519 leaf under an ECDSA chain', async () => {
    const leaf = issueLeaf({ key: edKey });
    const token = await mint([leaf, ec.intermediate], edKey.privateKey, 'EdDSA');
    expect((await verifyX5cToken(token, expectations())).ok).toBe(true);
  });

  it('a chain that also carries the root, and an anchor among several', async () => {
    const leaf = issueLeaf();
    const token = await mint([leaf, ec.intermediate, ec.root], ecKey.privateKey, 'ES256');
    const verdict = await verifyX5cToken(token, expectations({ anchors: [rsa.root.pem, ec.root.pem] }));
    expect(verdict.ok).toBe(true);
  });

  it('a token without sub and with a past nbf', async () => {
    const leaf = issueLeaf();
    const payload = claims({ sub: undefined, nbf: NOW - 10 });
    const token = await mint([leaf, ec.intermediate], ecKey.privateKey, 'ES256', payload);
    expect((await verifyX5cToken(token, expectations())).ok).toBe(true);
  });

  it('asks isRevoked about the leaf and the intermediate, each with its issuer PEM', async () => {
    const leaf = issueLeaf();
    const token = await mint([leaf, ec.intermediate], ecKey.privateKey, 'ES256');
    const asked: [string, string][] = [];
    const isRevoked = async (serial: string, issuerPem: string) => {
      asked.push([serial, issuerPem]);
      return false;
    };
    expect((await verifyX5cToken(token, expectations({ isRevoked }))).ok).toBe(true);
    const pem = (text: string) => text.replace(/\s+/g, '');
    expect(asked.map(([serial, issuerPem]) => [serial, pem(issuerPem)])).toEqual([
      [leaf.serialHex, pem(ec.intermediate.pem)],
      [ec.intermediate.serialHex, pem(ec.root.pem)],
    ]);
  });

  it('the same jti again when another certificate presents it (replay is per certificate)', async () => {
    const replayGuard = new InMemoryReplayGuard({ now: () => NOW_MS });
    const payload = claims();
    const first = await mint([issueLeaf(), ec.intermediate], ecKey.privateKey, 'ES256', payload);
    const second = await mint([issueLeaf(), ec.intermediate], ecKey.privateKey, 'ES256', payload);
    expect((await verifyX5cToken(first, expectations({ replayGuard }))).ok).toBe(true);
    expect((await verifyX5cToken(second, expectations({ replayGuard }))).ok).toBe(true);
  });
});

/**
 * A CA below `parent` made with @peculiar/x509, because the PKI refuses to make one that breaks
 * the parent's pathLen (the test intermediates have pathLen 0).
 */
async function caBelow(
  parent: IssuedCertificate,
  parentKey: KeyPair,
  key: KeyPair,
): Promise<{ issuer: LeafIssuer; der: Buffer; pem: string }> {
  const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' };
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    parentKey.privateKey.export({ type: 'pkcs8', format: 'der' }),
    ecdsa,
    false,
    ['sign'],
  );
  const publicKey = await webcrypto.subtle.importKey('spki', key.spki, ecdsa, true, ['verify']);
  const parentPublicKey = await webcrypto.subtle.importKey('spki', parentKey.spki, ecdsa, true, ['verify']);
  const flags = x509.KeyUsageFlags;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '7a01',
    subject: 'CN=Too Deep CA',
    issuer: new x509.X509Certificate(parent.der).subjectName.toString(),
    notBefore: CA_TIME,
    notAfter: new Date(NOW_MS + 365 * DAY_MS),
    publicKey,
    signingKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(flags.keyCertSign | flags.cRLSign | flags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(parentPublicKey),
    ],
  });
  const pem = certificate.toString('pem');
  return {
    issuer: new LeafIssuer(loadCaCredentials(pem, key.privateKey)),
    der: Buffer.from(certificate.rawData),
    pem,
  };
}

describe('the fixtures', () => {
  let scratch: ScratchDirectory;
  beforeAll(async () => {
    scratch = await scratchDirectory();
  });
  afterAll(() => scratch.remove());

  it('are a valid client-auth chain to openssl verify, an independent implementation', async () => {
    const leaf = issueLeaf({ issuedAt: new Date() });
    const [root, intermediate, leafFile] = await Promise.all([
      scratch.write('root.pem', ec.root.pem),
      scratch.write('inter.pem', ec.intermediate.pem),
      scratch.write('leaf.pem', leaf.pem),
    ]);
    const verified = await openssl([
      'verify',
      '-CAfile',
      root,
      '-untrusted',
      intermediate,
      '-purpose',
      'sslclient',
      leafFile,
    ]);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    const token = await mint([leaf, ec.intermediate], ecKey.privateKey, 'ES256');
    expect((await verifyX5cToken(token, expectations({ now: Date.now }))).ok).toBe(false);
    const atNow = claims({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 });
    const fresh = await mint([leaf, ec.intermediate], ecKey.privateKey, 'ES256', atNow);
    expect(await verifyX5cToken(fresh, expectations({ now: Date.now }))).toMatchObject({ ok: true });
  });
});

type Case = {
  name: string;
  token: () => Promise<string>;
  expect?: () => Partial<X5cExpectations>;
  reason: X5cReason;
  message: RegExp;
};

const ecToken = (payload?: Record<string, unknown>, leaf: IssuedCertificate = issueLeaf()) =>
  mint([leaf, ec.intermediate], ecKey.privateKey, 'ES256', payload);
const part = (value: unknown) => base64url(value);

const cases: Case[] = [
  {
    name: 'a token that is not three parts',
    token: async () => 'only.two',
    reason: X5C_REASONS.malformed,
    message: /three dot-separated parts/,
  },
  {
    name: 'a token over 16 KiB',
    token: async () => `${'a'.repeat(17_000)}.b.c`,
    reason: X5C_REASONS.malformed,
    message: /over 16384/,
  },
  {
    name: 'a header that is not JSON',
    token: async () => `${Buffer.from('nope').toString('base64url')}.${part(claims())}.c2ln`,
    reason: X5C_REASONS.malformed,
    message: /header/,
  },
  {
    name: 'a header without x5c',
    token: () => mint([], ecKey.privateKey, 'ES256', claims(), {}),
    reason: X5C_REASONS.missingCertificateChain,
    message: /x5c want an array of 1 to 5/,
  },
  {
    name: 'an empty x5c',
    token: () => mint([], ecKey.privateKey, 'ES256'),
    reason: X5C_REASONS.missingCertificateChain,
    message: /got 0 entries/,
  },
  {
    name: 'an x5c of six certificates',
    token: () => mint(Array(6).fill(ec.intermediate), ecKey.privateKey, 'ES256'),
    reason: X5C_REASONS.missingCertificateChain,
    message: /got 6 entries/,
  },
  {
    name: 'an x5c entry that is not base64',
    token: () => mint([], ecKey.privateKey, 'ES256', claims(), { x5c: ['not base64!'] }),
    reason: X5C_REASONS.malformedCertificate,
    message: /x5c\[0\] is not standard base64/,
  },
  {
    name: 'an x5c entry with a base64url character',
    token: () =>
      mint([], ecKey.privateKey, 'ES256', claims(), { x5c: [`-${base64(issueLeaf().der).slice(1)}`] }),
    reason: X5C_REASONS.malformedCertificate,
    message: /x5c\[0\]/,
  },
  {
    name: 'an x5c intermediate that is base64 of garbage',
    token: () =>
      mint([], ecKey.privateKey, 'ES256', claims(), { x5c: [base64(issueLeaf().der), 'AAAAAAAA'] }),
    reason: X5C_REASONS.malformedCertificate,
    message: /x5c\[1\] is not standard base64 of a DER X.509 certificate/,
  },
  {
    name: 'alg none',
    token: async () => `${part({ alg: 'none', x5c: [base64(issueLeaf().der)] })}.${part(claims())}.`,
    reason: X5C_REASONS.algorithmNotAllowed,
    message: /algorithm "none" is not allowed/,
  },
  {
    name: 'HS256 (the certificate as an HMAC secret)',
    token: async () => {
      const leaf = issueLeaf();
      return mint([leaf], createSecretKey(Buffer.from(leaf.der)), 'HS256');
    },
    reason: X5C_REASONS.algorithmNotAllowed,
    message: /algorithm "HS256" is not allowed/,
  },
  {
    name: 'a token signed by another key than the leaf certificate holds',
    token: () => mint([issueLeaf(), ec.intermediate], otherEcKey.privateKey, 'ES256'),
    reason: X5C_REASONS.badSignature,
    message: /does not verify with the ES256 key of the leaf certificate/,
  },
  {
    name: 'a tampered payload',
    token: async () => {
      const [header, , signature] = (await ecToken()).split('.');
      return `${header}.${part(claims({ sub: 'admin' }))}.${signature}`;
    },
    reason: X5C_REASONS.badSignature,
    message: /does not verify/,
  },
  {
    name: 'an ES256 token whose leaf certificate holds an RSA key',
    token: () => mint([issueLeaf({ key: rsaKey })], ecKey.privateKey, 'ES256'),
    reason: X5C_REASONS.keyUnusable,
    message: /rsa key of the leaf certificate cannot verify ES256/,
  },
  {
    name: 'a chain to an anchor not trusted',
    token: () => ecToken(),
    expect: () => ({ anchors: [rsa.root.pem] }),
    reason: X5C_REASONS.untrustedChain,
    message:
      /leaf.s issuer "CN=Steward Test Devices ECDSA-P256, O=Steward Tests" does not chain.*want one of "CN=Steward Test Root RSA-2048/,
  },
  {
    name: 'a leaf without its intermediate',
    token: () => mint([issueLeaf()], ecKey.privateKey, 'ES256'),
    reason: X5C_REASONS.untrustedChain,
    message: /does not chain to an anchor/,
  },
  {
    name: 'an intermediate of another chain in x5c',
    token: () => mint([issueLeaf(), rsa.intermediate], ecKey.privateKey, 'ES256'),
    expect: () => ({ anchors: [ec.root.pem, rsa.root.pem] }),
    reason: X5C_REASONS.untrustedChain,
    message: /does not chain/,
  },
  {
    name: 'no anchor that parses',
    token: () => ecToken(),
    expect: () => ({ anchors: ['not a PEM'] }),
    reason: X5C_REASONS.untrustedChain,
    message: /no anchor parses/,
  },
  {
    name: 'an expired leaf',
    token: () => ecToken(claims(), issueLeaf({ issuedAt: new Date(NOW_MS - 10 * DAY_MS) })),
    reason: X5C_REASONS.certificateExpired,
    message: /the leaf certificate "CN=release-bot, O=Acme" expired at/,
  },
  {
    name: 'a leaf not valid yet',
    token: () => ecToken(claims(), issueLeaf({ issuedAt: new Date(NOW_MS + DAY_MS) })),
    reason: X5C_REASONS.certificateNotYetValid,
    message: /the leaf certificate .* is not valid before/,
  },
  {
    name: 'a CA certificate as the leaf',
    token: async () => {
      const caKey = await cachedKeyPair('ECDSA-P256', 'intermediate');
      return mint([ec.intermediate], caKey.privateKey, 'ES256');
    },
    reason: X5C_REASONS.certificateNotForClientAuth,
    message: /is a CA certificate/,
  },
  {
    name: 'a leaf for serverAuth only',
    token: () => ecToken(claims(), issueLeaf({ profile: 'server' })),
    reason: X5C_REASONS.certificateNotForClientAuth,
    message: /extendedKeyUsage 1.3.6.1.5.5.7.3.1; want clientAuth/,
  },
  {
    name: 'a revoked leaf',
    token: () => ecToken(),
    expect: () => ({ isRevoked: async (_serial, issuerPem) => issuerPem.includes('CERTIFICATE') }),
    reason: X5C_REASONS.certificateRevoked,
    message: /revocation: the leaf certificate .* \(serial [0-9a-f]+\) is revoked/,
  },
  {
    name: 'a revoked intermediate',
    token: () => ecToken(),
    expect: () => ({ isRevoked: async (serial) => serial === ec.intermediate.serialHex }),
    reason: X5C_REASONS.certificateRevoked,
    message: new RegExp(`intermediate 1 .*serial ${'[0-9a-f]+'}\\) is revoked`),
  },
  {
    name: 'an isRevoked that throws',
    token: () => ecToken(),
    expect: () => ({
      isRevoked: async () => {
        throw new Error('CRL store down');
      },
    }),
    reason: X5C_REASONS.revocationCheckUnavailable,
    message: /refused unchecked/,
  },
  {
    name: 'an isRevoked that answers undefined',
    token: () => ecToken(),
    expect: () => ({ isRevoked: async () => undefined as unknown as boolean }),
    reason: X5C_REASONS.revocationCheckUnavailable,
    message: /cannot tell whether the leaf certificate/,
  },
  {
    name: 'another audience',
    token: () => ecToken(claims({ aud: 'other.steward.example.com' })),
    reason: X5C_REASONS.audienceMismatch,
    message: /audience: want "acme.steward.example.com", got "other.steward.example.com"/,
  },
  {
    name: 'no audience',
    token: () => ecToken(claims({ aud: undefined })),
    reason: X5C_REASONS.audienceMismatch,
    message: /got none/,
  },
  {
    name: 'several audiences, ours among them',
    token: () => ecToken(claims({ aud: [AUDIENCE, 'other.example'] })),
    reason: X5C_REASONS.multipleAudiences,
    message: /got 2 audiences/,
  },
  {
    name: 'no exp',
    token: () => ecToken(claims({ exp: undefined })),
    reason: X5C_REASONS.missingClaim,
    message: /exp: want a NumericDate, got none/,
  },
  {
    name: 'no iat',
    token: () => ecToken(claims({ iat: undefined })),
    reason: X5C_REASONS.missingClaim,
    message: /iat: want a NumericDate/,
  },
  {
    name: 'an expired token',
    token: () => ecToken(claims({ iat: NOW - 400, exp: NOW - 100 })),
    reason: X5C_REASONS.expired,
    message: /expired at .*100 s ago \(leeway 30 s\)/,
  },
  {
    name: 'a token not valid yet',
    token: () => ecToken(claims({ nbf: NOW + 120 })),
    reason: X5C_REASONS.notYetValid,
    message: /not valid before/,
  },
  {
    name: 'a token issued in the future',
    token: () => ecToken(claims({ iat: NOW + 120, exp: NOW + 300 })),
    reason: X5C_REASONS.issuedInFuture,
    message: /120 s in the future/,
  },
  {
    name: 'a token living longer than 300 s',
    token: () => ecToken(claims({ iat: NOW - 10, exp: NOW + 3600 })),
    reason: X5C_REASONS.lifetimeTooLong,
    message: /exp - iat want at most 300 s, got 3610 s/,
  },
  {
    name: 'a sub that is not the leaf common name',
    token: () => ecToken(claims({ sub: 'admin' })),
    reason: X5C_REASONS.subjectMismatch,
    message: /want the leaf's common name "release-bot", got "admin"/,
  },
  {
    name: 'no jti',
    token: () => ecToken(claims({ jti: undefined })),
    reason: X5C_REASONS.missingClaim,
    message: /jti: want a token id/,
  },
  {
    name: 'a replay guard that cannot answer',
    token: () => ecToken(),
    expect: () => ({
      replayGuard: {
        remember: async () => {
          throw new Error('store down');
        },
      },
    }),
    reason: X5C_REASONS.replayCheckUnavailable,
    message: /refused unchecked/,
  },
];

describe('verifyX5cToken refuses', () => {
  it.each(cases)('$name', async ({ token, expect: overrides, reason, message }) => {
    const verdict = await refused(await token(), overrides?.());
    expect(verdict.reason).toBe(reason);
    expect(verdict.message).toMatch(message);
  });

  it('a replayed jti, recorded with the certificate fingerprint until exp + leeway', async () => {
    const recorded: [string, number][] = [];
    const guard = new InMemoryReplayGuard({ now: () => NOW_MS });
    const replayGuard = {
      remember: (jti: string, until: number) => {
        recorded.push([jti, until]);
        return guard.remember(jti, until);
      },
    };
    const leaf = issueLeaf();
    const payload = claims();
    const token = await ecToken(payload, leaf);
    expect((await verifyX5cToken(token, expectations({ replayGuard }))).ok).toBe(true);
    const again = await refused(token, { replayGuard });
    expect(again).toMatchObject({ reason: X5C_REASONS.replayed, check: 'replay' });
    expect(recorded[0]).toEqual([`x5c:${leaf.sha256Fingerprint}:${payload.jti}`, (NOW + 290 + 30) * 1000]);
  });

  it('never throws, whatever the header holds', async () => {
    const headers: unknown[] = [
      [],
      'x',
      null,
      { x5c: 'AAAA' },
      { x5c: [1] },
      { x5c: [null] },
      { alg: 'ES256', x5c: {} },
    ];
    for (const header of headers) {
      const verdict = await verifyX5cToken(`${part(header)}.${part(claims())}.c2ln`, expectations());
      expect(verdict.ok).toBe(false);
    }
  });

  it("a chain longer than an intermediate's pathLen allows, as openssl does too", async () => {
    const intermediateKey = await cachedKeyPair('ECDSA-P256', 'intermediate');
    const deepKey = await cachedKeyPair('ECDSA-P256', 'too-deep');
    const deep = await caBelow(ec.intermediate, intermediateKey, deepKey);
    const leaf = issueLeaf({ issuer: deep.issuer });
    const token = await mint([leaf, deep, ec.intermediate], ecKey.privateKey, 'ES256');
    const verdict = await refused(token);
    expect(verdict).toMatchObject({ reason: X5C_REASONS.untrustedChain, check: 'chain' });
    expect(verdict.message).toMatch(
      /"CN=Steward Test Devices ECDSA-P256, O=Steward Tests" allows 0 intermediate CAs/,
    );

    const scratch = await scratchDirectory();
    try {
      const files = await Promise.all([
        scratch.write('root.pem', ec.root.pem),
        scratch.write('untrusted.pem', `${deep.pem}\n${ec.intermediate.pem}`),
        scratch.write('leaf.pem', leaf.pem),
      ]);
      const checked = await openssl([
        'verify',
        '-attime',
        `${NOW}`,
        '-CAfile',
        files[0],
        '-untrusted',
        files[1],
        files[2],
      ]);
      expect(checked.code).not.toBe(0);
      expect(checked.stdout + checked.stderr).toMatch(/path length/i);
    } finally {
      await scratch.remove();
    }
  });

  it('checks the chain before the audience: an untrusted chain is reported even for a wrong audience', async () => {
    const verdict = await refused(await ecToken(claims({ aud: 'elsewhere' })), { anchors: [rsa.root.pem] });
    expect(verdict).toMatchObject({ reason: X5C_REASONS.untrustedChain, check: 'chain' });
  });
});

describe('matchSubject', () => {
  const leaf: X5cLeaf = {
    subject: 'CN=release-bot, O=Acme',
    commonName: 'release-bot',
    dnsNames: ['bot.acme.example', 'Build.Acme.Example'],
    uris: ['spiffe://acme/release-bot'],
    serial: '01',
    notAfter: new Date(NOW_MS),
    fingerprint: 'ab',
  };

  it.each([
    { name: 'no rules match everything', rules: undefined, want: [] },
    { name: 'empty rules match everything', rules: {}, want: [] },
    { name: 'the common name matches', rules: { commonName: 'release-bot' }, want: [] },
    {
      name: 'another common name is a mismatch',
      rules: { commonName: 'other' },
      want: [{ rule: 'commonName', want: '"other"', got: '"release-bot"' }],
    },
    { name: 'DNS names match case-insensitively', rules: { dnsNames: ['build.acme.example'] }, want: [] },
    {
      name: 'a DNS name the leaf lacks is a mismatch',
      rules: { dnsNames: ['bot.acme.example', 'db.acme.example'] },
      want: [
        { rule: 'dnsNames', want: '"db.acme.example"', got: '["bot.acme.example","Build.Acme.Example"]' },
      ],
    },
    { name: 'a URI the leaf holds matches', rules: { uris: ['spiffe://acme/release-bot'] }, want: [] },
    {
      name: 'a URI the leaf lacks is a mismatch, as is every other broken rule',
      rules: { commonName: 'x', uris: ['spiffe://acme/deploy-bot'] },
      want: [
        { rule: 'commonName', want: '"x"', got: '"release-bot"' },
        { rule: 'uris', want: '"spiffe://acme/deploy-bot"', got: '["spiffe://acme/release-bot"]' },
      ],
    },
  ])('$name', ({ rules, want }) => {
    expect(matchSubject(rules, leaf)).toEqual(want);
  });

  it('a common name rule fails for a leaf without a common name', () => {
    const { commonName: _, ...withoutCn } = leaf;
    expect(matchSubject({ commonName: 'release-bot' }, withoutCn)).toEqual([
      { rule: 'commonName', want: '"release-bot"', got: 'none' },
    ]);
  });

  it('a verified leaf renders as `rule: want …, got …`', async () => {
    const verdict = await verifyX5cToken(await ecToken(), expectations());
    if (!verdict.ok) throw new Error(verdict.message);
    const [mismatch] = matchSubject({ commonName: 'deploy-bot' }, verdict.leaf);
    expect(`${mismatch.rule}: want ${mismatch.want}, got ${mismatch.got}`).toBe(
      'commonName: want "deploy-bot", got "release-bot"',
    );
  });
});
