/**
 * Issue #13's input defects, each refused with a 422 naming the field and leaving nothing recorded:
 * SAN count and certificate size, control characters, lone surrogates, IPv6 zone ids, e-mail
 * domains, weak Ed25519 points and RSA exponents.
 */
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ed25519PointProblem } from '../../src/pki/public-key.js';
import { textProblem } from '../../src/pki/subject.js';
import { call } from '../support/server.js';
import { openssl, scratchDirectory } from './openssl.js';
import { apply, caManifest, isReadyNow, rootSpec, usePkiServer, waitFor } from './pki-server.js';

const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
  type: 'spki',
  format: 'pem',
});
const ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A PEM Ed25519 public key with the given 32-byte point encoding. */
function ed25519Pem(point: Buffer): string {
  const der = Buffer.concat([ED25519_PREFIX, point]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}
const little = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse();
const P = 2n ** 255n - 19n;

describe('textProblem', () => {
  it.each([
    ['plain text', 'Device 42 — Zürich', undefined],
    ['a pair of surrogates (emoji)', 'ok \u{1F680}', undefined],
    ['a lone high surrogate', 'bad\ud800x', 'is not well-formed Unicode (a lone UTF-16 surrogate)'],
    ['a lone low surrogate', '\udc00', 'is not well-formed Unicode (a lone UTF-16 surrogate)'],
    ['NUL', 'a\u0000b', 'contains the control character U+0000'],
    ['LF', 'row\nforged', 'contains the control character U+000A'],
    ['ESC', '\u001b[31mred', 'contains the control character U+001B'],
    ['DEL', 'a\u007f', 'contains the control character U+007F'],
    ['a C1 control', 'a\u009bb', 'contains the control character U+009B'],
  ])('%s', (_name, text, expected) => {
    expect(textProblem(text)).toBe(expected);
  });
});

describe('ed25519PointProblem', () => {
  const valid = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(12);
  it.each([
    ['a real key', valid, undefined],
    ['the identity (y = 1)', little(1n), 'is a point of small order (weak key)'],
    ['order 2 (y = p − 1)', little(P - 1n), 'is a point of small order (weak key)'],
    ['order 4 (y = 0)', little(0n), 'is a point of small order (weak key)'],
    [
      'order 8 (libsodium blocklist)',
      Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'),
      'is a point of small order (weak key)',
    ],
    ['y = p (non-canonical identity)', little(P), 'is not canonically encoded (y ≥ 2^255 − 19)'],
    ['y = p + 1', little(P + 1n), 'is not canonically encoded (y ≥ 2^255 − 19)'],
    ['no point with this y', little(2n), 'is not a point on the curve'],
  ])('%s', (_name, point, expected) => {
    expect(ed25519PointProblem(point)).toBe(expected);
  });
});

describe('leaf requests refused with 422, nothing recorded', () => {
  const pki = usePkiServer();
  beforeAll(async () => {
    await apply(pki, [caManifest('input-ca', rootSpec('Input CA', { maxSubjectAltNames: 5 }))]);
    await waitFor(pki, 'input-ca', isReadyNow);
  });

  async function issue(body: Record<string, unknown>) {
    return call<{ message: string; details?: { causes?: Array<{ pointer: string; message: string }> } }>(
      pki.server,
      'POST',
      '/api/v1/certificateauthorities/input-ca/certificates',
      { token: pki.token, body: { publicKey: p256, subject: { commonName: 'dev' }, ...body } },
    );
  }

  async function issuedCount(): Promise<number> {
    const [row] = await pki.server.services.db.knex('pki_issued_certificates').count({ n: '*' });
    return Number(row.n);
  }

  it.each([
    [
      'more SANs than the CA allows',
      {
        subjectAltNames: {
          dnsNames: ['a.test', 'b.test', 'c.test'],
          ipAddresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
        },
      },
      '/subjectAltNames',
      "6 subject alternative names exceed the CA's limit of 5 (spec.maxSubjectAltNames)",
    ],
    [
      'a NUL in the common name',
      { subject: { commonName: 'a\u0000b' } },
      '/subject/commonName',
      'commonName contains the control character U+0000',
    ],
    [
      'a line feed forging a table row',
      { subject: { commonName: 'dev', organization: 'x\nFORGED  row' } },
      '/subject/organization',
      'organization contains the control character U+000A',
    ],
    [
      'an ANSI escape',
      { subject: { commonName: '\u001b[31mred' } },
      '/subject/commonName',
      'commonName contains the control character U+001B',
    ],
    [
      'a lone surrogate',
      { subject: { commonName: 'bad\ud800x' } },
      '/subject/commonName',
      'commonName is not well-formed Unicode (a lone UTF-16 surrogate)',
    ],
    [
      'an IPv6 zone id',
      { subjectAltNames: { ipAddresses: ['fe80::1%eth0'] } },
      '/subjectAltNames/ipAddresses/0',
      '"fe80::1%eth0" is not an IPv4 or IPv6 address (without a zone id)',
    ],
    [
      'an e-mail domain with an empty label',
      { subjectAltNames: { emails: ['a@b..c'] } },
      '/subjectAltNames/emails/0',
      '"a@b..c" is not an ASCII e-mail address whose domain is a DNS name',
    ],
    [
      'an e-mail without a local part',
      { subjectAltNames: { emails: ['example.com'] } },
      '/subjectAltNames/emails/0',
      '"example.com" is not an ASCII e-mail address whose domain is a DNS name',
    ],
    [
      'an Ed25519 identity point',
      { publicKey: ed25519Pem(little(1n)) },
      '/publicKey',
      'the Ed25519 public key is a point of small order (weak key)',
    ],
    [
      'a non-canonical Ed25519 encoding',
      { publicKey: ed25519Pem(little(P + 2n)) },
      '/publicKey',
      'the Ed25519 public key is not canonically encoded (y ≥ 2^255 − 19)',
    ],
    [
      'an RSA exponent of 3',
      {
        publicKey: generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey.export({
          type: 'spki',
          format: 'pem',
        }),
      },
      '/publicKey',
      'the RSA public exponent 3 is refused: it must be odd and at least 65537',
    ],
  ])('%s', async (_name, body, pointer, message) => {
    const before = await issuedCount();
    const reply = await issue(body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(422);
    expect(reply.body.details?.causes).toContainEqual(expect.objectContaining({ pointer, message }));
    expect(await issuedCount()).toBe(before);
  });

  it('caps a leaf at 16 KiB whatever its names', async () => {
    const long = (i: number) => `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.n${i}.test`;
    await apply(pki, [caManifest('big-ca', rootSpec('Big CA', { maxSubjectAltNames: 1000 }))]);
    await waitFor(pki, 'big-ca', isReadyNow);
    const reply = await call<{ message: string }>(
      pki.server,
      'POST',
      '/api/v1/certificateauthorities/big-ca/certificates',
      {
        token: pki.token,
        body: {
          publicKey: p256,
          subject: { commonName: 'dev' },
          subjectAltNames: { dnsNames: Array.from({ length: 200 }, (_, i) => long(i)) },
        },
      },
    );
    expect(reply.status).toBe(422);
    expect(reply.body.message).toMatch(/more than the limit of 16384/);
  });

  it('still issues what is valid: the limit exactly, Unicode names, RSA with e = 65537, a real Ed25519 key', async () => {
    const ok = [
      await issue({
        subjectAltNames: {
          dnsNames: ['a.test', 'b.test'],
          ipAddresses: ['10.0.0.1', 'fe80::1'],
          emails: ['ops@example.com'],
        },
      }),
      await issue({ subject: { commonName: 'Gerät \u{1F680} Zürich' } }),
      await issue({
        publicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
          type: 'spki',
          format: 'pem',
        }),
      }),
      await issue({
        publicKey: generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
      }),
    ];
    expect(ok.map((reply) => reply.status)).toEqual([201, 201, 201, 201]);
  });

  it('honours the longest CA validity the schema allows (100 years, a GeneralizedTime notAfter)', async () => {
    await apply(pki, [caManifest('century-ca', rootSpec('Century CA', { validity: '876000h' }))]);
    const ready = await waitFor(pki, 'century-ca', isReadyNow);
    const scratch = await scratchDirectory();
    try {
      const chain = await call<string>(pki.server, 'GET', '/api/v1/certificateauthorities/century-ca/chain', {
        token: pki.token,
      });
      const file = await scratch.write('century.pem', String(chain.body));
      const dates = await openssl(['x509', '-in', file, '-noout', '-enddate']);
      expect(dates.code).toBe(0);
      const year = new Date(String(ready?.status.notAfter)).getUTCFullYear();
      expect(year).toBeGreaterThanOrEqual(new Date().getUTCFullYear() + 99);
      expect(dates.stdout).toContain(String(year));
    } finally {
      await scratch.remove();
    }
  });

  it('refuses a CA spec allowing more than 1,000 names', async () => {
    const reply = await call(pki.server, 'POST', '/api/v1/apply', {
      token: pki.token,
      body: [caManifest('greedy-ca', rootSpec('Greedy', { maxSubjectAltNames: 20_000 }))],
    });
    expect(reply.status).toBe(422);
    expect(JSON.stringify(reply.body)).toContain('/spec/maxSubjectAltNames');
  });
});
