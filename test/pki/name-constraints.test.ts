/**
 * Name constraints, pure: OpenSSL's matching rules (crypto/x509/v3_ncons.c) as Steward applies
 * them before signing, and when two specs are the same.
 */
import { describe, expect, it } from 'vitest';
import {
  type ConstraintsOf,
  nameConstraintViolation,
  sameNameConstraints,
} from '../../src/pki/name-constraints.js';

const fleet: ConstraintsOf = {
  ca: 'devices',
  constraints: {
    permitted: {
      dnsDomains: ['fleet.example.com', '.edge.example.net'],
      ipRanges: ['10.0.0.0/8', 'fd00::/8'],
      emailDomains: ['example.com', '.corp.example.com', 'root@example.org'],
      uriDomains: ['.example.com'],
    },
    excluded: { dnsDomains: ['bad.fleet.example.com'], ipRanges: ['10.66.0.0/16'] },
  },
};
const rootOnlyDns: ConstraintsOf = {
  ca: 'root',
  constraints: { permitted: { dnsDomains: ['example.com'] } },
};

describe('nameConstraintViolation', () => {
  it.each([
    { case: 'a DNS name equal to the domain', names: { dnsNames: ['fleet.example.com'] } },
    { case: 'a DNS name below the domain', names: { dnsNames: ['a.b.fleet.example.com'] } },
    { case: 'a wildcard below the domain', names: { dnsNames: ['*.fleet.example.com'] } },
    { case: 'a name below a dot-domain', names: { dnsNames: ['x.edge.example.net'] } },
    { case: 'upper case', names: { dnsNames: ['API.Fleet.Example.COM'] } },
    { case: 'an IPv4 address in range', names: { ipAddresses: ['10.1.2.3'] } },
    { case: 'an IPv6 address in range', names: { ipAddresses: ['fd12::1'] } },
    { case: 'a mailbox at the host', names: { emails: ['ops@EXAMPLE.com'] } },
    { case: 'a mailbox below a dot-domain', names: { emails: ['a@x.corp.example.com'] } },
    { case: 'the one permitted mailbox', names: { emails: ['root@example.org'] } },
    { case: 'a URI whose host is below the domain', names: { uris: ['https://api.example.com:8443/x'] } },
    { case: 'no names and a CN that is no hostname', names: undefined, commonName: 'device 42' },
    { case: 'a hostname CN inside, no DNS SAN', names: undefined, commonName: 'gw.fleet.example.com' },
    {
      case: 'a hostname CN outside, but a DNS SAN inside',
      names: { dnsNames: ['fleet.example.com'] },
      commonName: 'x.other.org',
    },
  ])('accepts $case', ({ names, commonName }) => {
    expect(nameConstraintViolation([fleet], names, commonName ?? 'leaf')).toBeUndefined();
  });

  it.each([
    {
      case: 'a DNS name outside',
      names: { dnsNames: ['api.other.org'] },
      pointer: '/subjectAltNames/dnsNames/0',
      message: /outside the permitted dnsDomains of CertificateAuthority "devices"/,
    },
    {
      case: 'a suffix that is not a label boundary',
      names: { dnsNames: ['evilfleet.example.com'] },
      pointer: '/subjectAltNames/dnsNames/0',
      message: /outside/,
    },
    {
      case: 'the dot-domain itself',
      names: { dnsNames: ['edge.example.net'] },
      pointer: '/subjectAltNames/dnsNames/0',
      message: /outside/,
    },
    {
      case: 'an excluded DNS name',
      names: { dnsNames: ['fleet.example.com', 'x.bad.fleet.example.com'] },
      pointer: '/subjectAltNames/dnsNames/1',
      message:
        /excluded by CertificateAuthority "devices" \(nameConstraints excluded dnsDomains "bad.fleet.example.com"\)/,
    },
    {
      case: 'an IP outside',
      names: { ipAddresses: ['192.168.1.1'] },
      pointer: '/subjectAltNames/ipAddresses/0',
      message: /ipRanges/,
    },
    {
      case: 'an excluded IP',
      names: { ipAddresses: ['10.66.1.1'] },
      pointer: '/subjectAltNames/ipAddresses/0',
      message: /excluded/,
    },
    {
      case: 'an IPv4-mapped address against IPv4 ranges',
      names: { ipAddresses: ['::ffff:10.0.0.1'] },
      pointer: '/subjectAltNames/ipAddresses/0',
      message: /outside/,
    },
    {
      case: 'a mailbox at a subdomain of a host-only domain',
      names: { emails: ['a@x.example.com'] },
      pointer: '/subjectAltNames/emails/0',
      message: /emailDomains/,
    },
    {
      case: 'another mailbox than the one permitted',
      names: { emails: ['admin@example.org'] },
      pointer: '/subjectAltNames/emails/0',
      message: /outside/,
    },
    {
      case: 'a URI host outside',
      names: { uris: ['https://example.org/'] },
      pointer: '/subjectAltNames/uris/0',
      message: /uriDomains/,
    },
    {
      case: 'a URN under URI constraints',
      names: { uris: ['urn:ek:sha256:abc'] },
      pointer: '/subjectAltNames/uris/0',
      message: /without a \/\/host/,
    },
    {
      case: 'a hostname CN outside, no DNS SAN',
      names: { ipAddresses: ['10.0.0.1'] },
      commonName: 'www.other.org',
      pointer: '/subject/commonName',
      message: /outside/,
    },
  ])('refuses $case, naming the constraint', ({ names, commonName, pointer, message }) => {
    const problem = nameConstraintViolation([fleet], names, commonName ?? 'leaf');
    expect(problem?.pointer).toBe(pointer);
    expect(problem?.message).toMatch(message);
  });

  it('applies every CA of the chain: an intermediate permitting more is still bound by its root', () => {
    const wide: ConstraintsOf = {
      ca: 'issuing',
      constraints: { permitted: { dnsDomains: ['example.org', 'example.com'] } },
    };
    expect(
      nameConstraintViolation([wide, rootOnlyDns], { dnsNames: ['a.example.com'] }, 'x'),
    ).toBeUndefined();
    expect(
      nameConstraintViolation([wide, rootOnlyDns], { dnsNames: ['a.example.org'] }, 'x')?.message,
    ).toMatch(/CertificateAuthority "root"/);
  });

  it('leaves names of a type no CA constrains alone', () => {
    expect(
      nameConstraintViolation([rootOnlyDns], { uris: ['urn:ek:sha256:abc'], ipAddresses: ['8.8.8.8'] }, 'x'),
    ).toBeUndefined();
  });
});

describe('sameNameConstraints', () => {
  it.each([
    [undefined, undefined, true],
    [undefined, { permitted: {} }, true],
    [
      { permitted: { dnsDomains: ['b.com', 'a.com'] } },
      { permitted: { dnsDomains: ['A.com', 'b.com'] } },
      true,
    ],
    [{ permitted: { dnsDomains: ['a.com'] } }, { excluded: { dnsDomains: ['a.com'] } }, false],
    [
      { permitted: { dnsDomains: ['a.com'] } },
      { permitted: { dnsDomains: ['a.com'], ipRanges: ['10.0.0.0/8'] } },
      false,
    ],
  ])('%j and %j: %s', (left, right, same) => {
    expect(sameNameConstraints(left, right)).toBe(same);
  });
});
