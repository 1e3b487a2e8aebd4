import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeLength, integer, oid, time, unsignedInteger } from '../../src/pki/der.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Time } from '@peculiar/asn1-x509';
import { checkPublicKey } from '../../src/pki/public-key.js';

const hex = (bytes: Buffer) => bytes.toString('hex');

describe('DER encoding', () => {
  it.each([
    { length: 0, expected: '00' },
    { length: 127, expected: '7f' },
    { length: 128, expected: '8180' },
    { length: 255, expected: '81ff' },
    { length: 256, expected: '820100' },
    { length: 65_535, expected: '82ffff' },
    { length: 65_536, expected: '83010000' },
  ])('a length of $length is encoded in the shortest form as $expected', ({ length, expected }) => {
    expect(hex(encodeLength(length))).toBe(expected);
  });

  it.each([
    { name: 'zero is one zero byte', magnitude: '00', expected: '020100' },
    { name: 'leading zero bytes are dropped', magnitude: '000001', expected: '020101' },
    { name: 'a set top bit gets a zero sign byte', magnitude: '80', expected: '02020080' },
    { name: 'a clear top bit gets none', magnitude: '7f', expected: '02017f' },
  ])('as an INTEGER, $name', ({ magnitude, expected }) => {
    expect(hex(unsignedInteger(Buffer.from(magnitude, 'hex')))).toBe(expected);
  });

  it('small integers and big CRL numbers encode minimally', () => {
    expect(hex(integer(2))).toBe('020102');
    expect(hex(integer(2n ** 64n))).toBe('0209010000000000000000');
  });

  it('OIDs encode their first two arcs together and large arcs in base 128', () => {
    expect(hex(oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(oid('2.5.29.19'))).toBe('0603551d13');
  });

  it.each([
    { date: '2049-12-31T23:59:59.999Z', expected: '170d3439313233313233353935395a' },
    { date: '2050-01-01T00:00:00Z', expected: '180f32303530303130313030303030305a' },
  ])(
    '$date is written as UTCTime through 2049 and GeneralizedTime after, and reads back',
    ({ date, expected }) => {
      const encoded = time(new Date(date));
      expect(hex(encoded)).toBe(expected);
      // Read back by the library relying parties' tools are tested against.
      expect(AsnConvert.parse(encoded, Time).getTime().getTime()).toBe(
        Math.floor(new Date(date).getTime() / 1000) * 1000,
      );
    },
  );
});

describe('public key checks', () => {
  it.each([
    { name: 'P-256', type: 'ec', options: { namedCurve: 'P-256' } },
    { name: 'P-384', type: 'ec', options: { namedCurve: 'P-384' } },
    { name: 'Ed25519', type: 'ed25519', options: {} },
  ])('the fast path accepts exactly what OpenSSL exports for 50 random $name keys', ({ type, options }) => {
    for (let round = 0; round < 50; round++) {
      const { publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
      const spki = publicKey.export({ type: 'spki', format: 'der' });
      expect(checkPublicKey(spki).spki.equals(spki)).toBe(true);
    }
  });

  it('a compressed EC point takes the OpenSSL path and comes back canonical', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x!, 'base64url');
    const yOdd = Buffer.from(jwk.y!, 'base64url')[31] & 1;
    const compressed = Buffer.concat([
      Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
      Buffer.from([yOdd ? 3 : 2]),
      x,
    ]);
    expect(createPublicKey({ key: compressed, format: 'der', type: 'spki' }).asymmetricKeyType).toBe('ec');
    expect(checkPublicKey(compressed).spki.equals(publicKey.export({ type: 'spki', format: 'der' }))).toBe(
      true,
    );
  });

  it('an RSA-2048 key in PEM is accepted as rsa', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(checkPublicKey(publicKey.export({ type: 'spki', format: 'pem' })).keyType).toBe('rsa');
  });
});
