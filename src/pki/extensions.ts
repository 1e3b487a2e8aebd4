/**
 * X.509 v3 extensions (RFC 5280 §4.2) as complete DER `Extension` TLVs, ready to be concatenated
 * into a certificate's extension list. Pure functions.
 */
import { isIP } from 'node:net';
import { type FieldProblem, InvalidError } from '../errors.js';
import { ipBytes } from '../schema/cidr.js';
import {
  bitString,
  boolean,
  contextConstructed,
  contextPrimitive,
  integer,
  octetString,
  oid,
  sequence,
} from './der.js';

const OID = {
  subjectKeyIdentifier: oid('2.5.29.14'),
  keyUsage: oid('2.5.29.15'),
  subjectAltName: oid('2.5.29.17'),
  basicConstraints: oid('2.5.29.19'),
  crlDistributionPoints: oid('2.5.29.31'),
  authorityKeyIdentifier: oid('2.5.29.35'),
  extendedKeyUsage: oid('2.5.29.37'),
};

/** One Extension: SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
export function extension(extensionId: Buffer, critical: boolean, value: Buffer): Buffer {
  // DER forbids encoding a DEFAULT value, so `critical` is omitted rather than written as FALSE.
  return critical
    ? sequence(extensionId, boolean(true), octetString(value))
    : sequence(extensionId, octetString(value));
}

/** basicConstraints, always critical (RFC 5280 requires it for CAs; harmless and usual on leaves). */
export function basicConstraintsExtension(isCa: boolean, pathLen?: number): Buffer {
  const fields: Buffer[] = [];
  // cA DEFAULT FALSE: a leaf's value is the empty SEQUENCE.
  if (isCa) fields.push(boolean(true));
  if (isCa && pathLen !== undefined) fields.push(integer(pathLen));
  return extension(OID.basicConstraints, true, sequence(...fields));
}

/** KeyUsage bit positions (RFC 5280 §4.2.1.3). */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;
export type KeyUsage = keyof typeof KeyUsageBit;

/** keyUsage, critical. */
export function keyUsageExtension(usages: readonly KeyUsage[]): Buffer {
  let bits = 0;
  for (const usage of usages) bits |= 0x80 >> KeyUsageBit[usage];
  // A named BIT STRING in DER drops trailing zero bits and says how many bits of the last byte are unused.
  let unusedBits = 0;
  while (unusedBits < 8 && bits !== 0 && !(bits & (1 << unusedBits))) unusedBits++;
  const value = bits === 0 ? bitString(Buffer.alloc(0)) : bitString(Buffer.from([bits]), unusedBits);
  return extension(OID.keyUsage, true, value);
}

export const ExtendedKeyUsageOid = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;
export type ExtendedKeyUsage = keyof typeof ExtendedKeyUsageOid;

/** extendedKeyUsage, not critical. */
export function extendedKeyUsageExtension(purposes: readonly ExtendedKeyUsage[]): Buffer {
  return extension(
    OID.extendedKeyUsage,
    false,
    sequence(...purposes.map((purpose) => oid(ExtendedKeyUsageOid[purpose]))),
  );
}

export function subjectKeyIdentifierExtension(keyIdentifier: Buffer): Buffer {
  return extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier));
}

/** authorityKeyIdentifier with keyIdentifier [0] only (issuer+serial would break on CA renewal). */
export function authorityKeyIdentifierExtension(keyIdentifier: Buffer): Buffer {
  return extension(OID.authorityKeyIdentifier, false, sequence(contextPrimitive(0, keyIdentifier)));
}

/** crlDistributionPoints with one distribution point whose fullName is one URI. */
export function crlDistributionPointsExtension(url: string): Buffer {
  // DistributionPoint { distributionPoint [0] DistributionPointName }: [0] is EXPLICIT because
  // DistributionPointName is a CHOICE; inside it fullName [0] IMPLICIT GeneralNames, then URI [6].
  const uri = contextPrimitive(6, asciiBytes(url));
  return extension(
    OID.crlDistributionPoints,
    false,
    sequence(sequence(contextConstructed(0, contextConstructed(0, uri)))),
  );
}

export interface SubjectAltNames {
  dnsNames?: readonly string[];
  /** For devices, the permanent identifier goes here (e.g. `urn:ek:sha256:...`). */
  uris?: readonly string[];
  emails?: readonly string[];
  ipAddresses?: readonly string[];
}

/** Every problem with a set of SANs (ASCII only: IA5String; IDNs must be given as A-labels). Pure. */
export function subjectAltNameProblems(names: SubjectAltNames, pointer = '/subjectAltNames'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const check = (
    list: readonly string[] | undefined,
    field: string,
    valid: (value: string) => boolean,
    rule: string,
  ) =>
    list?.forEach((value, index) => {
      if (typeof value !== 'string' || !valid(value)) {
        problems.push({
          pointer: `${pointer}/${field}/${index}`,
          message: `${JSON.stringify(value)} is not ${rule}`,
        });
      }
    });
  check(
    names.dnsNames,
    'dnsNames',
    isDnsName,
    'a DNS name (ASCII letters, digits, "-", ".", optional leading "*.")',
  );
  check(
    names.uris,
    'uris',
    (value) => /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/.test(value),
    'an ASCII URI with a scheme',
  );
  check(
    names.emails,
    'emails',
    (value) => {
      const at = value.lastIndexOf('@');
      return (
        at > 0 && /^[\x21-\x3f\x41-\x7e]+$/.test(value.slice(0, at)) && isDnsName(value.slice(at + 1), false)
      );
    },
    'an ASCII e-mail address whose domain is a DNS name',
  );
  // Node's isIP accepts an IPv6 zone id (fe80::1%eth0), which a certificate cannot carry.
  check(
    names.ipAddresses,
    'ipAddresses',
    (value) => isIP(value) !== 0 && !value.includes('%'),
    'an IPv4 or IPv6 address (without a zone id)',
  );
  return problems;
}

function isDnsName(value: string, wildcard = true): boolean {
  if (value.length > 253) return false;
  const labels = wildcard && value.startsWith('*.') ? value.slice(2).split('.') : value.split('.');
  return labels.every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/** True when there is at least one name. */
export function hasSubjectAltNames(names: SubjectAltNames | undefined): boolean {
  return (
    !!names &&
    [names.dnsNames, names.uris, names.emails, names.ipAddresses].some((list) => (list?.length ?? 0) > 0)
  );
}

/**
 * subjectAltName, not critical (every certificate here also has a subject CN).
 * @throws InvalidError listing every invalid name.
 */
export function subjectAltNameExtension(names: SubjectAltNames): Buffer {
  const problems = subjectAltNameProblems(names);
  if (problems.length > 0)
    throw new InvalidError(`invalid subject alternative name: ${problems[0].message}`, { problems });
  const generalNames = [
    ...(names.emails ?? []).map((email) => contextPrimitive(1, asciiBytes(email))),
    ...(names.dnsNames ?? []).map((dns) => contextPrimitive(2, asciiBytes(dns))),
    ...(names.uris ?? []).map((uri) => contextPrimitive(6, asciiBytes(uri))),
    ...(names.ipAddresses ?? []).map((ip) => contextPrimitive(7, ipAddressBytes(ip))),
  ];
  return extension(OID.subjectAltName, false, sequence(...generalNames));
}

function asciiBytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** The bytes of an IP address SAN. */
export function ipAddressBytes(ip: string): Buffer {
  return ipBytes(ip);
}
