/**
 * The per-certificate X.509 v3 extensions of leaves (RFC 5280 §4.2: SKI and SAN) as complete DER
 * `Extension` TLVs, ready to be concatenated into a certificate's extension list, and the SAN
 * rules. The fixed extensions (basicConstraints, keyUsage, extKeyUsage, AKI, CRL DP) are encoded
 * once per CA and profile by @peculiar/x509 (issuer.ts). Pure functions.
 */
import { isIP } from 'node:net';
import { type FieldProblem, InvalidError } from '../errors.js';
import { ipBytes } from '../schema/cidr.js';
import {
  boolean,
  contextConstructed,
  contextPrimitive,
  octetString,
  oid,
  sequence,
  utf8String,
} from './der.js';

const OID = {
  subjectKeyIdentifier: oid('2.5.29.14'),
  subjectAltName: oid('2.5.29.17'),
  /** id-on-permanentIdentifier (RFC 4043). */
  permanentIdentifier: oid('1.3.6.1.5.5.7.8.3'),
};

/** One Extension: SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
export function extension(extensionId: Buffer, critical: boolean, value: Buffer): Buffer {
  // DER forbids encoding a DEFAULT value, so `critical` is omitted rather than written as FALSE.
  return critical
    ? sequence(extensionId, boolean(true), octetString(value))
    : sequence(extensionId, octetString(value));
}

export const ExtendedKeyUsageOid = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;
export type ExtendedKeyUsage = keyof typeof ExtendedKeyUsageOid;

export function subjectKeyIdentifierExtension(keyIdentifier: Buffer): Buffer {
  return extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier));
}

export interface SubjectAltNames {
  dnsNames?: readonly string[];
  /** For devices, the permanent identifier goes here (e.g. `urn:ek:sha256:...`). */
  uris?: readonly string[];
  emails?: readonly string[];
  ipAddresses?: readonly string[];
  /**
   * RFC 4043 PermanentIdentifier otherNames (identifierValue only): a device's hardware identity
   * as step-ca and ACME device attestation put it, e.g. a serial number or `urn:ek:sha256:...`.
   */
  permanentIdentifiers?: readonly string[];
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
  check(
    names.permanentIdentifiers,
    'permanentIdentifiers',
    (value) => /^[\x20-\x7e]{1,256}$/.test(value),
    'a permanent identifier (1 to 256 printable ASCII characters)',
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
    [names.dnsNames, names.uris, names.emails, names.ipAddresses, names.permanentIdentifiers].some(
      (list) => (list?.length ?? 0) > 0,
    )
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
    // otherName [0] { type-id, [0] EXPLICIT PermanentIdentifier { identifierValue UTF8String } }
    ...(names.permanentIdentifiers ?? []).map((value) =>
      contextConstructed(0, OID.permanentIdentifier, contextConstructed(0, sequence(utf8String(value)))),
    ),
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
