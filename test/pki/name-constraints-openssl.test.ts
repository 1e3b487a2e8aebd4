/**
 * Name constraints end to end: applied in a CA spec, written into its certificate (critical), and
 * enforced twice — by Steward, which refuses to sign outside them (422 naming the constraint), and
 * by OpenSSL, which rejects a leaf forged outside them with the CA's own key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaKeyring } from '../../src/pki/ca-keyring.js';
import { CaRepository } from '../../src/pki/ca-repository.js';
import { generateKeyPair } from '../../src/pki/key-algorithms.js';
import { toPem } from '../../src/pki/pem.js';
import { call } from '../support/server.js';
import { openssl, type ScratchDirectory, scratchDirectory } from './openssl.js';
import {
  apply,
  caManifest,
  intermediateSpec,
  isReadyNow,
  PUBLIC_URL,
  rootSpec,
  usePkiServer,
  waitFor,
} from './pki-server.js';

const pki = usePkiServer();
let scratch: ScratchDirectory;
let publicKey: string;
let spki: Buffer;

const constraints = {
  permitted: {
    dnsDomains: ['fleet.example.com'],
    ipRanges: ['10.0.0.0/8'],
    emailDomains: ['fleet.example.com'],
    uriDomains: ['.fleet.example.com'],
  },
  excluded: { dnsDomains: ['bad.fleet.example.com'] },
};

const chainOf = async (name: string) =>
  (
    await call<string>(pki.server, 'GET', `/api/v1/certificateauthorities/${name}/chain`, {
      token: pki.token,
    })
  ).body;

function issue(ca: string, subjectAltNames: Record<string, string[] | undefined>, commonName = 'device-1') {
  return call<{
    certificate: string;
    message: string;
    details?: { causes: Array<{ pointer: string; message: string }> };
  }>(pki.server, 'POST', `/api/v1/certificateauthorities/${ca}/certificates`, {
    token: pki.token,
    body: { publicKey, subject: { commonName }, subjectAltNames, profile: 'server' },
  });
}

async function verify(leafPem: string, ca: string): Promise<{ code: number; output: string }> {
  const chain = await chainOf(ca);
  const blocks = chain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n?/g) ?? [];
  const root = await scratch.write(`${ca}-root.pem`, blocks.at(-1) ?? '');
  const untrusted = await scratch.write(
    `${ca}-untrusted.pem`,
    blocks.slice(0, -1).join('') || (blocks[0] ?? ''),
  );
  const leaf = await scratch.write(`leaf-${Math.random()}.pem`, leafPem);
  const result = await openssl(['verify', '-CAfile', root, '-untrusted', untrusted, leaf]);
  return { code: result.code, output: result.stdout + result.stderr };
}

beforeAll(async () => {
  scratch = await scratchDirectory();
  const key = await generateKeyPair('ECDSA-P256');
  spki = key.spki;
  publicKey = toPem('PUBLIC KEY', key.spki);
  await apply(pki, [
    caManifest('nc-root', rootSpec('Constrained Root', { nameConstraints: constraints })),
    caManifest(
      'nc-wide',
      intermediateSpec('nc-root', 'Wide Issuing', {
        nameConstraints: { permitted: { dnsDomains: ['example.org', 'fleet.example.com'] } },
      }),
    ),
  ]);
  await waitFor(pki, 'nc-wide', isReadyNow);
});
afterAll(async () => {
  await scratch?.remove();
});

describe('name constraints in the CA certificate', () => {
  it('are written as a critical extension with every subtree', async () => {
    const file = await scratch.write('nc-root.pem', await chainOf('nc-root'));
    const { stdout } = await openssl(['x509', '-in', file, '-noout', '-text']);
    expect(stdout).toContain('X509v3 Name Constraints: critical');
    for (const text of [
      'DNS:fleet.example.com',
      'IP:10.0.0.0/255.0.0.0',
      'email:fleet.example.com',
      'URI:.fleet.example.com',
      'DNS:bad.fleet.example.com',
    ])
      expect(stdout).toContain(text);
    expect(stdout).toMatch(/Permitted:[\s\S]*Excluded:/);
  });

  it('a leaf Steward issues inside them verifies with openssl', async () => {
    const reply = await issue('nc-root', {
      dnsNames: ['api.fleet.example.com'],
      ipAddresses: ['10.1.2.3'],
      emails: ['ops@fleet.example.com'],
      uris: ['https://dev.fleet.example.com/1'],
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const result = await verify(reply.body.certificate, 'nc-root');
    expect(result.code, result.output).toBe(0);
  });

  it.each([
    {
      names: { dnsNames: ['api.other.org'] },
      pointer: '/subjectAltNames/dnsNames/0',
      message: /outside the permitted dnsDomains of CertificateAuthority "nc-root" \(fleet.example.com\)/,
    },
    {
      names: { dnsNames: ['x.bad.fleet.example.com'] },
      pointer: '/subjectAltNames/dnsNames/0',
      message: /excluded by CertificateAuthority "nc-root"/,
    },
    {
      names: { ipAddresses: ['192.168.0.1'] },
      pointer: '/subjectAltNames/ipAddresses/0',
      message: /ipRanges/,
    },
    { names: { emails: ['a@other.org'] }, pointer: '/subjectAltNames/emails/0', message: /emailDomains/ },
    { names: { uris: ['urn:ek:sha256:abc'] }, pointer: '/subjectAltNames/uris/0', message: /uriDomains/ },
  ])(
    'refuses $names with a 422 naming the constraint, and records nothing',
    async ({ names, pointer, message }) => {
      const before = await pki.server.services.db.knex('pki_issued_certificates').count({ n: '*' }).first();
      const reply = await issue('nc-root', names);
      expect(reply.status).toBe(422);
      expect(reply.body.details?.causes[0].pointer).toBe(pointer);
      expect(reply.body.message).toMatch(message);
      const after = await pki.server.services.db.knex('pki_issued_certificates').count({ n: '*' }).first();
      expect(Number(after?.n)).toBe(Number(before?.n));
    },
  );

  it("an intermediate is bound by its root's constraints as well as its own", async () => {
    const inside = await issue('nc-wide', { dnsNames: ['a.fleet.example.com'] });
    expect(inside.status, JSON.stringify(inside.body)).toBe(201);
    expect((await verify(inside.body.certificate, 'nc-wide')).code).toBe(0);
    const outside = await issue('nc-wide', { dnsNames: ['a.example.org'] });
    expect(outside.status).toBe(422);
    expect(outside.body.message).toMatch(/CertificateAuthority "nc-root"/);
  });

  it('openssl rejects leaves forged outside them with the CA key, permitted and excluded', async () => {
    const keyring = new CaKeyring(
      pki.server.services.pki.masterKey,
      new CaRepository(pki.server.services.db),
      PUBLIC_URL,
    );
    const signing = await keyring.current('default', 'nc-root');
    const forge = (dnsNames: string[]) =>
      signing!.issuer.issueForPublicKey(spki, {
        subject: { commonName: 'forged' },
        subjectAltNames: { dnsNames },
        profile: 'server',
        validityMs: 3_600_000,
        now: new Date(),
      });
    const outside = await verify(forge(['www.other.org']).pem, 'nc-root');
    expect(outside.code).not.toBe(0);
    expect(outside.output).toMatch(/permitted subtree violation/);
    const excluded = await verify(forge(['x.bad.fleet.example.com']).pem, 'nc-root');
    expect(excluded.code).not.toBe(0);
    expect(excluded.output).toMatch(/excluded subtree violation/);
    expect((await verify(forge(['ok.fleet.example.com']).pem, 'nc-root')).code).toBe(0);
  });

  it('refuses a CIDR range with host bits set at apply, naming the field', async () => {
    const reply = await call<{ details: { causes: Array<{ pointer: string; message: string }> } }>(
      pki.server,
      'POST',
      '/api/v1/apply',
      {
        token: pki.token,
        body: [
          caManifest(
            'nc-bad',
            rootSpec('Bad', { nameConstraints: { permitted: { ipRanges: ['10.0.0.1/8', '300.0.0.0/8'] } } }),
          ),
        ],
      },
    );
    expect(reply.status).toBe(422);
    const causes = reply.body.details.causes.map((cause) => `${cause.pointer}: ${cause.message}`);
    expect(causes).toContainEqual(
      expect.stringMatching(/^\/spec\/nameConstraints\/permitted\/ipRanges\/0: has host bits set/),
    );
    expect(causes).toContainEqual(
      expect.stringMatching(/^\/spec\/nameConstraints\/permitted\/ipRanges\/1: must be a CIDR range/),
    );
  });

  it('re-issues the CA certificate when its constraints change', async () => {
    const before = (
      await pki.server.services.store.get({
        tenant: 'default',
        kind: 'CertificateAuthority',
        name: 'nc-wide',
      })
    )?.status.fingerprint;
    await apply(pki, [
      caManifest(
        'nc-wide',
        intermediateSpec('nc-root', 'Wide Issuing', {
          nameConstraints: { permitted: { dnsDomains: ['fleet.example.com'] } },
        }),
      ),
    ]);
    await waitFor(
      pki,
      'nc-wide',
      (resource) => isReadyNow(resource) && resource?.status.fingerprint !== before,
    );
    const file = await scratch.write(
      'nc-wide.pem',
      (await chainOf('nc-wide')).split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n',
    );
    const { stdout } = await openssl(['x509', '-in', file, '-noout', '-text']);
    expect(stdout).toContain('DNS:fleet.example.com');
    expect(stdout).not.toContain('DNS:example.org');
    // The new certificate's narrower constraints apply at once.
    expect((await issue('nc-wide', { dnsNames: ['a.example.org'] })).body.message).toMatch(/"nc-wide"/);
  });
});
