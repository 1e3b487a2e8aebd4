/** The pure rules of a device's identity: its default name, its certificate request, its renewal time. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  deviceNameFor,
  identityRequest,
  isDeviceName,
  renewAfter,
} from '../../src/devices/device-identity.js';

const EK_DIGEST = createHash('sha256').update('an endorsement key').digest();
const EK = `urn:ek:sha256:${EK_DIGEST.toString('base64')}`;

describe('the name an enrolling device gets', () => {
  it.each([
    ['an Apple serial is lower-cased', 'apple', 'C02XG2JHJG5H', 'c02xg2jhjg5h'],
    [
      'a TPM is tpm- and 16 hex digits of its EK digest',
      'tpm',
      EK,
      `tpm-${EK_DIGEST.toString('hex').slice(0, 16)}`,
    ],
    ['an identifier that is already a DNS label is kept', 'linux', 'host-1', 'host-1'],
    [
      'anything else is the platform and 16 hex digits of its SHA-256',
      'windows',
      'Serial 5CG1234/XYZ',
      `windows-${createHash('sha256').update('Serial 5CG1234/XYZ').digest('hex').slice(0, 16)}`,
    ],
    [
      'an upper-case identifier is not silently lower-cased (two devices could collide)',
      'linux',
      'HOST-1',
      `linux-${createHash('sha256').update('HOST-1').digest('hex').slice(0, 16)}`,
    ],
  ])('%s', (_rule, platform, identifier, name) => {
    expect(deviceNameFor(platform, identifier)).toBe(name);
    expect(isDeviceName(name)).toBe(true);
  });
});

describe('the identity certificate request', () => {
  it('puts a URN identifier in a PermanentIdentifier and a URI SAN, clientAuth, owned by the Device', () => {
    expect(
      identityRequest({ name: 'tpm-1', platform: 'tpm', identifier: EK, validityMs: 1000 }, { csr: 'CSR' }),
    ).toEqual({
      csr: 'CSR',
      subject: { commonName: 'tpm-1' },
      subjectAltNames: { permanentIdentifiers: [EK], uris: [EK] },
      profile: 'client',
      validityMs: 1000,
      owner: { kind: 'Device', name: 'tpm-1' },
    });
  });
  it('puts a serial number in a PermanentIdentifier only', () => {
    expect(
      identityRequest({ name: 'mac', platform: 'apple', identifier: 'C02XG2JHJG5H' }, { csr: 'CSR' })
        .subjectAltNames,
    ).toEqual({ permanentIdentifiers: ['C02XG2JHJG5H'] });
  });
  it('asks for renewal two thirds into the validity', () => {
    expect(renewAfter(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-31T00:00:00Z')).toISOString()).toBe(
      '2026-01-21T00:00:00.000Z',
    );
  });
});
