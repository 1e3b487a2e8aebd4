/**
 * Property tests of the paths devices will use (issue #13), with fast-check:
 * - random valid requests go through Steward's fast leaf encoder and decode the same in
 *   @peculiar/x509 and in Node's X509Certificate (OpenSSL), and verify under the CA;
 * - random mutations of valid CSRs and public keys, sent to the real server, are answered 422, or
 *   201 only when the mutated input is still a valid request (a CSR whose signature still
 *   verifies, a key that is still a key) and then certify exactly that key: never a 5xx, never a
 *   certificate for a broken signature.
 * A failure prints fast-check's seed and path: replay with STEWARD_FC_SEED and STEWARD_FC_PATH.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, X509Certificate as NodeCertificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubjectAltNames } from '../../src/pki/extensions.js';
import { toPem } from '../../src/pki/pem.js';
import { call } from '../support/server.js';
import { buildChain, type Chain } from './chain-fixture.js';
import { apply, caManifest, isReadyNow, rootSpec, usePkiServer, waitFor } from './pki-server.js';

const seed = process.env.STEWARD_FC_SEED ? Number(process.env.STEWARD_FC_SEED) : undefined;
const path = process.env.STEWARD_FC_PATH;
const now = new Date();

const KEYS = {
  'P-256': generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  'P-384': generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  Ed25519: generateKeyPairSync('ed25519'),
  'RSA-2048': generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
type KeyName = keyof typeof KEYS;
const KEY_NAMES = Object.keys(KEYS) as KeyName[];
const spkiOf = (name: KeyName) => KEYS[name].publicKey.export({ type: 'spki', format: 'der' });

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const dnsName = fc.array(label, { minLength: 2, maxLength: 4 }).map((labels) => labels.join('.'));
const request = fc.record({
  key: fc.constantFrom(...KEY_NAMES),
  commonName: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,40}$/),
  organization: fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,30}$/), { nil: undefined }),
  profile: fc.constantFrom('client' as const, 'server' as const, 'device' as const),
  dnsNames: fc.array(dnsName, { maxLength: 4 }),
  ipAddresses: fc.array(fc.oneof(fc.ipV4(), fc.constantFrom('::1', 'fd00::1', '2001:db8::42')), {
    maxLength: 3,
  }),
  emails: fc.array(
    fc.tuple(label, dnsName).map(([local, host]) => `${local}@${host}`),
    { maxLength: 2 },
  ),
  uris: fc.array(
    fc.oneof(
      dnsName.map((host) => `https://${host}/`),
      fc.stringMatching(/^[a-f0-9]{8,64}$/).map((digest) => `urn:ek:sha256:${digest}`),
    ),
    { maxLength: 2 },
  ),
  validityHours: fc.integer({ min: 1, max: 24 * 365 }),
});

describe('valid requests round-trip through the encoder', () => {
  let chain: Chain;
  beforeAll(async () => {
    chain = await buildChain('ECDSA-P256', now);
  });

  it('decode equal in @peculiar/x509 and Node, and verify under the CA', () => {
    const caKey = createPublicKey(chain.intermediate.pem);
    fc.assert(
      fc.property(request, (input) => {
        const names: SubjectAltNames = {
          dnsNames: input.dnsNames,
          ipAddresses: input.ipAddresses,
          emails: input.emails,
          uris: input.uris,
        };
        const issued = chain.issuer.issueForPublicKey(spkiOf(input.key), {
          subject: { commonName: input.commonName, organization: input.organization },
          subjectAltNames: names,
          profile: input.profile,
          validityMs: input.validityHours * 3_600_000,
          now,
        });
        const node = new NodeCertificate(issued.der);
        const peculiar = new x509.X509Certificate(issued.der);
        expect(node.verify(caKey)).toBe(true);
        expect(peculiar.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(
          issued.serialHex.replace(/^0+/, ''),
        );
        expect(node.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(issued.serialHex.replace(/^0+/, ''));
        expect(peculiar.subjectName.getField('CN')).toEqual([input.commonName]);
        // Node escapes some characters in its text form (a trailing space as "\ "): compare the parts it keeps.
        expect(node.subject.replace(/\\(.)/g, '$1')).toContain(`CN=${input.commonName}`);
        if (input.organization) expect(peculiar.subjectName.getField('O')).toEqual([input.organization]);
        expect(Buffer.from(peculiar.publicKey.rawData)).toEqual(spkiOf(input.key));
        expect(node.publicKey.export({ type: 'spki', format: 'der' })).toEqual(spkiOf(input.key));
        expect(peculiar.notAfter.getTime()).toBe(new Date(node.validTo).getTime());
        const san = peculiar.getExtension(x509.SubjectAlternativeNameExtension);
        const decoded = (type: string) =>
          san?.names.items.filter((name) => name.type === type).map((name) => name.value) ?? [];
        expect(decoded('dns')).toEqual(input.dnsNames);
        expect(decoded('email')).toEqual(input.emails);
        expect(decoded('url')).toEqual(input.uris);
        expect(decoded('ip').length).toBe(input.ipAddresses.length);
        for (const dns of input.dnsNames) expect(node.subjectAltName).toContain(`DNS:${dns}`);
      }),
      { numRuns: 300, seed, path },
    );
  });
});

describe('mutated CSRs and keys over HTTP', () => {
  const pki = usePkiServer();
  const csrs: Record<string, Buffer> = {};
  let directory: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'steward-fuzz-'));
    for (const name of ['P-256', 'Ed25519', 'RSA-2048'] as const) {
      const keyFile = join(directory, `${name}.key`);
      writeFileSync(keyFile, KEYS[name].privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const out = join(directory, `${name}.csr`);
      execFileSync('openssl', [
        'req',
        '-new',
        '-key',
        keyFile,
        '-subj',
        '/CN=fuzz',
        '-outform',
        'DER',
        '-out',
        out,
      ]);
      csrs[name] = readFileSync(out);
    }
    await apply(pki, [caManifest('fuzz-ca', rootSpec('Fuzz CA'))]);
    await waitFor(pki, 'fuzz-ca', isReadyNow);
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

  function mutate(bytes: Buffer, change: Mutation): Buffer {
    const at = change.at % bytes.length;
    const out = Buffer.from(bytes);
    switch (change.kind) {
      case 'flip':
        out[at] ^= 1 << change.bit;
        return out;
      case 'set':
        out[at] = change.value;
        return out;
      case 'truncate':
        return out.subarray(0, at);
      case 'insert':
        return Buffer.concat([out.subarray(0, at), Buffer.from([change.value]), out.subarray(at)]);
      case 'delete':
        return Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    }
  }

  async function csrStillValid(der: Buffer): Promise<boolean> {
    try {
      return await new x509.Pkcs10CertificateRequest(der).verify();
    } catch {
      return false;
    }
  }

  it('answers 422, or certifies exactly a mutated input that is still valid; never 5xx', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('csr' as const, 'publicKey' as const),
        fc.constantFrom(...(['P-256', 'Ed25519', 'RSA-2048'] as const)),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        async (field, key, changes) => {
          const original = field === 'csr' ? csrs[key] : spkiOf(key);
          const der = changes.reduce(mutate, original);
          const pem = toPem(field === 'csr' ? 'CERTIFICATE REQUEST' : 'PUBLIC KEY', der);
          const reply = await call<{ certificate?: string; kind: string; code?: number }>(
            pki.server,
            'POST',
            '/api/v1/certificateauthorities/fuzz-ca/certificates',
            { token: pki.token, body: { [field]: pem, subject: { commonName: 'fuzz' } } },
          );
          expect([201, 422], `${field} ${key} ${der.toString('hex')}`).toContain(reply.status);
          if (reply.status === 422) {
            expect(reply.body).toMatchObject({ kind: 'Status', code: 422 });
            return;
          }
          accepted += 1;
          // The same key, whatever its encoding (a compressed point is certified uncompressed).
          const jwk = (key: ReturnType<typeof createPublicKey>) =>
            JSON.stringify(key.export({ format: 'jwk' }));
          const certified = jwk(new NodeCertificate(String(reply.body.certificate)).publicKey);
          if (field === 'csr') {
            // Only a request whose signature still verifies may be certified, and for its own key.
            expect(await csrStillValid(der)).toBe(true);
            const requested = new x509.Pkcs10CertificateRequest(der).publicKey.rawData;
            expect(jwk(createPublicKey({ key: Buffer.from(requested), format: 'der', type: 'spki' }))).toBe(
              certified,
            );
          } else {
            expect(jwk(createPublicKey({ key: der, format: 'der', type: 'spki' }))).toBe(certified);
          }
        },
      ),
      { numRuns: Number(process.env.STEWARD_FC_RUNS ?? 500), seed, path },
    );
    // Most mutations break the input; the property is about the rest never being mis-certified.
    expect(accepted).toBeLessThan(500);
    const health = await call(pki.server, 'GET', '/api/v1/certificateauthorities/fuzz-ca/chain', {
      token: pki.token,
    });
    expect(health.status).toBe(200);
  });
});
