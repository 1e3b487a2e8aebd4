import 'reflect-metadata';
import { randomUUID, webcrypto } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, Name, NameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryReplayGuard } from '../../src/federation/replay-guard.js';
import { verifyX5cToken } from '../../src/federation/x5c.js';
import {
  type CertificateNames,
  type Constraints,
  constraintViolation,
  namesOf,
} from '../../src/federation/x5c-constraints.js';
import { openssl, type ScratchDirectory, scratchDirectory } from '../pki/openssl.js';

/*
 * RFC 5280's path rules the x5c exchange adds to Node's signature checks: critical extensions it
 * does not process, and name constraints. Each chain is also given to `openssl verify`, an
 * independent implementation, which must agree.
 */

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const AUDIENCE = 'acme.steward.example.com';
const DAY = 86_400_000;
const NOW = Date.now();

const names = (partial: Partial<CertificateNames>): CertificateNames => ({
  dns: [],
  uriHosts: [],
  email: [],
  directory: [],
  otherForms: [],
  ...partial,
});
const permit = (...permitted: Constraints['permitted']): Constraints => ({ permitted, excluded: [] });
const exclude = (...excluded: Constraints['excluded']): Constraints => ({ permitted: [], excluded });

describe('constraintViolation (RFC 5280 §4.2.1.10)', () => {
  it.each<[string, CertificateNames, Constraints, RegExp | undefined]>([
    [
      'a DNS name equal to the permitted one',
      names({ dns: ['acme.com'] }),
      permit({ form: 'dns', value: 'acme.com' }),
      undefined,
    ],
    [
      'a subdomain of the permitted one',
      names({ dns: ['bot.acme.com'] }),
      permit({ form: 'dns', value: 'acme.com' }),
      undefined,
    ],
    [
      'a name merely ending in it',
      names({ dns: ['evilacme.com'] }),
      permit({ form: 'dns', value: 'acme.com' }),
      /permits only dns "acme.com".*"evilacme.com"/,
    ],
    [
      'a leading dot: subdomains only',
      names({ dns: ['acme.com'] }),
      permit({ form: 'dns', value: '.acme.com' }),
      /permits only/,
    ],
    [
      'one of two permitted',
      names({ dns: ['a.acme.org'] }),
      permit({ form: 'dns', value: 'acme.com' }, { form: 'dns', value: 'acme.org' }),
      undefined,
    ],
    [
      'every name must be permitted',
      names({ dns: ['a.acme.com', 'evil.com'] }),
      permit({ form: 'dns', value: 'acme.com' }),
      /"evil.com"/,
    ],
    [
      'a form without permitted subtrees is free',
      names({ dns: ['evil.com'] }),
      permit({ form: 'email', value: 'acme.com' }),
      undefined,
    ],
    [
      'an excluded DNS subtree',
      names({ dns: ['x.corp.acme.com'] }),
      exclude({ form: 'dns', value: 'corp.acme.com' }),
      /excludes dns "corp.acme.com"/,
    ],
    [
      'a URI host under a domain',
      names({ uriHosts: ['ci.acme.com'] }),
      permit({ form: 'uri', value: '.acme.com' }),
      undefined,
    ],
    [
      'a URI host elsewhere',
      names({ uriHosts: ['ci.evil.com'] }),
      permit({ form: 'uri', value: '.acme.com' }),
      /"ci.evil.com"/,
    ],
    [
      'a URI without a host',
      names({ uriHosts: [undefined] }),
      permit({ form: 'uri', value: 'acme.com' }),
      /"\(no host\)"/,
    ],
    [
      'an address at a permitted host',
      names({ email: ['bot@acme.com'] }),
      permit({ form: 'email', value: 'acme.com' }),
      undefined,
    ],
    [
      'an address at a subdomain of a host constraint',
      names({ email: ['bot@x.acme.com'] }),
      permit({ form: 'email', value: 'acme.com' }),
      /permits only/,
    ],
    [
      'an address under a domain constraint',
      names({ email: ['bot@x.acme.com'] }),
      permit({ form: 'email', value: '.acme.com' }),
      undefined,
    ],
    [
      'an exact address',
      names({ email: ['bot@acme.com'] }),
      permit({ form: 'email', value: 'ops@acme.com' }),
      /permits only/,
    ],
    [
      'a subject under the permitted DN',
      names({ directory: [['c=us', 'o=acme', 'cn=bot']] }),
      permit({ form: 'directory', rdns: ['c=us', 'o=acme'] }),
      undefined,
    ],
    [
      'a subject outside it',
      names({ directory: [['c=us', 'o=other', 'cn=bot']] }),
      permit({ form: 'directory', rdns: ['c=us', 'o=acme'] }),
      /directory "c=us,o=acme"/,
    ],
    [
      'an unprocessed form refuses',
      names({ dns: ['acme.com'] }),
      permit({ form: 'unsupported', name: 'iPAddress' }),
      /constrains iPAddress names/,
    ],
    ['no constraints', names({ dns: ['anything.example'] }), { permitted: [], excluded: [] }, undefined],
  ])('%s', (_, subject, constraints, expected) => {
    const violation = constraintViolation(subject, constraints);
    if (expected === undefined) expect(violation).toBeUndefined();
    else expect(violation).toMatch(expected);
  });
});

interface Made {
  certificate: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

async function keys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

function nameConstraints(permitted: GeneralName[], excluded: GeneralName[] = []): x509.Extension {
  const subtrees = (list: GeneralName[]) =>
    list.length === 0 ? undefined : new GeneralSubtrees(list.map((base) => new GeneralSubtree({ base })));
  const value = AsnConvert.serialize(
    new NameConstraints({ permittedSubtrees: subtrees(permitted), excludedSubtrees: subtrees(excluded) }),
  );
  return new x509.Extension('2.5.29.30', true, value);
}

let serial = 0x100;
async function make(
  subject: string,
  issuer: Made | undefined,
  options: { ca?: boolean; extensions?: x509.Extension[]; san?: x509.JsonGeneralNames } = {},
): Promise<Made> {
  const own = await keys();
  const flags = x509.KeyUsageFlags;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16),
    subject,
    issuer: issuer ? issuer.certificate.subject : subject,
    notBefore: new Date(NOW - DAY),
    notAfter: new Date(NOW + 30 * DAY),
    publicKey: own.publicKey,
    signingKey: (issuer?.keys ?? own).privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(options.ca ?? false, undefined, true),
      new x509.KeyUsagesExtension(
        options.ca ? flags.keyCertSign | flags.cRLSign : flags.digitalSignature,
        true,
      ),
      ...(options.ca ? [] : [new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.2'])]),
      await x509.SubjectKeyIdentifierExtension.create(own.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create((issuer?.keys ?? own).publicKey),
      ...(options.san ? [new x509.SubjectAlternativeNameExtension(options.san)] : []),
      ...(options.extensions ?? []),
    ],
  });
  return { certificate, keys: own };
}

async function token(chain: Made[]): Promise<string> {
  const payload = {
    aud: AUDIENCE,
    iat: Math.floor(NOW / 1000) - 5,
    exp: Math.floor(NOW / 1000) + 200,
    jti: randomUUID(),
  };
  return new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader({
      alg: 'ES256',
      x5c: chain.map((made) => Buffer.from(made.certificate.rawData).toString('base64')),
    })
    .sign(chain[0].keys.privateKey);
}

describe('verifyX5cToken with name constraints and critical extensions, as openssl verify decides', () => {
  let scratch: ScratchDirectory;
  let root: Made;
  let constrained: Made;
  let dnConstrained: Made;
  let ipConstrained: Made;
  beforeAll(async () => {
    scratch = await scratchDirectory();
    root = await make('CN=Acme Root', undefined, { ca: true });
    constrained = await make('CN=Acme Bots CA', root, {
      ca: true,
      extensions: [
        nameConstraints(
          [
            new GeneralName({ dNSName: 'bots.acme.com' }),
            new GeneralName({ uniformResourceIdentifier: '.acme.com' }),
          ],
          [new GeneralName({ dNSName: 'legacy.bots.acme.com' })],
        ),
      ],
    });
    const acme = AsnConvert.parse(new x509.Name('C=US, O=Acme').toArrayBuffer(), Name);
    dnConstrained = await make('C=US, O=Acme, CN=Acme People CA', root, {
      ca: true,
      extensions: [nameConstraints([new GeneralName({ directoryName: acme })])],
    });
    ipConstrained = await make('CN=Acme Net CA', root, {
      ca: true,
      extensions: [nameConstraints([new GeneralName({ iPAddress: '10.0.0.0' })])],
    });
  });
  afterAll(() => scratch.remove());

  async function verdicts(chain: Made[]) {
    const verdict = await verifyX5cToken(await token(chain), {
      audience: AUDIENCE,
      anchors: [root.certificate.toString('pem')],
      replayGuard: new InMemoryReplayGuard(),
    });
    const files = await Promise.all([
      scratch.write(`root-${serial}.pem`, root.certificate.toString('pem')),
      scratch.write(
        `untrusted-${serial}.pem`,
        chain
          .slice(1)
          .map((made) => made.certificate.toString('pem'))
          .join('\n'),
      ),
      scratch.write(`leaf-${serial}.pem`, chain[0].certificate.toString('pem')),
    ]);
    const args = ['verify', '-purpose', 'sslclient', '-CAfile', files[0]];
    if (chain.length > 1) args.push('-untrusted', files[1]);
    const byOpenssl = await openssl([...args, files[2]]);
    return { verdict, openssl: byOpenssl };
  }

  it.each<[string, () => Promise<Made[]>, RegExp | undefined, RegExp | undefined]>([
    [
      'a leaf within the permitted DNS and URI subtrees',
      async () => [
        await make('CN=release-bot', constrained, {
          san: [
            { type: 'dns', value: 'ci.bots.acme.com' },
            { type: 'url', value: 'spiffe://build.acme.com/bot' },
          ],
        }),
        constrained,
      ],
      undefined,
      undefined,
    ],
    [
      'a leaf naming a DNS name outside them',
      async () => [
        await make('CN=release-bot', constrained, { san: [{ type: 'dns', value: 'bots.evil.com' }] }),
        constrained,
      ],
      /the leaf "CN=release-bot" under the nameConstraints of intermediate 1 "CN=Acme Bots CA", which permits only dns "bots.acme.com".*"bots.evil.com"/,
      /permitted subtree violation/,
    ],
    [
      'a leaf in an excluded subtree',
      async () => [
        await make('CN=release-bot', constrained, {
          san: [{ type: 'dns', value: 'x.legacy.bots.acme.com' }],
        }),
        constrained,
      ],
      /excludes dns "legacy.bots.acme.com"/,
      /excluded subtree violation/,
    ],
    [
      'a leaf with a URI on another host',
      async () => [
        await make('CN=release-bot', constrained, {
          san: [
            { type: 'dns', value: 'bots.acme.com' },
            { type: 'url', value: 'https://evil.com/x' },
          ],
        }),
        constrained,
      ],
      /"evil.com"/,
      /permitted subtree violation/,
    ],
    [
      'a subject under the permitted directory name',
      async () => [await make('C=US, O=Acme, CN=alice', dnConstrained), dnConstrained],
      undefined,
      undefined,
    ],
    [
      'a subject outside it',
      async () => [await make('C=US, O=Other, CN=mallory', dnConstrained), dnConstrained],
      /permits only directory "C=us,O=acme".*"C=us,O=other,CN=mallory"/,
      /permitted subtree violation/,
    ],
    [
      'a CA constraining IP addresses, which this server does not check',
      async () => [
        await make('CN=release-bot', ipConstrained, { san: [{ type: 'dns', value: 'bot.acme.com' }] }),
        ipConstrained,
      ],
      /constrains iPAddress names, which this server does not check/,
      undefined,
    ],
    [
      'a leaf with an unknown critical extension',
      async () => [
        await make('CN=release-bot', root, {
          extensions: [new x509.Extension('1.3.6.1.4.1.55555.1', true, new Uint8Array([5, 0]))],
        }),
      ],
      /the leaf "CN=release-bot" has a critical extension this server does not process \(1.3.6.1.4.1.55555.1\)/,
      /unsupported certificate extension|unhandled critical extension/,
    ],
    [
      'the same extension, not critical',
      async () => [
        await make('CN=release-bot', root, {
          extensions: [new x509.Extension('1.3.6.1.4.1.55555.1', false, new Uint8Array([5, 0]))],
        }),
      ],
      undefined,
      undefined,
    ],
  ])('%s', async (_, chainOf, refusal, opensslError) => {
    const { verdict, openssl: byOpenssl } = await verdicts(await chainOf());
    if (refusal === undefined) expect(verdict, JSON.stringify(verdict)).toMatchObject({ ok: true });
    else {
      expect(verdict).toMatchObject({ ok: false, reason: 'UntrustedChain', check: 'chain' });
      expect((verdict as { message: string }).message).toMatch(refusal);
    }
    // openssl agrees, except where Steward refuses what it does not check (openssl checks IPs).
    if (opensslError === undefined && refusal === undefined)
      expect(byOpenssl.code, byOpenssl.stdout + byOpenssl.stderr).toBe(0);
    if (opensslError !== undefined) {
      expect(byOpenssl.code).not.toBe(0);
      expect(byOpenssl.stdout + byOpenssl.stderr).toMatch(opensslError);
    }
  });

  it('reads a certificate’s names as the constraints compare them', async () => {
    const leaf = await make('C=US, O=Acme, CN=bot, E=Bot@Acme.com', root, {
      san: [
        { type: 'dns', value: 'Bot.Acme.com' },
        { type: 'url', value: 'spiffe://Build.Acme.com/x' },
        { type: 'email', value: 'ops@acme.com' },
        { type: 'ip', value: '10.0.0.1' },
      ],
    });
    expect(namesOf(leaf.certificate)).toEqual({
      dns: ['bot.acme.com'],
      uriHosts: ['build.acme.com'],
      email: ['ops@acme.com', 'bot@acme.com'],
      directory: [['C=us', 'O=acme', 'CN=bot', 'E=bot@acme.com']],
      otherForms: ['ip'],
    });
  });
});
