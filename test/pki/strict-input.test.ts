/**
 * Issue #13: the readers of untrusted input (CSRs, public keys) are a library's, and strict. Each
 * defect the hand-written readers had — a non-minimal length, an OID with trailing bytes, a BIT
 * STRING with unused bits, trailing data — is refused (422 naming what is wrong), never certified.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidError } from '../../src/errors.js';
import { verifyCsr } from '../../src/pki/csr.js';
import { toPem } from '../../src/pki/pem.js';
import { checkPublicKey } from '../../src/pki/public-key.js';
import { call } from '../support/server.js';
import { apply, caManifest, isReadyNow, rootSpec, usePkiServer, waitFor } from './pki-server.js';

const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
  type: 'spki',
  format: 'der',
});
const rsaSpki = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
  type: 'spki',
  format: 'der',
});

/** A P-256 SPKI (91 bytes: 30 59 | 30 13 06 07 <ecPublicKey> 06 08 <P-256> | 03 42 00 04 X Y) altered. */
const mutants: Array<{ name: string; der: Buffer; message: RegExp }> = [
  {
    name: 'a non-minimal outer length (30 81 59)',
    der: Buffer.concat([Buffer.from('308159', 'hex'), spki.subarray(2)]),
    message: /not DER/,
  },
  {
    name: 'an OID with a trailing byte (its length grown by one, 0x80 appended)',
    der: Buffer.concat([
      Buffer.from('305a3014', 'hex'),
      Buffer.from('06082a8648ce3d020180', 'hex'), // id-ecPublicKey + a dangling continuation byte
      spki.subarray(13),
    ]),
    message: /malformed public key/,
  },
  {
    name: 'a BIT STRING with one unused bit',
    der: Buffer.concat([spki.subarray(0, 24), Buffer.from([0x01]), spki.subarray(25)]),
    message: /malformed public key/,
  },
  {
    name: 'an EC point in the hybrid form 0x06 (found by the fuzzer; RFC 5480 forbids it)',
    der: Buffer.concat([spki.subarray(0, 26), Buffer.from([0x06 | (spki[90] & 1)]), spki.subarray(27)]),
    message: /point encoding 0x0[67] is refused/,
  },
  {
    name: 'trailing bytes after the structure',
    der: Buffer.concat([spki, Buffer.from([0x00, 0x00])]),
    message: /trailing byte|not DER|malformed/,
  },
];

describe('public keys are read strictly', () => {
  it('the unmodified keys pass', () => {
    expect(checkPublicKey(spki).keyType).toBe('ec');
    expect(checkPublicKey(rsaSpki).keyType).toBe('rsa');
  });
  it.each(mutants)('refuses $name', ({ der, message }) => {
    let thrown: unknown;
    try {
      checkPublicKey(der);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidError);
    expect((thrown as InvalidError).message).toMatch(message);
    expect((thrown as InvalidError).problems[0].pointer).toBe('/publicKey');
  });
  it('refuses an RSA key whose length is written in more bytes than needed', () => {
    const padded = Buffer.concat([Buffer.from('3083000122', 'hex'), rsaSpki.subarray(4)]);
    expect(() => checkPublicKey(padded)).toThrow(/not DER|malformed/);
  });
});

describe('CSRs are read strictly', () => {
  let csrDer: Buffer;
  beforeAll(() => {
    const directory = mkdtempSync(join(tmpdir(), 'steward-strict-'));
    const key = join(directory, 'key.pem');
    writeFileSync(
      key,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    execFileSync('openssl', [
      'req',
      '-new',
      '-key',
      key,
      '-subj',
      '/CN=strict',
      '-outform',
      'DER',
      '-out',
      join(directory, 'csr.der'),
    ]);
    csrDer = readFileSync(join(directory, 'csr.der'));
  });
  it('an openssl CSR passes', () => {
    expect(verifyCsr(csrDer).spki.length).toBe(91);
  });
  it('refuses a CSR with a non-minimal outer length, trailing bytes, or an altered signature', () => {
    const long =
      csrDer[1] === 0x81 ? Buffer.concat([Buffer.from([0x30, 0x82, 0x00]), csrDer.subarray(2)]) : undefined;
    if (long) expect(() => verifyCsr(long)).toThrow(/not DER/);
    expect(() => verifyCsr(Buffer.concat([csrDer, Buffer.from([0])]))).toThrow(/trailing byte|not DER/);
    const flipped = Buffer.from(csrDer);
    flipped[flipped.length - 5] ^= 0x01;
    expect(() => verifyCsr(flipped)).toThrow(/does not verify|malformed/);
  });
});

describe('over HTTP', () => {
  const pki = usePkiServer();
  beforeAll(async () => {
    await apply(pki, [caManifest('strict-ca', rootSpec('Strict CA'))]);
    await waitFor(pki, 'strict-ca', isReadyNow);
  });
  it.each(mutants)('$name: 422 at /publicKey, nothing recorded', async ({ der, message }) => {
    const reply = await call<{ message: string; details: { causes: Array<{ pointer: string }> } }>(
      pki.server,
      'POST',
      '/api/v1/certificateauthorities/strict-ca/certificates',
      { token: pki.token, body: { publicKey: toPem('PUBLIC KEY', der), subject: { commonName: 'x' } } },
    );
    expect(reply.status).toBe(422);
    expect(reply.body.message).toMatch(message);
    expect(reply.body.details.causes[0].pointer).toBe('/publicKey');
    const count = await pki.server.services.db
      .knex('pki_issued_certificates')
      .where({ ca_name: 'strict-ca' })
      .count({ n: '*' })
      .first();
    expect(Number(count?.n)).toBe(0);
  });
});
